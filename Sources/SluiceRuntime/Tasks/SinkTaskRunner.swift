import CoreMetrics
import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import Synchronization

/// Runs one sink task: consume → converters → transforms → `put` → `preCommit` → commit.
///
/// Offsets are committed only as `preCommit` returns them (data durable in the sink), to both the
/// consumer group (so Kafka tooling sees the position) and the connector's checkpoint store (so a
/// reviewer does). Partitions being revoked are committed and closed before they are given up.
///
/// Commits run every `offset.flush.interval.ms`; while the consumer is idle (a poll returned
/// nothing) they run every `idleCommitInterval` instead, so the last records of a burst are
/// committed, and a sink's time-based rotation is checked, soon after the traffic stops (not
/// while commits are failing: then the normal interval paces the retries).
public struct SinkTaskRunner: TaskRunning {
    static let idleCommitInterval: Duration = .milliseconds(200)

    public let context: TaskRunnerContext
    let task: any SinkTask
    let kafka: KafkaConfiguration

    public init(context: TaskRunnerContext, task: any SinkTask, kafka: KafkaConfiguration) {
        self.context = context
        self.task = task
        self.kafka = kafka
    }

    /// The consumer group of a sink connector, as Kafka Connect names it.
    public static func groupID(connector: String) -> String { "connect-\(connector)" }

    public func run(started: @Sendable () -> Void) async throws {
        let positions = SinkPositions()
        let context = RuntimeSinkTaskContext(
            id: id, control: control, positions: positions,
            errantRecordReporter: errors.tolerant ? ErrantReporter(handler: errors) : nil)
        let task = self.task
        let runner = self
        let consumer = try await KafkaConsumer(
            configuration: kafka, groupID: Self.groupID(connector: config.name), logger: logger
        ) { event in
            do {
                switch event {
                case .assigned(let partitions):
                    let mapped = partitions.map(\.connect)
                    positions.assign(mapped)
                    try await task.open(mapped)
                case .revoked(let partitions):
                    let mapped = partitions.map(\.connect)
                    do {
                        try await runner.commit(only: Set(mapped), positions: positions, consumer: nil)
                    } catch  where CommitFailure.isTransient(error) {
                        runner.logger.warning(
                            "could not commit revoked partitions; their next owner re-reads them from the last committed offsets",
                            metadata: ["task": "\(runner.id)", "error": "\(error)"])
                    }
                    try await task.close(mapped)
                    positions.revoke(mapped)
                case .lost(let partitions):
                    let mapped = partitions.map(\.connect)
                    try await task.close(mapped)
                    positions.revoke(mapped)
                }
            } catch {
                runner.logger.error("rebalance handling failed", metadata: ["task": "\(runner.id)", "error": "\(error)"])
                positions.fail(error)
            }
        }
        positions.setConsumer(consumer)
        try consumer.subscribe(topics: config.topicsRegex.map { ["^" + $0] } ?? config.topics)
        try await task.start(taskConfig, context: context)
        // Asked for in `start`; possible where the value converter gives JSON text and no transformation sees values.
        let valueJSONText = positions.valuesAsJSONText && transforms.isEmpty ? converters.valueJSONText : nil
        started()
        var lastCommit = ContinuousClock.now
        var deferral = CommitDeferral(limit: config.errorsRetryTimeout)
        var failure: (any Error)? = nil
        do {
            while control.target != .stopping {
                if let error = positions.takeFailure() { throw error }
                try await applyRequests(positions, consumer: consumer)
                let messages = try await consumer.poll(maxMessages: 500, timeout: .milliseconds(200))
                if !messages.isEmpty {
                    metrics.records.increment(by: messages.count)
                    var topic: String? = nil
                    for message in messages where message.topic != topic {
                        topic = message.topic
                        topics.record(message.topic)
                    }
                    let records = try await convert(messages, valueJSONText: valueJSONText)
                    if !records.isEmpty { try await errors.retrying(.put) { try await task.put(records) } }
                    positions.consumed(messages)
                }
                let idle = messages.isEmpty && !deferral.isFailing
                let interval = idle ? min(commitInterval, Self.idleCommitInterval) : commitInterval
                if control.takeCommitRequest() || ContinuousClock.now - lastCommit >= interval {
                    try await deferral.commit("sink offsets", task: id, logger: logger) {
                        try await commit(only: nil as Set<TopicPartition>?, positions: positions, consumer: consumer)
                    }
                    lastCommit = ContinuousClock.now
                }
            }
            try await commit(only: nil as Set<TopicPartition>?, positions: positions, consumer: consumer)
        } catch {
            failure = error
        }
        await consumer.close()
        try? await task.stop()
        if let failure { throw failure }
    }

