import Foundation
import Logging
import SluiceConnectSDK

/// Moves a connector's checkpoints between locations with proof (DESIGN.md §2, "Migration"):
/// policy check of the target → copy the hash chain (only the entries the target lacks, after
/// checking the target's chain is a prefix of the source's) → verify every partition's latest
/// offset, the chain and its head are identical in both → record the switch in the connector's
/// migration pointer. Run it while the connector is stopped (a standalone worker reads the pointer
/// at start). `rollback` switches back to the pointer's previous location the same way.
public struct CheckpointMigration: Sendable {
    public struct Report: Sendable {
        public var connector: String
        public var stateClass: StateClass
        public var from: String
        public var to: String
        public var dryRun: Bool
        public var rollback: Bool
        public var targetDecision: ResidencyDecision?
        public var sourceEntries: Int
        public var copiedEntries: Int
        /// Partition → (source offset, target offset).
        public var partitions: [(partition: JSONObject, source: JSONObject?, target: JSONObject?)]
        public var sourceHead: String
        public var targetHead: String
        public var switched: Bool
        /// Each step with its time (ms), for the record.
        public var steps: [(time: Int64, step: String)]

        public var offsetsIdentical: Bool { partitions.allSatisfy { $0.source == $0.target } }

        public var json: JSONValue {
            [
                "connector": .string(connector), "stateClass": .string(stateClass.rawValue), "from": .string(from),
                "to": .string(to),
                "dryRun": .bool(dryRun), "rollback": .bool(rollback), "targetDecision": targetDecision?.json ?? .null,
                "sourceEntries": .int(Int64(sourceEntries)), "copiedEntries": .int(Int64(copiedEntries)),
                "offsetsIdentical": .bool(offsetsIdentical), "sourceHead": .string(sourceHead), "targetHead": .string(targetHead),
                "switched": .bool(switched),
                "partitions": .array(
                    partitions.map {
                        [
                            "partition": .object($0.partition), "source": $0.source.map { .object($0) } ?? .null,
                            "target": $0.target.map { .object($0) } ?? .null, "identical": .bool($0.source == $0.target),
                        ]
                    }),
                "steps": .array(steps.map { ["time": .int($0.time), "step": .string($0.step)] }),
            ]
        }
    }

    public struct Refused: Error, Sendable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    public var worker: WorkerConfig
    public var policy: ResidencyPolicy?
    public var verifier: @Sendable (Location) async -> LocationEvidence
    /// Opens a location's store (the CLI passes `CheckpointStoreFactory.make`).
    public var open: @Sendable (Location) async throws -> any CheckpointStore
    let logger: Logger

    public init(
        worker: WorkerConfig, policy: ResidencyPolicy?, logger: Logger,
        verifier: @escaping @Sendable (Location) async -> LocationEvidence,
        open: @escaping @Sendable (Location) async throws -> any CheckpointStore
    ) {
        self.worker = worker
        self.policy = policy
        self.logger = logger
        self.verifier = verifier
        self.open = open
    }

