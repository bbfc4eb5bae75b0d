import CoreMetrics
import Logging
import Metrics
import SluiceConnectSDK

/// What every task runner needs besides its task: identity, configs, the record pipeline
/// (converters, transforms), where offsets go, error handling and the herder's switches.
public struct TaskRunnerContext: Sendable {
    public let id: TaskID
    let taskConfig: [String: String]
    let config: ConnectorConfig
    let converters: RecordConverters
    let transforms: TransformChain
    let store: any CheckpointStore
    let errors: ErrorHandler
    let control: TaskControl
    /// How often offsets are committed (`offset.flush.interval.ms`).
    let commitInterval: Duration
    let workerID: String
    let logger: Logger
    /// The connector's active topics (`GET /connectors/{c}/topics`).
    let topics: TopicTracker
    let metrics: TaskMetrics

    public init(
        id: TaskID, taskConfig: [String: String], config: ConnectorConfig, converters: RecordConverters,
        transforms: TransformChain,
        store: any CheckpointStore, errors: ErrorHandler, control: TaskControl, commitInterval: Duration, workerID: String,
        logger: Logger, topics: TopicTracker = TopicTracker()
    ) {
        self.id = id
        self.taskConfig = taskConfig
        self.config = config
        self.converters = converters
        self.transforms = transforms
        self.store = store
        self.errors = errors
        self.control = control
        self.commitInterval = commitInterval
        self.workerID = workerID
        self.logger = logger
        self.topics = topics
        self.metrics = TaskMetrics(id: id)
    }

    /// The provenance of commits made by this task.
    var provenance: CommitProvenance { CommitProvenance(workerID: workerID, taskID: id.task) }
}

/// A task runner: everything it shares with the other runner comes from its context.
public protocol TaskRunning: Sendable {
    var context: TaskRunnerContext { get }
}

extension TaskRunning {
    public var id: TaskID { context.id }
    var taskConfig: [String: String] { context.taskConfig }
    var config: ConnectorConfig { context.config }
    var converters: RecordConverters { context.converters }
    var transforms: TransformChain { context.transforms }
    var store: any CheckpointStore { context.store }
    var errors: ErrorHandler { context.errors }
    var control: TaskControl { context.control }
    /// `offset.flush.interval.ms`: how often offsets are committed.
    var commitInterval: Duration { context.commitInterval }
    var logger: Logger { context.logger }
    var topics: TopicTracker { context.topics }
    var metrics: TaskMetrics { context.metrics }
}

/// A task's counters, exported through swift-metrics (Prometheus at `GET /metrics`).
struct TaskMetrics: Sendable {
    /// Records handed to Kafka (sources) or to the task's `put` (sinks).
    let records: Counter
    /// Offset commits that reached the checkpoint store.
    let commits: Counter
    /// Offsets (partitions) written by those commits.
    let committedPartitions: Counter

    init(id: TaskID) {
        let dimensions = [("connector", id.connector), ("task", String(id.task))]
        records = Counter(label: "sluice_task_records_total", dimensions: dimensions)
        commits = Counter(label: "sluice_task_offset_commits_total", dimensions: dimensions)
        committedPartitions = Counter(label: "sluice_task_committed_partitions_total", dimensions: dimensions)
    }

    func committed(_ partitions: Int) {
        commits.increment()
        committedPartitions.increment(by: partitions)
    }
}
