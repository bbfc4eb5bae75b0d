import SluiceConnectSDK

/// One state class checked against the policy.
public struct ResidencyDecision: Sendable, Hashable, CustomStringConvertible {
    public enum Result: String, Sendable, Hashable, Codable {
        case pass
        /// The region or level breaks the policy (or the provider contradicts the claim).
        case violation
        /// The location could not be checked: nothing proven.
        case unverifiable
    }

    public var connector: String?
    public var stateClass: StateClass
    public var evidence: LocationEvidence
    /// The region the decision used: observed when known, else the claimed one.
    public var regionFound: String?
    public var allowedRegions: [String]
    public var levelFound: VerificationLevel?
    public var levelRequired: VerificationLevel
    public var result: Result
    /// Why it failed, naming class, location, region, allowed regions and levels.
    public var reason: String?

    public var passed: Bool { result == .pass }

    public var description: String {
        let subject = (connector.map { "connector \($0) " } ?? "") + "state class \(stateClass.rawValue)"
        return switch result {
        case .pass:
            "\(subject): location \(evidence.location) in \(regionFound ?? "?") (\(levelFound?.rawValue ?? "?")) allowed"
        case .violation, .unverifiable:
            (connector.map { "connector \($0): " } ?? "") + (reason ?? "\(subject): \(result.rawValue)")
        }
    }

    public var json: JSONValue {
        [
            "connector": connector.map { .string($0) } ?? .null, "stateClass": .string(stateClass.rawValue),
            "location": .string(evidence.location), "regionFound": regionFound.map { .string($0) } ?? .null,
            "allowedRegions": .array(allowedRegions.map { .string($0) }),
            "levelFound": levelFound.map { .string($0.rawValue) } ?? .null, "levelRequired": .string(levelRequired.rawValue),
            "result": .string(result.rawValue), "reason": reason.map { .string($0) } ?? .null, "evidence": evidence.json,
        ]
    }
}

/// Checks resolved state (class → location evidence) against a policy.
public struct ResidencyEvaluator: Sendable {
    public var policy: ResidencyPolicy

    public init(policy: ResidencyPolicy) { self.policy = policy }

    /// One decision per placed class, in class order.
    public func evaluate(connector: String?, evidence: [StateClass: LocationEvidence]) -> [ResidencyDecision] {
        evidence.keys.sorted().map { decide(connector: connector, stateClass: $0, evidence: evidence[$0]!) }
    }

    public func decide(connector: String?, stateClass: StateClass, evidence: LocationEvidence) -> ResidencyDecision {
        let rule = policy.rule(for: stateClass, connector: connector)
        let region = evidence.observedRegion ?? evidence.claimedRegion
        var decision = ResidencyDecision(
            connector: connector, stateClass: stateClass, evidence: evidence, regionFound: region,
            allowedRegions: rule.allowedRegions, levelFound: evidence.level, levelRequired: rule.minimumLevel, result: .pass)
        let subject = "state class \(stateClass.rawValue) at location \(evidence.location)"
        let allowed = rule.allowedRegions.isEmpty ? "(none)" : rule.allowedRegions.joined(separator: ", ")
        switch evidence.outcome {
        case .unverifiable:
            decision.result = .unverifiable
            decision.reason = "\(subject) could not be checked: \(evidence.error ?? evidence.method)"
        case .mismatch:
            decision.result = .violation
            decision.reason =
                "\(subject): region found \(region ?? "(none)") contradicts the claimed \(evidence.claimedRegion ?? "(none)") "
                + "(\(evidence.error ?? evidence.method)); allowed regions: \(allowed)"
        case .ok:
            var problems: [String] = []
            if !rule.allowedRegions.contains(where: { $0.lowercased() == region?.lowercased() }) {
                problems.append("region found \(region ?? "(none)") is not in the allowed regions \(allowed)")
            }
            if let level = evidence.level, level < rule.minimumLevel {
                problems.append("verification level found \(level.rawValue) is below the required \(rule.minimumLevel.rawValue)")
            }
            if !problems.isEmpty {
                decision.result = .violation
                decision.reason = "\(subject): " + problems.joined(separator: "; ") + " (\(evidence.method))"
            }
        }
        return decision
    }
}
