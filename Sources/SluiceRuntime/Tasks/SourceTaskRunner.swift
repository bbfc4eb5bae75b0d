import CoreMetrics
import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import SluiceSupport

/// Runs one source task: poll → transforms → converters → produce → acknowledged → offsets
/// committed to the connector's checkpoint store → `commitRecord`/`commit`.
///
/// Order of durability (DESIGN.md §2): an offset reaches the store only after Kafka acknowledged
/// its record, and `SourceTask.commit()` (where a CDC task confirms its slot position) runs only
/// after the store commit returned.
///
/// Polls are pipelined: the task reads its next poll while the runner converts and sends the
/// current one, and while one poll's records are being acknowledged the next is converted, up to
/// `maxPollsInFlight` polls. Acknowledgements are settled strictly in poll order, so an offset
/// becomes committable only when every record before it is in Kafka. Before each commit every
/// poll in flight is settled, so `commit()` — "everything returned by `poll()` is durable", Kafka
/// Connect's contract — holds. After a failure the acknowledged offsets are
/// still stored, but `commit()` is not called: records of the failed poll are not in Kafka.
public struct SourceTaskRunner: TaskRunning {
    /// Polls whose records may be on their way to Kafka at once (memory: this many poll batches).
    static let maxPollsInFlight = 2

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
        var inFlight: [InFlightPoll] = []
        // The next poll, read while the current one is converted and sent. It is always awaited,
        // and its records dispatched, before a commit, a pause or the end: `commit()` never runs
        // beside a poll, and never before the records of every poll that returned are in Kafka.
        var prefetch: Task<[SourceRecord], any Error>? = nil
        var lastFlush = ContinuousClock.now
        var deferral = CommitDeferral(limit: config.errorsRetryTimeout)
        var failure: (any Error)? = nil
        do {
            while control.target != .stopping {
                if control.target == .paused {
                    try await settleAll(&prefetch, &inFlight, pending: &pending)
                    try await Task.sleep(for: .milliseconds(100))
                    continue
                }
                let records: [SourceRecord]
                if let running = prefetch.take() { records = try await running.value } else { records = try await poll() }
                if control.target == .running { prefetch = Task { try await poll() } }
                if !records.isEmpty { inFlight.append(try await dispatch(records)) }
                while let oldest = inFlight.first, inFlight.count > Self.maxPollsInFlight || oldest.isDelivered {
                    try await settleOldest(&inFlight, pending: &pending)
                }
                if control.takeCommitRequest() || ContinuousClock.now - lastFlush >= commitInterval {
                    try await settleAll(&prefetch, &inFlight, pending: &pending)
                    // On a transient failure `pending` is kept: the next interval commits it (or newer).
                    try await deferral.commit("source offsets", task: id, logger: logger) {
                        try await commitOffsets(&pending, confirmUpstream: true)
                    }
                    lastFlush = ContinuousClock.now
                }
            }
            try await settleAll(&prefetch, &inFlight, pending: &pending)
        } catch {
            failure = error
        }
        // A poll still running finishes before anything else touches the task; its records are
        // not sent, and `commit()` is not called after a failure.
        _ = try? await prefetch?.value
        // Offsets of acknowledged records are committed even when the task failed after them:
        // polls still in flight are settled in order up to the first that failed.
        while !inFlight.isEmpty {
            do { try await settleOldest(&inFlight, pending: &pending) } catch { break }
        }
        do { try await commitOffsets(&pending, confirmUpstream: failure == nil) } catch { failure = failure ?? error }
        try? await task.stop()
        if let failure { throw failure }
    }

    private func poll() async throws -> [SourceRecord] {
        try await errors.retrying(.task) { try await task.poll() }
    }

    /// Sends the records of the poll being read ahead, if any, then settles every poll in flight:
    /// afterwards everything `poll` returned is in Kafka and no poll runs.
    private func settleAll(
        _ prefetch: inout Task<[SourceRecord], any Error>?, _ inFlight: inout [InFlightPoll],
        pending: inout [JSONObject: JSONObject]
    ) async throws {
        if let running = prefetch.take() {
            let records = try await running.value
            if !records.isEmpty { inFlight.append(try await dispatch(records)) }
        }
        while !inFlight.isEmpty { try await settleOldest(&inFlight, pending: &pending) }
    }

    /// Transforms and converts one poll's records and starts sending them; nothing is settled yet.
    private func dispatch(_ records: [SourceRecord]) async throws -> InFlightPoll {
        var outgoing: [KafkaProducerRecord] = []
        var entries: [(record: SourceRecord, fate: InFlightPoll.Fate)] = []
        entries.reserveCapacity(records.count)
        for record in records {
            guard let transformed = try await transformed(record) else {
                entries.append((record, .filtered))
                continue
            }
            guard let produced = try await converted(transformed) else {
                entries.append((record, .skipped))
                continue
            }
            outgoing.append(produced)
            entries.append((record, .produced))
        }
        let topics = Set(outgoing.map(\.topic))
        let delivered = AtomicFlag(outgoing.isEmpty)
        // librdkafka copies each record, so the converted bytes are let go here rather than held
        // until the broker acknowledges them.
        let pending = outgoing.isEmpty ? nil : await producer.enqueue(batch: outgoing)
        outgoing = []
        let delivery: Task<[KafkaDeliveryReport], any Error>? = pending.map { pending in
            Task {
                defer { delivered.store(true) }
                return try await pending.reports()
            }
        }
        return InFlightPoll(entries: entries, topics: topics, delivery: delivery, delivered: delivered)
    }

    /// Settles the oldest poll in flight. If its records did not reach Kafka, every later poll is
    /// dropped unsettled: committing their offsets would skip the failed records.
    private func settleOldest(_ inFlight: inout [InFlightPoll], pending: inout [JSONObject: JSONObject]) async throws {
        let oldest = inFlight.removeFirst()
        do {
            try await settle(oldest, pending: &pending)
        } catch {
            inFlight.removeAll()
            throw error
        }
    }

    /// Waits for one poll's acknowledgements; then its offsets are pending and the task hears of
    /// each record (`commitRecord`), in order.
    private func settle(_ poll: InFlightPoll, pending: inout [JSONObject: JSONObject]) async throws {
        var reports = (try await poll.delivery?.value ?? []).makeIterator()
        metrics.records.increment(by: poll.entries.count { $0.fate == .produced })
        for topic in poll.topics { topics.record(topic) }
        let entries = poll.entries
        for (index, (record, fate)) in entries.enumerated() {
            // Every record here is in Kafka, so a run of one source partition's records leaves its
            // last offset pending (set once per run: hashing a partition costs more than comparing it).
            if index + 1 == entries.count || entries[index + 1].record.sourcePartition != record.sourcePartition {
                pending[record.sourcePartition] = record.sourceOffset
            }
            switch fate {
            case .produced:
                guard let report = reports.next() else { continue }
                try await task.commitRecord(
                    record,
                    metadata: RecordMetadata(
                        topic: report.topic, partition: report.partition, offset: report.offset, timestamp: report.timestamp))
            case .filtered: try await task.commitRecord(record, metadata: nil)
            case .skipped: break
            }
        }
    }

    /// One poll on its way to Kafka.
    struct InFlightPoll {
        enum Fate { case produced, filtered, skipped }
        /// Every record of the poll in order, with what happened to it.
        let entries: [(record: SourceRecord, fate: Fate)]
        let topics: Set<String>
        let delivery: Task<[KafkaDeliveryReport], any Error>?
        let delivered: AtomicFlag
        var isDelivered: Bool { delivered.load() }
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

    /// Stores acknowledged offsets durably, then (if `confirmUpstream`) lets the task confirm
    /// upstream — only when every record its polls returned is acknowledged.
    private func commitOffsets(_ pending: inout [JSONObject: JSONObject], confirmUpstream: Bool) async throws {
        guard !pending.isEmpty else { return }
        try await store.commit(
            connector: config.name, offsets: pending.map { (partition: $0.key, offset: Optional($0.value)) },
            provenance: context.provenance)
        metrics.committed(pending.count)
        logger.debug("committed source offsets", metadata: ["task": "\(id)", "partitions": "\(pending.count)"])
        pending.removeAll()
        if confirmUpstream { try await task.commit() }
    }
}
