import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka

/// Where a connector's checkpoints live: its state class (`sink-checkpoints` for sink connectors,
/// `source-offsets` otherwise), the location that class resolves to, and the migration pointer
/// that overrides both after `sluice checkpoints migrate`.
public enum CheckpointPlacement {
    /// Sink connectors (Kafka Connect requires `topics` or `topics.regex`) keep sink checkpoints;
    /// everything else keeps source offsets.
    public static func stateClass(connector config: [String: String]) -> StateClass {
        (config["topics"] ?? config["topics.regex"] ?? "").isEmpty ? .sourceOffsets : .sinkCheckpoints
    }

    /// The directory holding per-connector migration pointers: `<offset file dir>/checkpoint-locations`.
    public static func pointerDirectory(worker: WorkerConfig) -> String {
        let directory = (worker.offsetStorageFile as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "." : directory) + "/checkpoint-locations"
    }

    /// The location recorded by the last migration of `connector`, if any.
    public static func pointer(worker: WorkerConfig, connector: String) -> MigrationPointer? {
        let path = pointerDirectory(worker: worker) + "/\(MigrationPointer.fileName(connector))"
        guard let data = FileManager.default.contents(atPath: path), let json = try? JSONValue.parse(Array(data)) else {
            return nil
        }
        return MigrationPointer(json: json)
    }

    /// The checkpoint location of a connector: the migration pointer, else the connector's
    /// `state.<class>.location`, else the worker default; `nil` when none is set (the worker's
    /// `offset.storage.*` store is used).
    public static func location(worker: WorkerConfig, connector config: [String: String]) throws(ConfigException) -> (
        StateClass, Location?
    ) {
        let stateClass = stateClass(connector: config)
        if let name = config["name"], let pointer = pointer(worker: worker, connector: name) {
            guard let location = worker.locations.byName[pointer.location] else {
                throw ConfigException(
                    key: "name",
                    "connector \(name) was migrated to location \(pointer.location), which the worker config no longer "
                        + "defines; known locations: \(worker.locations.knownNames)")
            }
            return (stateClass, location)
        }
        return (stateClass, try worker.locations.resolve(stateClass, connector: config))
    }

    /// Opens (once per location) the guarded store of every connector with a checkpoint location
    /// and routes it; others use `fallback`.
    public static func open(
        worker: WorkerConfig, connectors: [[String: String]], fallback: any CheckpointStore, producer: KafkaProducer?,
        logger: Logger
    ) async throws -> RoutingCheckpointStore {
        let placer = try CheckpointPlacer(worker: worker, fallback: fallback, producer: producer, logger: logger)
        for config in connectors { try await placer.place(connector: config) }
        return placer.router
    }
}

