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

/// One committed offset with its provenance.
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

    /// Kafka Connect's offsets-topic key: `["connector",{partition}]`.
    public var kafkaConnectKey: JSONValue { .array([.string(connector), .object(partition)]) }
}

/// Stores source offsets and sink checkpoints for connectors. Commits are durable when `commit`
/// returns; the runtime confirms positions upstream only after that (DESIGN.md §2).
public protocol CheckpointStore: Sendable {
    var location: CheckpointLocation { get }
    /// The latest offset per source partition of `connector`.
    func offsets(connector: String) async throws -> [JSONObject: JSONObject]
    /// Durably records `offsets` (partition → offset, `nil` to remove).
    func commit(connector: String, offsets: [(partition: JSONObject, offset: JSONObject?)], provenance: CommitProvenance)
        async throws
}

/// A checkpoint store failure, naming the location.
public struct CheckpointStoreError: Error, Sendable, CustomStringConvertible {
    public var location: String
    public var message: String
    public var description: String { "checkpoint store \(location): \(message)" }
}
