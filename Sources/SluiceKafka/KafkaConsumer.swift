import CRdKafka
import Dispatch
import Logging
import SluiceSupport
import Synchronization

/// A consumed record.
public struct KafkaConsumerMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch (create or log-append time), when the broker sent one.
    public var timestamp: Int64?
}

/// A group rebalance, as the consumer saw it.
public enum KafkaRebalanceEvent: Sendable, Equatable {
    /// Partitions added to this member.
    case assigned([TopicPartition])
    /// Partitions taken away in an orderly rebalance (commit what you have first).
    case revoked([TopicPartition])
    /// Partitions lost without an orderly handover (session timed out): do not commit them.
    case lost([TopicPartition])
}

/// A consumer-group member with manual offset commits and cooperative-sticky assignment by
/// default. Rebalances are handled inside librdkafka's callback (incremental assign/unassign) and
/// surfaced to Swift twice: an optional handler that runs *before* partitions are given up (so a
/// sink can flush and commit), and the `rebalanceEvents` stream for observers.
public final class KafkaConsumer: Sendable {
    /// Sluice's defaults under the caller's settings.
    public static let defaultSettings: [String: String] = [
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
        "partition.assignment.strategy": "cooperative-sticky",
        "auto.offset.reset": "earliest",
        "enable.partition.eof": "false",
        // Subscribed topics that do not exist yet (a sink started before its source) are picked up
        // within seconds instead of librdkafka's default five minutes.
        "topic.metadata.refresh.interval.ms": "5000",
        // Prefetch at most 16 MiB per consumer (librdkafka's default is 64 MiB): a sink task is slower
        // than its fetches, so a deeper queue only holds memory.
        "queued.max.messages.kbytes": "16384",
    ]

    public typealias RebalanceHandler = @Sendable (KafkaRebalanceEvent) async -> Void

    private let handle: KafkaHandle
    /// Serves `poll` (and so the rebalance callback).
    private let pollExecutor = BlockingExecutor(label: "sluice.kafka.consumer.poll")
    /// Serves commits and metadata calls, so they do not wait behind a poll.
    private let controlExecutor = BlockingExecutor(label: "sluice.kafka.consumer.control")
    private let closed = AtomicFlag(false)
    public let configuration: KafkaConfiguration
    public let groupID: String
    /// Every rebalance, in order.
    public let rebalanceEvents: AsyncStream<KafkaRebalanceEvent>

