import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import SluiceSupport

/// The herder's residency side: the create/update enforcement point, the residency and evidence
/// reports, and checkpoint migration (DESIGN.md §2).
extension StandaloneHerder {
    /// Connector create/update enforcement point (DESIGN.md §2): with a residency policy in
    /// `enforce` mode, a connector whose state would sit in a disallowed or unproven place is
    /// refused with every violation listed; in `warn` mode the violations are logged.
    func residencyGate(_ raw: [String: String]) async throws {
        guard let placer, placer.hasPolicy, let name = raw["name"] else { return }
        guard let validation = try await placer.validate(connectors: [raw]) else { return }
        let failures = validation.decisions.filter { $0.connector == name && !$0.passed }
        for decision in validation.decisions where decision.connector == name {
            logger.info(
                "residency decision",
                metadata: [
                    "connector": "\(name)", "action": "create-or-update", "state_class": "\(decision.stateClass.rawValue)",
                    "location": "\(decision.evidence.location)", "result": "\(decision.result.rawValue)",
                    "level": "\(decision.levelFound?.rawValue ?? "-")", "evidence": "\(decision.evidence.method)",
                ])
        }
        try await emit(
            failures.isEmpty ? "residency.passed" : "residency.failed", connector: name,
            data: [
                "action": "create-or-update", "mode": .string(validation.mode.rawValue),
                "decisions": .array(validation.decisions.filter { $0.connector == name }.map(\.json)),
            ])
        guard !failures.isEmpty else { return }
        let listing = failures.map { "- \($0)" }.joined(separator: "\n")
        guard validation.mode == .enforce else {
            logger.warning(
                "residency violations (policy mode warn)", metadata: ["connector": "\(name)", "violations": "\(listing)"])
            return
        }
        throw HerderError.badRequest(
            "Connector \(name) violates the residency policy (\(failures.count) violation(s)):\n\(listing)")
    }

    /// The residency decisions for one connector (or, with nil, the worker and every connector);
    /// nil when no policy is loaded.
    public func residency(_ name: String?) async throws -> ResidencyValidation? {
        guard let placer else { return nil }
        if let name {
            let holder = try existing(name)
            return try await placer.validate(connectors: [holder.config.raw])
        }
        return try await placer.validate(connectors: connectors.values.map(\.config.raw))
    }

    /// Dry-runs a proposed connector config against the policy (`POST /residency/validate`).
    public func validateResidency(_ raw: [String: String]) async throws -> ResidencyValidation? {
        guard let placer else { return nil }
        return try await placer.validate(connectors: [raw])
    }

    /// Moves a connector's checkpoints to another location with proof (DESIGN.md §2): stop →
    /// copy → verify every partition's offset and the chain head are identical → switch → resume
    /// in its previous state. `rollback` returns to the location before the last migration the
    /// same way; `dryRun` checks and reports only. Refused (400) when the target violates the
    /// policy. The report (steps with times, partitions, heads) is also the audit event's data.
    public func migrateCheckpoints(_ name: String, to target: String?, dryRun: Bool, rollback: Bool) async throws
        -> CheckpointMigration.Report
    {
        try await serialized {
            let holder = try existing(name)
            guard let placer else {
                throw HerderError.badRequest("This worker defines no locations (locations.*), so checkpoints cannot move")
            }
            guard target != nil || rollback else {
                throw HerderError.badRequest("Give the target location (to) or rollback=true")
            }
            let previous = holder.target
            let running = holder.connector != nil || !holder.tasks.isEmpty
            if !dryRun && running { await shutDown(name) }
            let report: CheckpointMigration.Report
            do {
                report = try await placer.migration().run(
                    connector: holder.config.raw, to: target, dryRun: dryRun, rollback: rollback)
            } catch let refused as CheckpointMigration.Refused {
                await audit?.record(
                    "checkpoint.migration.refused", subject: "connectors/\(name)",
                    data: [
                        "connector": .string(name), "to": target.map(JSONValue.string) ?? .null,
                        "reason": .string(refused.description),
                    ],
                    result: "failure")
                if !dryRun && running && previous != .stopped { await startConnector(name) }
                throw HerderError.badRequest(refused.description)
            }
            if report.switched { try await placer.place(connector: holder.config.raw) }
            try await emit(
                dryRun ? "checkpoint.migration.checked" : rollback ? "checkpoint.rolledback" : "checkpoint.migrated",
                connector: name,
                data: ["report": report.json])
            if !dryRun && running && previous != .stopped { await startConnector(name) }
            return report
        }
    }

    /// The evidence a sovereignty review asks for, for one connector: per state class the
    /// location, region, verification level and time and the result; the committed offsets;
    /// the checkpoint hash chain (head, intact or the first broken link); the last migration; and
    /// the audit chain head.
    public func evidence(_ name: String) async throws -> JSONValue {
        let holder = try existing(name)
        var report: JSONObject = [
            "connector": .string(name), "generatedAt": .string(AuditEvent.rfc3339(Date())), "workerId": .string(worker.workerID),
            "workerRegion": worker.workerRegion.map(JSONValue.string) ?? .null, "type": .string(holder.plugin.kind.rawValue),
        ]
        if let validation = try await residency(name) {
            let decisions = validation.decisions.filter { $0.connector == name }
            report["policyMode"] = .string(validation.mode.rawValue)
            report["result"] = .string(
                decisions.contains { $0.result == .violation }
                    ? "violations" : decisions.allSatisfy(\.passed) ? "pass" : "unverifiable")
            report["stateClasses"] = .array(decisions.map(\.json))
        } else {
            report["result"] = .string("no-policy")
            report["stateClasses"] = .array([])
        }
        report["offsets"] = .array(
            try await offsets(name).map { .object(["partition": .object($0.partition), "offset": .object($0.offset)]) })
        let history = try await store.history(connector: name)
        let chain = CheckpointChain.verify(history)
        report["checkpointChain"] = .object([
            "location": .string((await (store as? AuditedCheckpointStore)?.location(for: name)) ?? store.location.name),
            "entries": .int(Int64(chain.entries)), "head": .string(chain.head), "intact": .bool(chain.isIntact),
            "brokenLink": chain.broken.map { .string($0.description) } ?? .null,
            "firstSequence": chain.firstSequence.map(JSONValue.int) ?? .null,
            "lastSequence": chain.lastSequence.map(JSONValue.int) ?? .null,
        ])
        if let pointer = CheckpointPlacement.pointer(worker: worker, connector: name) {
            report["migration"] = .object([
                "location": .string(pointer.location), "previous": pointer.previous.map(JSONValue.string) ?? .null,
                "switchedAt": .int(pointer.switchedAt), "head": .string(pointer.head),
                // Continuity: the head both locations held at the switch is still in this chain, unbroken.
                "continuity": .bool(chain.isIntact && (pointer.head.isEmpty || history.contains { $0.hash == pointer.head })),
            ])
        } else {
            report["migration"] = .null
        }
        if let audit {
            let head = await audit.head
            report["audit"] = .object(["sequence": .int(head.sequence), "head": .string(head.hash)])
        }
        return .object(report)
    }
}
