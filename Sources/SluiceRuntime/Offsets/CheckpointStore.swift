import SluiceConnectSDK

/// Where a checkpoint store keeps its entries: a named location with the region it claims
/// (DESIGN.md §2). The sovereign stores and the residency policy build on this seam.
public struct CheckpointLocation: Sendable, Hashable, Codable {
    public var name: String
    /// `file`, `kafka`, `postgres`, `s3`.
    public var kind: String
    /// The region the location claims (verification comes with the residency work).
    public var region: String?

    public init(name: String, kind: String, region: String? = nil) {
        self.name = name
        self.kind = kind
        self.region = region
    }
}

/// Who committed a batch of offsets, for the provenance each entry carries.
public struct CommitProvenance: Sendable, Hashable {
    public var workerID: String
    public var taskID: Int?

    public init(workerID: String, taskID: Int?) {
        self.workerID = workerID
        self.taskID = taskID
    }
}

/// One committed offset with its provenance, linked into its connector's hash chain
/// (`CheckpointChain` documents the canonical form the hash covers).
public struct CheckpointEntry: Sendable, Hashable {
    public var connector: String
    public var partition: JSONObject
    /// `nil` removes the partition's offset (a tombstone).
    public var offset: JSONObject?
    public var workerID: String
    public var taskID: Int?
    /// Per-connector, strictly increasing.
    public var sequence: Int64
    /// Milliseconds since the Unix epoch.
    public var time: Int64
    public var location: String
    /// The `hash` of the connector's previous entry (`""` for the first entry of a chain).
    public var previousHash: String
    /// SHA-256 (lowercase hex) of this entry's canonical JSON, which includes `previousHash`.
    public var hash: String

    public init(
        connector: String, partition: JSONObject, offset: JSONObject?, workerID: String, taskID: Int?, sequence: Int64,
        time: Int64, location: String, previousHash: String = "", hash: String = ""
    ) {
        self.connector = connector
        self.partition = partition
        self.offset = offset
        self.workerID = workerID
        self.taskID = taskID
        self.sequence = sequence
        self.time = time
        self.location = location
        self.previousHash = previousHash
        self.hash = hash
    }

    /// Kafka Connect's offsets-topic key: `["connector",{partition}]`.
    public var kafkaConnectKey: JSONValue { .array([.string(connector), .object(partition)]) }
}

/// Stores source offsets and sink checkpoints for connectors. Commits are durable when `commit`
/// returns; the runtime confirms positions upstream only after that (DESIGN.md §2).
public protocol CheckpointStore: Sendable {
    var location: CheckpointLocation { get }
    /// The latest offset per source partition of `connector`.
    func offsets(connector: String) async throws -> [JSONObject: JSONObject]
    /// Durably records `offsets` (partition → offset, `nil` to remove), each as one hash-chained entry.
    func commit(connector: String, offsets: [(partition: JSONObject, offset: JSONObject?)], provenance: CommitProvenance)
        async throws
    /// The retained entries of `connector`'s chain (bounded by `checkpoint.history.max`), oldest first.
    func history(connector: String) async throws -> [CheckpointEntry]
    /// Writes entries exactly as given (sequence, provenance and hashes kept), for import and
    /// migration. Refused when the store already holds an entry of the connector at or after the
    /// first imported sequence.
    func importEntries(connector: String, entries: [CheckpointEntry]) async throws
}

/// A checkpoint store failure, naming the location.
public struct CheckpointStoreError: Error, Sendable, CustomStringConvertible {
    public var location: String
    public var message: String
    /// The store could not be reached or written right now (network, broker or S3 down, disk
    /// full): trying again later may succeed. Conflicts and malformed data are not transient.
    public var transient = false
    public var description: String { "checkpoint store \(location): \(message)" }
}

extension CheckpointStoreError {
    public init(location: String, _ message: String) {
        self.location = location
        self.message = message
    }

    /// A transient failure: the store was unreachable or could not take the write just now.
    public static func unavailable(location: String, _ message: String) -> CheckpointStoreError {
        CheckpointStoreError(location: location, message: message, transient: true)
    }
}

/// How much history a store keeps per connector (`checkpoint.history.max`).
public enum CheckpointHistory {
    public static let defaultLimit = 1000
}