    /// Joins nothing yet: call `subscribe` (group) or `assign` (manual). Waits until a broker
    /// answers, up to `connectTimeout`.
    public init(
        configuration: KafkaConfiguration, groupID: String, logger: Logger, connectTimeout: Duration = .seconds(10),
        onRebalance: RebalanceHandler? = nil
    ) async throws(KafkaError) {
        self.configuration = configuration
        self.groupID = groupID
        let (stream, continuation) = AsyncStream<KafkaRebalanceEvent>.makeStream()
        self.rebalanceEvents = stream
        var settings = configuration.merged(defaults: Self.defaultSettings)
        settings["group.id"] = groupID
        let context = ConsumerContext(logger: logger, events: continuation, handler: onRebalance)
        let handle = try KafkaHandle(type: RD_KAFKA_CONSUMER, settings: settings, context: context) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, kafkaRebalanceCallback)
        }
        rd_kafka_poll_set_consumer(handle.pointer)
        self.handle = handle
        try await controlExecutor.run { () throws(KafkaError) in
            try handle.awaitBroker(bootstrap: configuration.bootstrapServers, timeout: connectTimeout)
        }
    }

    deinit {
        (handle.context as? ConsumerContext)?.events.finish()
    }

    /// Subscribes to `topics` (names, or regexes starting with `^`).
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = TopicPartitionList(topics.map { TopicPartitionOffset(topic: $0, partition: RD_KAFKA_PARTITION_UA, offset: 0) })
        let error = rd_kafka_subscribe(handle.pointer, list.pointer)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "subscribe to \(topics)") }
    }

    /// Assigns partitions by hand (no group rebalancing), starting at the given offsets.
    public func assign(_ offsets: [TopicPartitionOffset]) async throws(KafkaError) {
        let handle = self.handle
        try await controlExecutor.run { () throws(KafkaError) in
            let list = TopicPartitionList(offsets)
            let error = rd_kafka_assign(handle.pointer, list.pointer)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "assign \(offsets)") }
        }
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws(KafkaError) -> [TopicPartition] {
        var raw: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
        let error = rd_kafka_assignment(handle.pointer, &raw)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let raw else { throw KafkaError(error, context: "assignment") }
        defer { rd_kafka_topic_partition_list_destroy(raw) }
        return TopicPartitionList.read(raw).map(\.topicPartition)
    }

    /// Up to `maxMessages` records: waits up to `timeout` for the first, then takes what is
    /// already fetched. Serves rebalances while it waits.
    public func poll(maxMessages: Int = 500, timeout: Duration = .milliseconds(500)) async throws(KafkaError)
        -> [KafkaConsumerMessage]
    {
        guard !closed.load() else { throw KafkaError(code: .closed, message: "consumer is closed") }
        let handle = self.handle
        return try await pollExecutor.run { () throws(KafkaError) -> [KafkaConsumerMessage] in
            var messages: [KafkaConsumerMessage] = []
            var wait = Int32(clamping: timeout.milliseconds)
            // Messages of one topic share one name (no String per message).
            var topic: (handle: OpaquePointer, name: String)? = nil
            while messages.count < maxMessages {
                guard let raw = rd_kafka_consumer_poll(handle.pointer, wait) else { break }
                defer { rd_kafka_message_destroy(raw) }
                wait = 0
                let message = raw.pointee
                if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    if message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
                    let error = KafkaError(message.err, context: "consume")
                    if error.code == .unknownTopicOrPartition {
                        // A subscribed topic that does not exist yet: keep waiting for it (Kafka Connect does).
                        if handle.context.shouldLog("unknown-topic:\(error.message)") {
                            handle.context.logger.warning("subscribed topic does not exist yet", metadata: ["error": "\(error)"])
                        }
                        continue
                    }
                    if error.code == .fatal || error.code == .authorization || messages.isEmpty { throw error }
                    handle.context.logger.warning("consumer error", metadata: ["error": "\(error)"])
                    continue
                }
                var name = ""
                if let handle = message.rkt {
                    if topic?.handle != handle { topic = (handle, String(cString: rd_kafka_topic_name(handle))) }
                    name = topic!.name
                }
                messages.append(Self.convert(raw, topic: name))
            }
            return messages
        }
    }

    /// Commits `offsets` (each the next offset to read) synchronously to the group.
    public func commit(_ offsets: [TopicPartitionOffset]) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let handle = self.handle
        try await controlExecutor.run { () throws(KafkaError) in
            let list = TopicPartitionList(offsets)
            let error = rd_kafka_commit(handle.pointer, list.pointer, 0)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "commit offsets") }
            if let failed = TopicPartitionList.firstError(list.pointer) {
                throw KafkaError(failed.1, context: "commit offset for \(failed.0)")
            }
        }
    }

    /// The group's committed offsets; partitions with none are left out.
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> [TopicPartitionOffset]
    {
        let handle = self.handle
        return try await controlExecutor.run { () throws(KafkaError) -> [TopicPartitionOffset] in
            let list = TopicPartitionList(
                partitions.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: 0) })
            let error = rd_kafka_committed(handle.pointer, list.pointer, Int32(clamping: timeout.milliseconds))
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "read committed offsets") }
            return TopicPartitionList.read(list.pointer).filter { $0.offset >= 0 }
        }
    }

    /// Moves the fetch position of assigned partitions.
    public func seek(_ offsets: [TopicPartitionOffset], timeout: Duration = .seconds(10)) async throws(KafkaError) {
        let handle = self.handle
        try await controlExecutor.run { () throws(KafkaError) in
            let list = TopicPartitionList(offsets)
            if let error = rd_kafka_seek_partitions(handle.pointer, list.pointer, Int32(clamping: timeout.milliseconds)) {
                defer { rd_kafka_error_destroy(error) }
                throw KafkaError(rd_kafka_error_code(error), context: "seek \(offsets)")
            }
            if let failed = TopicPartitionList.firstError(list.pointer) {
                throw KafkaError(failed.1, context: "seek \(failed.0)")
            }
        }
    }

    /// Stops fetching from `partitions` (they stay assigned).
    public func pause(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = TopicPartitionList(
            partitions.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: 0) })
        let error = rd_kafka_pause_partitions(handle.pointer, list.pointer)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "pause \(partitions)") }
    }

    /// Resumes fetching from paused `partitions`.
    public func resume(_ partitions: [TopicPartition]) throws(KafkaError) {
        let list = TopicPartitionList(
            partitions.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: 0) })
        let error = rd_kafka_resume_partitions(handle.pointer, list.pointer)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "resume \(partitions)") }
    }

    /// Records between this consumer's position (or the committed offset, before the first
    /// fetch) and each partition's high watermark.
    public func lag(_ partitions: [TopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError)
        -> [TopicPartition: Int64]
    {
        let committed = try await committed(partitions, timeout: timeout)
        let handle = self.handle
        return try await controlExecutor.run { () throws(KafkaError) -> [TopicPartition: Int64] in
            let list = TopicPartitionList(
                partitions.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: 0) })
            _ = rd_kafka_position(handle.pointer, list.pointer)
            let positions = Dictionary(TopicPartitionList.read(list.pointer).map { ($0.topicPartition, $0.offset) }) { a, _ in a }
            let committedBy = Dictionary(committed.map { ($0.topicPartition, $0.offset) }) { a, _ in a }
            var lag: [TopicPartition: Int64] = [:]
            for partition in partitions {
                let (low, high) = try Self.queryWatermarks(handle, partition, timeout: timeout)
                let position = positions[partition].flatMap { $0 >= 0 ? $0 : nil } ?? committedBy[partition] ?? low
                lag[partition] = max(0, high - position)
            }
            return lag
        }
    }

    /// Which of `partitions` this consumer has read to the end, with the position (next offset)
    /// there: `poll` has returned every record the broker holds for them right now. The end is
    /// asked of the broker (with read_committed that is the last stable offset), and the high
    /// watermark of the last fetch must not lie beyond it either, so records of an open
    /// transaction count as unread. Partitions with no position yet are not included. One request
    /// per partition; the first that fails ends the round (the rest count as not read to the end),
    /// so an unreachable broker costs one `timeout`, not one per partition.
    public func readToEnd(_ partitions: [TopicPartition], timeout: Duration = .seconds(2)) async -> [TopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        let handle = self.handle
        return await controlExecutor.run { () -> [TopicPartition: Int64] in
            let list = TopicPartitionList(
                partitions.map { TopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: 0) })
            _ = rd_kafka_position(handle.pointer, list.pointer)
            var done: [TopicPartition: Int64] = [:]
            for entry in TopicPartitionList.read(list.pointer) where entry.offset >= 0 {
                var low: Int64 = 0
                var fetchedHigh: Int64 = 0
                let cached = rd_kafka_get_watermark_offsets(handle.pointer, entry.topic, entry.partition, &low, &fetchedHigh)
                guard cached == RD_KAFKA_RESP_ERR_NO_ERROR, fetchedHigh >= 0, entry.offset >= fetchedHigh else { continue }
                guard let (_, high) = try? Self.queryWatermarks(handle, entry.topicPartition, timeout: timeout) else { break }
                if entry.offset >= high { done[entry.topicPartition] = entry.offset }
            }
            return done
        }
    }

    /// The low and high watermarks of `partition` as the broker reports them now.
    public func watermarks(_ partition: TopicPartition, timeout: Duration = .seconds(10)) async throws(KafkaError) -> (
        low: Int64, high: Int64
    ) {
        let handle = self.handle
        return try await controlExecutor.run { () throws(KafkaError) -> (low: Int64, high: Int64) in
            try Self.queryWatermarks(handle, partition, timeout: timeout)
        }
    }

    /// Asks the broker for `partition`'s low and high watermarks (blocking: call on an executor).
    private static func queryWatermarks(_ handle: KafkaHandle, _ partition: TopicPartition, timeout: Duration)
        throws(KafkaError) -> (low: Int64, high: Int64)
    {
        var low: Int64 = 0
        var high: Int64 = 0
        let error = rd_kafka_query_watermark_offsets(
            handle.pointer, partition.topic, partition.partition, &low, &high, Int32(clamping: timeout.milliseconds))
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "watermarks of \(partition)") }
        return (low, high)
    }

    /// Leaves the group (revoking partitions through the handler) and stops the consumer.
    public func close() async {
        guard !closed.exchange(true) else { return }
        let handle = self.handle
        await pollExecutor.run { _ = rd_kafka_consumer_close(handle.pointer) }
        (handle.context as? ConsumerContext)?.events.finish()
    }

    static func convert(_ raw: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) -> KafkaConsumerMessage {
        let message = raw.pointee
        let key = message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) }
        let value = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) }
        var headers: [KafkaHeader] = []
        var rawHeaders: OpaquePointer? = nil
        if rd_kafka_message_headers(raw, &rawHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let rawHeaders {
            var index = 0
            var name: UnsafePointer<CChar>? = nil
            var valuePointer: UnsafeRawPointer? = nil
            var size = 0
            while rd_kafka_header_get_all(rawHeaders, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(
                    KafkaHeader(
                        key: name.map { String(cString: $0) } ?? "",
                        value: valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
        return KafkaConsumerMessage(
            topic: topic, partition: message.partition, offset: message.offset, key: key, value: value, headers: headers,
            timestamp: timestamp >= 0 ? timestamp : nil)
    }
}

/// The consumer's callback state: where rebalance events go.
final class ConsumerContext: KafkaCallbackContext, @unchecked Sendable {
    let events: AsyncStream<KafkaRebalanceEvent>.Continuation
    let handler: KafkaConsumer.RebalanceHandler?

    init(logger: Logger, events: AsyncStream<KafkaRebalanceEvent>.Continuation, handler: KafkaConsumer.RebalanceHandler?) {
        self.events = events
        self.handler = handler
        super.init(logger: logger)
    }

    /// Runs on the poll executor's thread (inside `rd_kafka_consumer_poll`), so it may block on
    /// the async handler.
    override func rebalance(
        _ handle: OpaquePointer, error: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let list = partitions.map { TopicPartitionList.read($0).map(\.topicPartition) } ?? []
        let cooperative = String(cString: rd_kafka_rebalance_protocol(handle)) == "COOPERATIVE"
        let event: KafkaRebalanceEvent
        if error == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
            if cooperative {
                if let failure = rd_kafka_incremental_assign(handle, partitions) { logFailure(failure, "incremental assign") }
            } else {
                _ = rd_kafka_assign(handle, partitions)
            }
            event = .assigned(list)
            runHandler(event)
        } else {
            event = rd_kafka_assignment_lost(handle) != 0 ? .lost(list) : .revoked(list)
            runHandler(event)  // before giving the partitions up, so the owner can commit
            if cooperative {
                if let failure = rd_kafka_incremental_unassign(handle, partitions) { logFailure(failure, "incremental unassign") }
            } else {
                _ = rd_kafka_assign(handle, nil)
            }
        }
        logger.info("consumer rebalance", metadata: ["event": "\(event)"])
        events.yield(event)
    }

    private func runHandler(_ event: KafkaRebalanceEvent) {
        guard let handler else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            await handler(event)
            done.signal()
        }
        done.wait()
    }

    private func logFailure(_ error: OpaquePointer, _ what: String) {
        defer { rd_kafka_error_destroy(error) }
        logger.error("\(what) failed: \(String(cString: rd_kafka_error_string(error)))")
    }
}

private let kafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?
    )
        -> Void = { handle, error, partitions, _ in
            guard let handle, let context = KafkaHandle.context(of: handle) else { return }
            context.rebalance(handle, error: error, partitions: partitions)
        }
