import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import SluiceSupport

/// Kafka Connect's error handling for one task: retries `RetriableException`s with capped
/// backoff until `errors.retry.timeout`, then either fails the task (`errors.tolerance=none`)
/// or skips the record, logging it and sending it to the dead-letter topic (`all`). Unlike Kafka
/// Connect, the dead-letter queue works for sources too.
public struct ErrorHandler: Sendable {
    /// The processing stage that failed, as the `__connect.errors.stage` header names it.
    public enum Stage: String, Sendable {
        case task = "TASK_POLL"
        case keyConverter = "KEY_CONVERTER"
        case valueConverter = "VALUE_CONVERTER"
        case headerConverter = "HEADER_CONVERTER"
        case transformation = "TRANSFORMATION"
        case put = "TASK_PUT"
        case producer = "KAFKA_PRODUCE"
    }

    let config: ConnectorConfig
    let taskID: Int
    let deadLetter: KafkaProducer?
    let logger: Logger

    public init(config: ConnectorConfig, taskID: Int, deadLetter: KafkaProducer?, logger: Logger) {
        self.config = config
        self.taskID = taskID
        self.deadLetter = deadLetter
        self.logger = logger
    }

    /// Runs `operation`, retrying retriable failures within `errors.retry.timeout`.
    public func retrying<T: Sendable>(_ stage: Stage, _ operation: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        var attempt = 0
        let backoff = Backoff(base: .milliseconds(300), cap: config.errorsRetryDelayMax, floor: .milliseconds(50))
        while true {
            do {
                return try await operation()
            } catch let error as RetriableException {
                let delay = backoff.delay(attempt: attempt)
                guard ContinuousClock.now - start + delay <= config.errorsRetryTimeout else { throw error }
                attempt += 1
                logger.warning(
                    "retriable error, retrying",
                    metadata: ["stage": "\(stage.rawValue)", "attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: delay)
            }
        }
    }

    /// Whether a failed record may be skipped (after reporting) rather than failing the task.
    public var tolerant: Bool { config.errorsTolerance == .all }

    /// Handles a record-level failure: throws (tolerance none) or logs and dead-letters it.
    /// `original` holds the consumed bytes for sink records (written to the DLQ unchanged).
    public func handle(
        _ error: any Error, stage: Stage, coordinates: (topic: String, partition: Int32?, offset: Int64?),
        original: (key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader])?
    ) async throws {
        guard tolerant else {
            // Kafka Connect's "tolerance exceeded", naming the stage and the record's coordinates.
            let offset = coordinates.offset.map { " offset \($0)" } ?? ""
            let partition = coordinates.partition.map { " partition \($0)" } ?? ""
            throw ConnectException(
                "\(stage.rawValue) failed for a record of topic \(coordinates.topic)\(partition)\(offset): \(error) "
                    + "(errors.tolerance=none; errors.tolerance=all skips such records, errors.deadletterqueue.topic.name keeps them)"
            )
        }
        if config.errorsLogEnable {
            var metadata: Logger.Metadata = ["stage": "\(stage.rawValue)", "error": "\(error)"]
            if config.errorsLogIncludeMessages {
                metadata["topic"] = "\(coordinates.topic)"
                metadata["partition"] = "\(coordinates.partition.map(String.init) ?? "-")"
                metadata["offset"] = "\(coordinates.offset.map(String.init) ?? "-")"
            }
            logger.error("record skipped (errors.tolerance=all)", metadata: metadata)
        }
        guard let topic = config.deadLetterTopic, let deadLetter else { return }
        var headers = original?.headers ?? []
        if config.deadLetterContextHeaders {
            func add(_ name: String, _ value: String?) {
                if let value { headers.append(KafkaHeader(key: "__connect.errors.\(name)", value: Array(value.utf8))) }
            }
            add("topic", coordinates.topic)
            add("partition", coordinates.partition.map(String.init))
            add("offset", coordinates.offset.map(String.init))
            add("connector.name", config.name)
            add("task.id", String(taskID))
            add("stage", stage.rawValue)
            add("exception.class.name", String(reflecting: type(of: error)))
            add("exception.message", "\(error)")
        }
        try await deadLetter.send(KafkaProducerRecord(topic: topic, key: original?.key, value: original?.value, headers: headers))
    }
}

/// Periodic offset commits (DESIGN.md §2): a commit that fails because its store or location is
/// unreachable right now — broker, S3 or Postgres down, disk full, the location's region could not
/// be checked, the sink could not write a due file — is tried again at the next interval. Nothing
/// was confirmed upstream (no slot flush, no group commit), so waiting loses nothing and the task
/// keeps running. A residency violation, a conflicting writer or any other error fails the task.
enum CommitFailure {
    static func isTransient(_ error: any Error) -> Bool {
        switch error {
        case let violation as ResidencyViolation: violation.decision.result == .unverifiable
        case let store as CheckpointStoreError: store.transient
        case is RetriableException: true
        case let kafka as KafkaError: [.transport, .timeout, .fatal, .queueFull, .rebalance].contains(kafka.code)
        default: false
        }
    }
}

/// Consecutive transient commit failures, measured against `errors.retry.timeout`: once they have
/// lasted longer, the last error fails the task (and the worker's automatic restart takes over).
struct CommitDeferral {
    let limit: Duration
    private var since: ContinuousClock.Instant?

    init(limit: Duration) { self.limit = limit }

    mutating func failed(_ error: any Error) throws {
        let now = ContinuousClock.now
        guard let since else {
            since = now
            return
        }
        if now - since > limit { throw error }
    }

    mutating func succeeded() { since = nil }

    /// Whether the last commit failed (callers then keep to the normal interval, no faster).
    var isFailing: Bool { since != nil }

    /// Runs one periodic commit; a transient failure is logged and left for the next interval.
    mutating func commit(_ what: String, task: TaskID, logger: Logger, _ body: () async throws -> Void) async throws {
        do {
            try await body()
            succeeded()
        } catch  where CommitFailure.isTransient(error) {
            try failed(error)
            logger.warning(
                "could not commit \(what); trying again at the next interval", metadata: ["task": "\(task)", "error": "\(error)"])
        }
    }
}

/// The `ErrantRecordReporter` tasks get: reports through the task's `ErrorHandler`.
struct ErrantReporter: ErrantRecordReporter {
    let handler: ErrorHandler

    func report(_ record: any ConnectRecord, error: any Error) async throws {
        let offset = (record as? SinkRecord)?.kafkaOffset
        // A value the task took as JSON text (`deliverValuesAsJSONText`) was never built: send the text.
        let value =
            (record as? SinkRecord)?.valueJSON
            ?? JsonConverter.payload(schema: record.valueSchema, value: record.value, decimalNumeric: false).jsonBytes
        try await handler.handle(
            error, stage: .put, coordinates: (record.topic, record.kafkaPartition, offset), original: (nil, value, []))
    }
}