    /// Pause/resume/rewind requests from the task context, applied on the loop.
    private func applyRequests(_ positions: SinkPositions, consumer: KafkaConsumer) async throws {
        let requests = positions.takeRequests()
        if !requests.pause.isEmpty { try consumer.pause(requests.pause.map(\.kafka)) }
        if !requests.resume.isEmpty { try consumer.resume(requests.resume.map(\.kafka)) }
        if !requests.rewind.isEmpty {
            try await consumer.seek(
                requests.rewind.map { TopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) })
        }
        let paused = control.target == .paused
        if paused != positions.pausedByTarget {
            let all = positions.assignment.map(\.kafka)
            if paused { try consumer.pause(all) } else { try consumer.resume(all) }
            positions.pausedByTarget = paused
        }
    }

    /// Kafka messages → the records `put` gets, with values as JSON text instead where the task
    /// asked for that and it is possible (`valueJSONText`).
    private func convert(
        _ messages: [KafkaConsumerMessage], valueJSONText: RecordConverters.JSONText?
    ) async throws -> [SinkRecord] {
        var records: [SinkRecord] = []
        records.reserveCapacity(messages.count)
        for message in messages {
            var stage = ErrorHandler.Stage.keyConverter
            do {
                let key = try converters.key.toConnectData(topic: message.topic, bytes: message.key)
                stage = .valueConverter
                var value = SchemaAndValue.null
                var valueJSON: [UInt8]? = nil
                if let valueJSONText {
                    valueJSON = try message.value.flatMap { try valueJSONText(message.topic, $0) }
                } else {
                    value = try converters.value.toConnectData(topic: message.topic, bytes: message.value)
                }
                stage = .headerConverter
                let headers = try converters.connectHeaders(topic: message.topic, message.headers)
                stage = .transformation
                let record = SinkRecord(
                    topic: message.topic, kafkaPartition: message.partition, kafkaOffset: message.offset, keySchema: key.schema,
                    key: key.value, valueSchema: value.schema, value: value.value, timestamp: message.timestamp,
                    headers: headers, valueJSON: valueJSON)
                if let transformed = try transforms.apply(record) { records.append(transformed) }
            } catch {
                try await errors.handle(
                    error, stage: stage, coordinates: (message.topic, message.partition, message.offset),
                    original: (message.key, message.value, message.headers))
            }
        }
        return records
    }

    /// Asks the task which offsets are safe, then commits them to the group and the store.
    func commit(only partitions: Set<TopicPartition>?, positions: SinkPositions, consumer: KafkaConsumer?) async throws {
        var current = positions.current
        if let partitions { current = current.filter { partitions.contains($0.key) } }
        guard !current.isEmpty else { return }
        let safe = try await task.preCommit(current).filter { current[$0.key] != nil && $0.value <= current[$0.key]! }
        let fresh = safe.filter { positions.committed[$0.key] != $0.value }
        guard !fresh.isEmpty else { return }
        let entries: [(partition: JSONObject, offset: JSONObject?)] = fresh.map { partition, next in
            let key: JSONObject = ["kafka_topic": .string(partition.topic), "kafka_partition": .int(Int64(partition.partition))]
            let offset: JSONObject = ["kafka_offset": .int(next)]
            return (key, offset)
        }
        try await store.commit(
            connector: config.name, offsets: entries, provenance: context.provenance)
        metrics.committed(entries.count)
        let offsets = fresh.map { TopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
        if let consumer { try await consumer.commit(offsets) } else { try await positions.consumer?.commit(offsets) }
        positions.markCommitted(fresh)
        logger.debug("committed sink offsets", metadata: ["task": "\(id)", "partitions": "\(fresh.count)"])
    }
}

/// Positions and requests shared between the sink loop, the rebalance handler and the task context.
final class SinkPositions: Sendable {
    struct Requests {
        var pause: [TopicPartition] = []
        var resume: [TopicPartition] = []
        var rewind: [TopicPartition: Int64] = [:]
    }

