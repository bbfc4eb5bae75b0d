/// A connector instance: validates its configuration and splits the work into task configs.
/// Implementations are usually actors; every requirement is `async`.
public protocol Connector: AnyObject, Sendable {
    /// The connector's version, shown by `GET /connector-plugins`.
    var version: String { get }
    /// The configuration it accepts (validation, `/config/validate`, docs).
    var configDef: ConfigDef { get }
    /// Starts with the connector's resolved configuration.
    func start(_ config: [String: String], context: any ConnectorContext) async throws
    /// Task configurations, at most `maxTasks`.
    func taskConfigs(maxTasks: Int) async throws -> [[String: String]]
    func stop() async throws
}

/// A connector that reads from an external system into Kafka.
public protocol SourceConnector: Connector {
    func makeTask() -> any SourceTask
}

/// A connector that writes Kafka records to an external system.
public protocol SinkConnector: Connector {
    func makeTask() -> any SinkTask
}

/// What the runtime offers a connector.
public protocol ConnectorContext: Sendable {
    /// The connector's name.
    var connectorName: String { get }
    /// Asks the runtime to call `taskConfigs` again (e.g. new tables appeared).
    func requestTaskReconfiguration()
    /// Reports an unrecoverable error: the connector becomes FAILED.
    func raiseError(_ error: any Error)
}

/// A source task: `poll` returns records; the runtime produces them, stores their offsets once
/// acknowledged, and then calls `commitRecord` and `commit`.
public protocol SourceTask: AnyObject, Sendable {
    func start(_ config: [String: String], context: any SourceTaskContext) async throws
    /// The next records; an empty array when there is nothing right now (the runtime calls again).
    /// Must return within about a second so the task can be paused or stopped.
    func poll() async throws -> [SourceRecord]
    /// Called after offsets up to the last acknowledged records are durable in the checkpoint
    /// store — the moment to confirm the position upstream (e.g. a replication slot's flush LSN).
    /// Never while `poll` runs, and only once every record that `poll` returned is in Kafka.
    /// Anything the task does outside `commit` (a reconnect, say) must not confirm further.
    func commit() async throws
    /// Called for each record once Kafka acknowledged it (`metadata` nil if a transformation
    /// dropped it). The runtime reads the next poll meanwhile, so this may run while `poll` is
    /// suspended (as in Kafka Connect, where it comes from the producer's thread).
    func commitRecord(_ record: SourceRecord, metadata: RecordMetadata?) async throws
    func stop() async throws
}

extension SourceTask {
    public func commit() async throws {}
    public func commitRecord(_ record: SourceRecord, metadata: RecordMetadata?) async throws {}
}

/// Reads the offsets the runtime has committed for this connector (from its checkpoint store).
public protocol OffsetStorageReader: Sendable {
    /// The last committed offset for `partition`, if any.
    func offset(for partition: JSONObject) async throws -> JSONObject?
}

/// What the runtime offers a source task.
public protocol SourceTaskContext: Sendable {
    var connectorName: String { get }
    var taskID: Int { get }
    var offsetStorageReader: any OffsetStorageReader { get }
    /// Asks for an offset commit soon rather than at the next interval.
    func requestCommit()
    /// Reports a record that could not be processed (dead-letter queue or fail, per
    /// `errors.tolerance`); `nil` when error reporting is not configured.
    var errantRecordReporter: (any ErrantRecordReporter)? { get }
}

/// A sink task: receives records per partition, writes them out, and says (in `preCommit`) which
/// offsets are safe to commit because the data is durable in the sink.
public protocol SinkTask: AnyObject, Sendable {
    func start(_ config: [String: String], context: any SinkTaskContext) async throws
    /// Partitions newly assigned to this task.
    func open(_ partitions: [TopicPartition]) async throws
    /// Partitions taken away; flush or discard their buffers.
    func close(_ partitions: [TopicPartition]) async throws
    func put(_ records: [SinkRecord]) async throws
    /// Makes everything `put` so far durable.
    func flush(_ currentOffsets: [TopicPartition: Int64]) async throws
    /// Returns the offsets (next offset to read) that are safe to commit. The default flushes and
    /// returns `currentOffsets`.
    func preCommit(_ currentOffsets: [TopicPartition: Int64]) async throws -> [TopicPartition: Int64]
    func stop() async throws
}

extension SinkTask {
    public func open(_ partitions: [TopicPartition]) async throws {}
    public func close(_ partitions: [TopicPartition]) async throws {}
    public func flush(_ currentOffsets: [TopicPartition: Int64]) async throws {}
    public func preCommit(_ currentOffsets: [TopicPartition: Int64]) async throws -> [TopicPartition: Int64] {
        try await flush(currentOffsets)
        return currentOffsets
    }
}

/// What the runtime offers a sink task.
public protocol SinkTaskContext: Sendable {
    var connectorName: String { get }
    var taskID: Int { get }
    /// Rewinds consumption of these partitions to these offsets (next offset to read).
    func offset(_ offsets: [TopicPartition: Int64])
    func pause(_ partitions: [TopicPartition])
    func resume(_ partitions: [TopicPartition])
    func requestCommit()
    var assignment: [TopicPartition] { get }
    var errantRecordReporter: (any ErrantRecordReporter)? { get }
    /// Which of `partitions` the task has been given every record of that the broker holds right
    /// now (the runtime asks the broker for the high watermark). Meant for `put` and `preCommit`:
    /// a sink can close a time window that ended long ago without waiting for more traffic.
    /// A partition the runtime cannot vouch for is left out.
    func readToEnd(_ partitions: [TopicPartition]) async -> Set<TopicPartition>
    /// Asks for each value as its compact JSON text (`SinkRecord.valueJSON`) instead of a Connect
    /// value, wherever the runtime can give it so: the value converter is `JsonConverter` with
    /// `schemas.enable=false` and the connector has no transformations. The text is what
    /// `JsonConverter.writePayload(schema: nil, value:)` writes for the value, so a task that
    /// writes JSON lines gets the same bytes without a value being built and written again. A
    /// JSON `null` still arrives as a tombstone. Meant to be called in `start`.
    func deliverValuesAsJSONText()
}

extension SinkTaskContext {
    public func readToEnd(_ partitions: [TopicPartition]) async -> Set<TopicPartition> { [] }
    public func deliverValuesAsJSONText() {}
}

/// Sends a record that failed to the dead-letter queue (with context headers), or fails the task,
/// per the connector's `errors.*` settings.
public protocol ErrantRecordReporter: Sendable {
    func report(_ record: any ConnectRecord, error: any Error) async throws
}

/// A task error the runtime may retry (within `errors.retry.timeout`) instead of failing.
public struct RetriableException: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A connector or task error with a message the user sees in the status trace.
public struct ConnectException: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