    /// Migrates `connector` (its config decides source offsets vs sink checkpoints) to `target`,
    /// or back to the previous location when `rollback`.
    public func run(connector config: [String: String], to targetName: String?, dryRun: Bool, rollback: Bool) async throws
        -> Report
    {
        guard let connector = config["name"] else { throw Refused("the connector config has no name") }
        func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
        var steps: [(Int64, String)] = []
        func step(_ text: String) {
            steps.append((now(), text))
            logger.info("checkpoint migration", metadata: ["connector": "\(connector)", "step": "\(text)"])
        }
        let (stateClass, current) = try CheckpointPlacement.location(worker: worker, connector: config)
        guard let source = current else {
            throw Refused(
                "connector \(connector) has no checkpoint location: set \(Locations.key(stateClass)) in the worker or connector config"
            )
        }
        let pointer = CheckpointPlacement.pointer(worker: worker, connector: connector)
        let wanted: String
        if rollback {
            guard let previous = pointer?.previous else {
                throw Refused("connector \(connector) has no recorded migration to roll back")
            }
            wanted = previous
        } else {
            guard let targetName else { throw Refused("name the target location (--to)") }
            wanted = targetName
        }
        guard let target = worker.locations.byName[wanted] else {
            throw Refused("unknown location \(wanted); known locations: \(worker.locations.knownNames)")
        }
        guard target.name != source.name else {
            throw Refused("connector \(connector)'s \(stateClass.rawValue) are already at location \(target.name)")
        }
        step("\(rollback ? "rollback" : "migration") of \(stateClass.rawValue) from \(source.name) to \(target.name) started")

        // 1. The target must satisfy the policy (and verify) before anything is copied.
        let evidence = await verifier(target)
        let decision =
            policy.map { ResidencyEvaluator(policy: $0).decide(connector: connector, stateClass: stateClass, evidence: evidence) }
            ?? ResidencyGuardedStore.withoutPolicy(connector: connector, stateClass: stateClass, evidence: evidence)
        step("target check: \(decision)")
        if !decision.passed && (decision.result == .unverifiable || policy?.mode != .warn) {
            throw Refused("refusing to move checkpoints: \(decision.reason ?? decision.description)")
        }

        // 2. Read both sides.
        let sourceStore = try await open(source)
        let targetStore = try await open(target)
        let sourceHistory = try await sourceStore.history(connector: connector)
        let sourceOffsets = try await sourceStore.offsets(connector: connector)
        let sourceCheck = CheckpointChain.verify(sourceHistory)
        if let broken = sourceCheck.broken {
            throw Refused("the source chain at \(source.name) is broken at \(broken); refusing to copy it")
        }
        let targetHistory = try await targetStore.history(connector: connector)
        var missing = sourceHistory
        if let targetLast = targetHistory.last {
            guard let match = sourceHistory.first(where: { $0.sequence == targetLast.sequence }), match.hash == targetLast.hash
            else {
                throw Refused(
                    "location \(target.name) already holds a different chain for \(connector) (sequence \(targetLast.sequence), "
                        + "hash \(targetLast.hash.prefix(16))…) that is not a prefix of the chain at \(source.name)")
            }
            missing = sourceHistory.filter { $0.sequence > targetLast.sequence }
        }
        step(
            "source \(source.name): \(sourceHistory.count) entries, head \(sourceCheck.head.prefix(16))…; \(missing.count) to copy"
        )
        var report = Report(
            connector: connector, stateClass: stateClass, from: source.name, to: target.name, dryRun: dryRun, rollback: rollback,
            targetDecision: decision, sourceEntries: sourceHistory.count, copiedEntries: 0, partitions: [],
            sourceHead: sourceCheck.head, targetHead: targetHistory.last?.hash ?? "", switched: false, steps: [])
        if dryRun {
            step("dry run: nothing copied, nothing switched")
            report.partitions = sourceOffsets.keys.map { ($0, sourceOffsets[$0], nil) }
            report.steps = steps.map { (time: $0.0, step: $0.1) }
            return report
        }

        // 3. Copy, then prove.
        if !missing.isEmpty { try await targetStore.importEntries(connector: connector, entries: missing) }
        report.copiedEntries = missing.count
        step("copied \(missing.count) entries to \(target.name)")
        let targetOffsets = try await targetStore.offsets(connector: connector)
        let copied = try await targetStore.history(connector: connector)
        let targetCheck = CheckpointChain.verify(copied)
        report.targetHead = targetCheck.head
        let partitions = Set(sourceOffsets.keys).union(targetOffsets.keys)
        report.partitions = partitions.sorted { $0.canonicalString < $1.canonicalString }.map {
            ($0, sourceOffsets[$0], targetOffsets[$0])
        }
        guard report.offsetsIdentical, targetCheck.isIntact, targetCheck.head == sourceCheck.head else {
            let differing = report.partitions.filter { $0.source != $0.target }.map(\.partition.canonicalString)
            throw Refused(
                "verification failed after copying to \(target.name): "
                    + (differing.isEmpty ? "" : "offsets differ for \(differing.joined(separator: ", ")); ")
                    + "chain \(targetCheck.isIntact ? "intact" : "broken"), heads \(sourceCheck.head.prefix(16))… vs "
                    + "\(targetCheck.head.prefix(16))…; the switch was not made")
        }
        step("verified: \(partitions.count) partitions identical, chain intact, same head \(targetCheck.head.prefix(16))…")

        // 4. Switch.
        let record = MigrationPointer(
            connector: connector, location: target.name, previous: source.name, switchedAt: now(), head: targetCheck.head)
        try record.write(directory: CheckpointPlacement.pointerDirectory(worker: worker))
        report.switched = true
        step("switched \(connector) to \(target.name) (previous \(source.name))")
        report.steps = steps.map { (time: $0.0, step: $0.1) }
        return report
    }
}