    private struct State {
        var assignment: Set<TopicPartition> = []
        var current: [TopicPartition: Int64] = [:]
        var committed: [TopicPartition: Int64] = [:]
        var requests = Requests()
        var failure: (any Error)?
        var pausedByTarget = false
        var consumer: KafkaConsumer?
        var valuesAsJSONText = false
    }

    private let state = Mutex(State())

    var assignment: [TopicPartition] { state.withLock { Array($0.assignment).sorted() } }
    var current: [TopicPartition: Int64] { state.withLock { $0.current } }
    var committed: [TopicPartition: Int64] { state.withLock { $0.committed } }
    var consumer: KafkaConsumer? { state.withLock { $0.consumer } }
    var pausedByTarget: Bool {
        get { state.withLock { $0.pausedByTarget } }
        set { state.withLock { $0.pausedByTarget = newValue } }
    }

    func setConsumer(_ consumer: KafkaConsumer) { state.withLock { $0.consumer = consumer } }
    /// The task asked for values as JSON text (`SinkTaskContext.deliverValuesAsJSONText`, in `start`).
    var valuesAsJSONText: Bool {
        get { state.withLock { $0.valuesAsJSONText } }
        set { state.withLock { $0.valuesAsJSONText = newValue } }
    }
    func assign(_ partitions: [TopicPartition]) { state.withLock { $0.assignment.formUnion(partitions) } }
    func revoke(_ partitions: [TopicPartition]) {
        state.withLock { state in
            for partition in partitions {
                state.assignment.remove(partition)
                state.current.removeValue(forKey: partition)
                state.committed.removeValue(forKey: partition)
            }
        }
    }
    /// Notes the position after `messages` (in consumption order: each partition's last one counts).
    func consumed(_ messages: [KafkaConsumerMessage]) {
        state.withLock { state in
            var run: (partition: TopicPartition, next: Int64)? = nil
            for message in messages {
                if let current = run, current.partition.partition == message.partition, current.partition.topic == message.topic {
                    run?.next = message.offset + 1
                    continue
                }
                if let run { state.current[run.partition] = run.next }
                run = (TopicPartition(topic: message.topic, partition: message.partition), message.offset + 1)
            }
            if let run { state.current[run.partition] = run.next }
        }
    }
    func markCommitted(_ offsets: [TopicPartition: Int64]) { state.withLock { $0.committed.merge(offsets) { _, new in new } } }
    func fail(_ error: any Error) { state.withLock { $0.failure = $0.failure ?? error } }
    func takeFailure() -> (any Error)? {
        state.withLock { state in
            defer { state.failure = nil }
            return state.failure
        }
    }
    func request(_ change: (inout Requests) -> Void) { state.withLock { change(&$0.requests) } }
    func takeRequests() -> Requests {
        state.withLock { state in
            defer { state.requests = Requests() }
            return state.requests
        }
    }
}

struct RuntimeSinkTaskContext: SinkTaskContext {
    let id: TaskID
    let control: TaskControl
    let positions: SinkPositions
    let errantRecordReporter: (any ErrantRecordReporter)?

    var connectorName: String { id.connector }
    var taskID: Int { id.task }
    var assignment: [TopicPartition] { positions.assignment }
    func offset(_ offsets: [TopicPartition: Int64]) { positions.request { $0.rewind.merge(offsets) { _, new in new } } }
    func pause(_ partitions: [TopicPartition]) { positions.request { $0.pause += partitions } }
    func resume(_ partitions: [TopicPartition]) { positions.request { $0.resume += partitions } }
    func requestCommit() { control.requestCommit() }
    func deliverValuesAsJSONText() { positions.valuesAsJSONText = true }
    /// Only partitions whose every polled record has also been given to `put`: a rebalance handler
    /// runs inside `poll`, when records already taken from the consumer may still be on their way.
    func readToEnd(_ partitions: [TopicPartition]) async -> Set<TopicPartition> {
        guard let consumer = positions.consumer else { return [] }
        let ends = await consumer.readToEnd(partitions.map(\.kafka))
        let put = positions.current
        return Set(ends.compactMap { partition, position in put[partition.connect] == position ? partition.connect : nil })
    }
}
