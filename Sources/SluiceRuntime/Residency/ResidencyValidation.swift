import Foundation
import SluiceConnectSDK

/// `sluice residency validate`: every placed state class of the worker defaults and of each given
/// connector, verified (each location once) and checked against the policy.
public struct ResidencyValidation: Sendable {
    public enum Result: String, Sendable {
        case pass
        case violations
        case unverifiable
    }

    public var decisions: [ResidencyDecision]
    /// State classes with no location (not checked).
    public var unplaced: [(connector: String?, stateClass: StateClass)]
    public var mode: ResidencyPolicy.Mode

    public var violations: [ResidencyDecision] { decisions.filter { $0.result == .violation } }
    public var unverifiable: [ResidencyDecision] { decisions.filter { $0.result == .unverifiable } }

    /// Violations win over unverifiable checks: a CI gate knows the answer is "no".
    public var result: Result {
        if !violations.isEmpty { return .violations }
        if !unverifiable.isEmpty { return .unverifiable }
        return .pass
    }

    public static func run(
        worker: WorkerConfig, policy: ResidencyPolicy, connectors: [[String: String]],
        verify: @Sendable (Location) async -> LocationEvidence
    ) async throws(ConfigException) -> ResidencyValidation {
        var subjects: [(String?, [StateClass: Location])] = [(nil, try worker.locations.resolveAll())]
        for config in connectors {
            var placed = try worker.locations.resolveAll(connector: config)
            if let name = config["name"] {
                let (stateClass, location) = try CheckpointPlacement.location(worker: worker, connector: config)
                placed[stateClass] = location
                subjects.append((name, placed))
            }
        }
        var evidence: [String: LocationEvidence] = [:]
        for (_, placed) in subjects {
            for location in placed.values where evidence[location.name] == nil {
                evidence[location.name] = await verify(location)
            }
        }
        let evaluator = ResidencyEvaluator(policy: policy)
        var decisions: [ResidencyDecision] = []
        var unplaced: [(String?, StateClass)] = []
        for (connector, placed) in subjects {
            decisions += evaluator.evaluate(connector: connector, evidence: placed.mapValues { evidence[$0.name]! })
            unplaced += StateClass.allCases.filter { placed[$0] == nil }.map { (connector, $0) }
        }
        return ResidencyValidation(
            decisions: decisions, unplaced: unplaced.map { (connector: $0.0, stateClass: $0.1) }, mode: policy.mode)
    }

    public var json: JSONValue {
        [
            "result": .string(result.rawValue), "mode": .string(mode.rawValue),
            "decisions": .array(decisions.map(\.json)), "violations": .array(violations.map(\.json)),
            "unverifiable": .array(unverifiable.map(\.json)),
            "unplaced": .array(
                unplaced.map {
                    ["connector": $0.connector.map { .string($0) } ?? .null, "stateClass": .string($0.stateClass.rawValue)]
                }),
        ]
    }

    /// A fixed-width table, then one line per failure.
    public var table: String {
        let header = ["CONNECTOR", "STATE CLASS", "LOCATION", "KIND", "REGION", "LEVEL", "REQUIRED", "RESULT"]
        let rows = decisions.map { decision in
            [
                decision.connector ?? "(worker)", decision.stateClass.rawValue, decision.evidence.location,
                decision.evidence.kind.rawValue, decision.regionFound ?? "-", decision.levelFound?.rawValue ?? "-",
                decision.levelRequired.rawValue, decision.result.rawValue.uppercased(),
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingTrailingSpaces
        }
        var text = ([line(header)] + rows.map(line)).joined(separator: "\n")
        let failures = decisions.filter { !$0.passed }
        if !failures.isEmpty {
            text += "\n\n" + failures.map { "- \($0)" }.joined(separator: "\n")
        }
        for decision in decisions where decision.passed {
            text += "\n  \(decision.connector ?? "(worker)")/\(decision.stateClass.rawValue): \(decision.evidence.method)"
        }
        let summary: String =
            switch result {
            case .pass: "PASS: \(decisions.count) state placements satisfy the policy"
            case .violations: "FAIL: \(violations.count) violation(s)\(mode == .warn ? " (policy mode warn)" : "")"
            case .unverifiable: "UNKNOWN: \(unverifiable.count) location(s) could not be checked"
            }
        return text + "\n\n" + summary
    }
}

extension String {
    var trimmingTrailingSpaces: String {
        var view = Substring(self)
        while view.last == " " { view.removeLast() }
        return String(view)
    }
}
