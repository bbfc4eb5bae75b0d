import CoreMetrics
import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka

/// Runs one source task: poll → transforms → converters → produce → acknowledged → offsets
/// committed to the connector's checkpoint store → `commitRecord`/`commit`.
///
/// Order of durability (DESIGN.md §2): an offset reaches the store only after Kafka acknowledged
/// its record, and `SourceTask.commit()` (where a CDC task confirms its slot position) runs only
/// after the store commit returned. In-flight records are bounded by one poll batch.
public struct SourceTaskRunner: TaskRunning {
    public let context: TaskRunnerContext
    let task: any SourceTask
    let producer: KafkaProducer

    public init(context: TaskRunnerContext, task: any SourceTask, producer: KafkaProducer) {
        self.context = context
        self.task = task
        self.producer = producer
    }

    /// Runs until the control says stop; throws when the task fails.
    /// - Parameter started: called once the task's `start` returned.
    public func run(started: @Sendable () -> Void) async throws {
        let context = RuntimeSourceTaskContext(
            id: id, control: control, offsetStorageReader: StoreOffsetReader(store: store, connector: config.name),
            errantRecordReporter: errors.tolerant ? ErrantReporter(handler: errors) : nil)
        try await task.start(taskConfig, context: context)
        started()
        var pending: [JSONObject: JSONObject] = [:]
        var lastFlush = ContinuousClock.now
        var deferral = CommitDeferral(limit: config.errorsRetryTimeout)
        var failure: (any Error)? = nil
        do {
            while control.target != .stopping {
                if control.target == .paused {
                    try await Task.sleep(for: .milliseconds(100))
                    continue
                }
                let records = try await errors.retrying(.task) { try await task.poll() }
                if !records.isEmpty { try await process(records, pending: &pending) }
                if control.takeCommitRequest() || ContinuousClock.now - lastFlush >= commitInterval {
                    // On a transient failure `pending` is kept: the next interval commits it (or newer).
                    try await deferral.commit("source offsets", task: id, logger: logger) { try await commitOffsets(&pending) }
                    lastFlush = ContinuousClock.now
                }
            }
        } catch {
            failure = error
        }
        // Offsets of acknowledged records are committed even when the task failed after them.
        do { try await commitOffsets(&pending) } catch { failure = failure ?? error }
        try? await task.stop()
        if let failure { throw failure }
    }

    private func process(_ records: [SourceRecord], pending: inout [JSONObject: JSONObject]) async throws {
        var outgoing: [KafkaProducerRecord] = []
        var sources: [SourceRecord] = []
        for record in records {
            guard let transformed = try await transformed(record) else {
                try await task.commitRecord(record, metadata: nil)
                pending[record.sourcePartition] = record.sourceOffset
                continue
            }
            guard let produced = try await converted(transformed) else {
                pending[record.sourcePartition] = record.sourceOffset
                continue
            }
            outgoing.append(produced)
            sources.append(record)
        }
        guard !outgoing.isEmpty else { return }
        let reports = try await producer.send(batch: outgoing)
        metrics.records.increment(by: reports.count)
        for topic in Set(outgoing.map(\.topic)) { topics.record(topic) }
        for (record, report) in zip(sources, reports) {
            pending[record.sourcePartition] = record.sourceOffset
            try await task.commitRecord(
                record,
                metadata: RecordMetadata(
                    topic: report.topic, partition: report.partition, offset: report.offset, timestamp: report.timestamp))
        }
    }

    private func transformed(_ record: SourceRecord) async throws -> SourceRecord? {
        do {
            return try transforms.apply(record)
        } catch {
            try await errors.handle(
                error, stage: .transformation, coordinates: (record.topic, record.kafkaPartition, nil),
                original: (nil, Array(record.sourceOffset.description.utf8), []))
            return nil
        }
    }

    private func converted(_ record: SourceRecord) async throws -> KafkaProducerRecord? {
        var stage = ErrorHandler.Stage.keyConverter
        do {
            let key = try converters.key.fromConnectData(topic: record.topic, schema: record.keySchema, value: record.key)
            stage = .valueConverter
            let value = try converters.value.fromConnectData(topic: record.topic, schema: record.valueSchema, value: record.value)
            stage = .headerConverter
            let headers = try converters.kafkaHeaders(topic: record.topic, record.headers)
            return KafkaProducerRecord(
                topic: record.topic, partition: record.kafkaPartition, key: key, value: value, headers: headers,
                timestamp: record.timestamp)
        } catch {
            try await errors.handle(
                error, stage: stage, coordinates: (record.topic, record.kafkaPartition, nil),
                original: (nil, JsonConverter.payload(schema: nil, value: record.value, decimalNumeric: false).jsonBytes, []))
            return nil
        }
    }

    /// Stores acknowledged offsets durably, then lets the task confirm upstream.
    private func commitOffsets(_ pending: inout [JSONObject: JSONObject]) async throws {
        guard !pending.isEmpty else { return }
        try await store.commit(
            connector: config.name, offsets: pending.map { (partition: $0.key, offset: Optional($0.value)) },
            provenance: context.provenance)
        metrics.committed(pending.count)
        logger.debug("committed source offsets", metadata: ["task": "\(id)", "partitions": "\(pending.count)"])
        pending.removeAll()
        try await task.commit()
    }
}
