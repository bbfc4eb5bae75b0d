import Logging
import SluiceConnectSDK

/// Config providers as residency locations (DESIGN.md §2, state class `secrets`): a provider
/// reads from the `secret-store` location `config.providers.<name>.location` names (default
/// `state.secrets.location`). Every fetch is a decision: the AWS Secrets Manager provider's
/// region is `verified` from the secret's ARN (another region than the location claims is a
/// mismatch); every other provider's is `declared`. With a residency policy in `enforce` mode a
/// violation refuses the reference (the connector does not start); in `warn` mode it is logged.
/// Decisions are logged with the location and evidence, never a value.
public struct SecretResidency: Sendable {
    /// provider name → its location
    public let locations: [String: Location]
    public let policy: ResidencyPolicy?
    let logger: Logger

    public init(locations: [String: Location], policy: ResidencyPolicy?, logger: Logger) {
        self.locations = locations
        self.policy = policy
        self.logger = logger
    }

    /// The worker's provider locations; nil when no provider has one.
    init?(worker: WorkerConfig, providers: [String], logger: Logger) throws {
        var locations: [String: Location] = [:]
        for name in providers {
            let key = "config.providers.\(name).location"
            guard let locationName = worker.providerSettings["\(name).location"] ?? worker.locations.defaults[.secrets],
                !locationName.isEmpty
            else { continue }
            guard let location = worker.locations.byName[locationName] else {
                throw ConfigException(
                    key: key, "\(key)=\(locationName) names an unknown location; known locations: \(worker.locations.knownNames)")
            }
            guard location.kind == .secretStore else {
                throw ConfigException(
                    key: key,
                    "\(key)=\(locationName) is a \(location.kind.rawValue) location; a provider needs a secret-store location")
            }
            locations[name] = location
        }
        guard !locations.isEmpty else { return nil }
        let policy: ResidencyPolicy?
        do {
            policy = try worker.residencyPolicyFile.map { path throws(ResidencyPolicyError) in
                try ResidencyPolicy.load(path: path)
            }
        } catch {
            throw ConfigException(key: "residency.policy.file", "\(error)")
        }
        self.init(locations: locations, policy: policy, logger: logger)
    }

    /// The evidence for one fetch from `provider`'s location.
    public func evidence(provider: String, data: ConfigData) -> LocationEvidence? {
        guard let location = locations[provider] else { return nil }
        guard let reported = data.region else {
            return LocationEvidence(
                location: location, observedRegion: nil, level: .declared,
                method: "config provider \(provider): only the worker config says \(location.region ?? "(none)")")
        }
        let method = "config provider \(provider): the secret's ARN names region \(reported)"
        guard reported.lowercased() == location.region?.lowercased() else {
            return LocationEvidence(
                location: location, observedRegion: reported, level: nil, method: method, outcome: .mismatch,
                error: "the secret's ARN names \(reported), the location claims \(location.region ?? "(none)")")
        }
        return LocationEvidence(location: location, observedRegion: reported, level: .verified, method: method)
    }

    /// Checks one fetch; returns why it is refused (policy `enforce`), else nil.
    func check(provider: String, path: String, data: ConfigData, connector: String?) -> String? {
        guard let evidence = evidence(provider: provider, data: data) else { return nil }
        var metadata: Logger.Metadata = [
            "provider": "\(provider)", "path": "\(path)", "location": "\(evidence.location)",
            "region": "\(evidence.observedRegion ?? evidence.claimedRegion ?? "-")",
            "level": "\(evidence.level?.rawValue ?? evidence.outcome.rawValue)", "method": "\(evidence.method)",
        ]
        if let connector { metadata["connector"] = "\(connector)" }
        guard let policy else {
            logger.debug("secret location checked (no residency policy)", metadata: metadata)
            return evidence.outcome == .mismatch ? "residency: \(evidence.error ?? evidence.method)" : nil
        }
        let decision = ResidencyEvaluator(policy: policy).decide(connector: connector, stateClass: .secrets, evidence: evidence)
        metadata["result"] = "\(decision.result.rawValue)"
        guard !decision.passed else {
            logger.info("secret residency decision", metadata: metadata)
            return nil
        }
        metadata["reason"] = "\(decision.reason ?? "-")"
        if policy.mode == .warn {
            logger.warning("secret residency violation (policy mode warn: resolved anyway)", metadata: metadata)
            return nil
        }
        logger.error("secret residency violation: refused", metadata: metadata)
        return "residency violation: \(decision.description)"
    }
}