/// Places connectors' checkpoints at their locations as connectors are added: opens each
/// location's store once, wraps it in a `ResidencyGuardedStore` per state class, and routes the
/// connector there. A herder that creates connectors at run time (REST) calls `place` before
/// starting the connector's tasks.
public actor CheckpointPlacer {
    public nonisolated let router: RoutingCheckpointStore
    let worker: WorkerConfig
    let producer: KafkaProducer?
    let logger: Logger
    let policy: ResidencyPolicy?
    let verifier: LocationVerifier
    let audit: AuditLog?
    private var opened: [String: any CheckpointStore] = [:]
    private var guarded: [String: ResidencyGuardedStore] = [:]

    public init(
        worker: WorkerConfig, fallback: any CheckpointStore, producer: KafkaProducer?, audit: AuditLog? = nil, logger: Logger
    ) throws {
        self.audit = audit
        self.router = RoutingCheckpointStore(fallback: fallback)
        self.worker = worker
        self.producer = producer
        self.logger = logger
        self.policy = try worker.residencyPolicyFile.map { path throws(ResidencyPolicyError) in
            try ResidencyPolicy.load(path: path)
        }
        self.verifier = LocationVerifier(defaultBootstrap: worker.bootstrapServers, logger: logger)
    }

    /// The store of `location`, opened once and shared (by placement and migrations), so no two
    /// in-memory views of one location disagree.
    public func openStore(_ location: Location) async throws -> any CheckpointStore {
        if let existing = opened[location.name] { return existing }
        let store = try await CheckpointStoreFactory.make(location, worker: worker, producer: producer, logger: logger)
        opened[location.name] = store
        return store
    }

    /// A migration that uses this placer's policy, verifier and stores.
    public nonisolated func migration() -> CheckpointMigration {
        let verifier = self.verifier
        return CheckpointMigration(
            worker: worker, policy: policy, logger: logger, verifier: { await verifier.verify($0) },
            open: { [self] location in try await self.openStore(location) })
    }

    /// Task-start and commit-time decisions as audit events (the worker is the actor).
    static func auditing(_ audit: AuditLog?) -> (@Sendable (ResidencyDecision, String, Bool) async -> Void)? {
        guard let audit else { return nil }
        return { decision, action, enforced in
            let data: JSONObject = [
                "connector": decision.connector.map(JSONValue.string) ?? .null, "action": .string(action),
                "enforced": .bool(enforced), "decision": decision.json,
            ]
            await audit.record(
                decision.passed ? "residency.passed" : "residency.failed",
                subject: decision.connector.map { "connectors/\($0)" } ?? "worker", data: data,
                result: decision.passed ? "success" : "failure")
        }
    }

    /// Whether a residency policy is loaded (`residency.policy.file`).
    public nonisolated var hasPolicy: Bool { policy != nil }

    /// Evaluates the worker's state placements and these connectors' against the policy (nil
    /// without a policy). Verification runs now, against the real endpoints.
    public func validate(connectors: [[String: String]]) async throws -> ResidencyValidation? {
        guard let policy else { return nil }
        let verifier = self.verifier
        return try await ResidencyValidation.run(worker: worker, policy: policy, connectors: connectors) {
            await verifier.verify($0)
        }
    }

    /// Checks at task start that the connector's checkpoint location still verifies and
    /// satisfies the policy; throws `ResidencyViolation` (the task FAILS with it) otherwise.
    public func checkTaskStart(connector: String) async throws {
        guard let guarded = await router.store(for: connector) as? ResidencyGuardedStore else { return }
        _ = try await guarded.check(connector: connector, action: "starting a task of")
    }

    /// Routes `config`'s connector to its checkpoint location's guarded store (no-op when it has
    /// none); returns that store.
    @discardableResult
    public func place(connector config: [String: String]) async throws -> ResidencyGuardedStore? {
        guard let name = config["name"] else { return nil }
        let (stateClass, location) = try CheckpointPlacement.location(worker: worker, connector: config)
        guard let location else { return nil }
        let key = "\(location.name)/\(stateClass.rawValue)"
        if guarded[key] == nil {
            let store = try await openStore(location)
            let verifier = self.verifier
            guarded[key] = ResidencyGuardedStore(
                inner: store, location: location, stateClass: stateClass, policy: policy, ttl: worker.residencyVerificationTTL,
                logger: logger, verify: { await verifier.verify($0) },
                onDecision: Self.auditing(audit))
        }
        let store = guarded[key]!
        await router.route(connector: name, to: store)
        logger.info(
            "checkpoint location",
            metadata: [
                "connector": "\(name)", "state_class": "\(stateClass.rawValue)", "location": "\(location.name)",
                "kind": "\(location.kind.rawValue)", "region": "\(location.region ?? "")",
            ])
        return store
    }
}

/// The record of a checkpoint migration: which location a connector's checkpoints are in now and
/// where they were before (for `--rollback`).
public struct MigrationPointer: Sendable, Hashable {
    public var connector: String
    public var location: String
    public var previous: String?
    /// Milliseconds since the Unix epoch.
    public var switchedAt: Int64
    /// The chain head (hash of the last entry) both locations held at the switch.
    public var head: String

    public init(connector: String, location: String, previous: String?, switchedAt: Int64, head: String) {
        self.connector = connector
        self.location = location
        self.previous = previous
        self.switchedAt = switchedAt
        self.head = head
    }

    static func fileName(_ connector: String) -> String {
        let safe = connector.unicodeScalars.map {
            CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_" ? String($0) : "%\(String($0.value, radix: 16))"
        }
        return safe.joined() + ".json"
    }

    public var json: JSONValue {
        [
            "connector": .string(connector), "location": .string(location), "previous": previous.map { .string($0) } ?? .null,
            "switchedAt": .int(switchedAt), "head": .string(head),
        ]
    }

    public init?(json: JSONValue) {
        guard let connector = json["connector"]?.stringValue, let location = json["location"]?.stringValue else { return nil }
        self.init(
            connector: connector, location: location, previous: json["previous"]?.stringValue,
            switchedAt: json["switchedAt"]?.intValue ?? 0, head: json["head"]?.stringValue ?? "")
    }

    /// Writes the pointer atomically into `directory`.
    public func write(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try AtomicFile.write(json.jsonBytes, to: directory + "/" + Self.fileName(connector), location: location)
    }
}
