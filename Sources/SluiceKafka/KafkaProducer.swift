import CRdKafka
import Foundation
import Logging
import SluiceSupport
import Synchronization

/// A record to produce. `partition` `nil` lets the partitioner choose (by key hash).
public struct KafkaProducerRecord: Sendable {
    public var topic: String
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch; `nil` lets the client stamp it.
    public var timestamp: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?, headers: [KafkaHeader] = [],
        timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// Where the broker stored an acknowledged record — the metadata `commitRecord` gets.
public struct KafkaDeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestamp: Int64?
}

/// An asynchronous producer. Idempotence is on by default (no duplicates or reordering from
/// retries); `send` and `send(batch:)` return once the broker has acknowledged the records.
/// `enqueue(batch:)` returns once librdkafka holds its own copy of every record, so the caller can
/// let go of the bytes while the acknowledgements are still on their way.
/// A dedicated thread serves librdkafka's delivery reports; `close()` flushes.
///
/// One producer serves a whole worker, so it heals itself: when a send fails with a fatal error
/// (the broker fenced the producer id or forgot its state — seen with Tansu after its object store
/// was down), that send still fails, and the producer replaces its librdkafka instance with a new
/// one, which gets a new producer id. Callers retry as they would after any failed send.
public final class KafkaProducer: Sendable {
    /// Sluice's defaults under the caller's settings.
    public static let defaultSettings: [String: String] = [
        "enable.idempotence": "true",
        "acks": "all",
        "linger.ms": "5",
        "compression.type": "lz4",
        "message.timeout.ms": "120000",
        // A keyed record goes to the partition the Java client (Kafka Connect, Debezium) picks:
        // murmur2 of the key. librdkafka's default (CRC32) would send a key that Debezium wrote to
        // one partition to another after a switch to Sluice, breaking per-key order.
        "partitioner": "murmur2_random",
    ]

    private let generation: Mutex<ProducerGeneration>
    private let executor = BlockingExecutor(label: "sluice.kafka.producer")
    public let configuration: KafkaConfiguration
    private let logger: Logger

    /// The librdkafka instance in use now.
    private var current: ProducerGeneration { generation.withLock { $0 } }

    /// Creates the producer and waits until a broker answers (up to `connectTimeout`), so a
    /// wrong address fails here with a clear error rather than as delivery time-outs later.
    public init(configuration: KafkaConfiguration, logger: Logger, connectTimeout: Duration = .seconds(10))
        async throws(KafkaError)
    {
        self.configuration = configuration
        self.logger = logger
        let first = try ProducerGeneration(number: 1, configuration: configuration, logger: logger)
        self.generation = Mutex(first)
        do {
            try await executor.run { () throws(KafkaError) in
                try first.handle.awaitBroker(bootstrap: configuration.bootstrapServers, timeout: connectTimeout)
            }
        } catch {
            first.stop()
            throw error
        }
    }

    deinit { current.stop() }

    /// Replaces `failed` (if it is still current) with a new librdkafka instance. Records still
    /// queued in the old one fail (their senders see the error); it is then shut down off-pool.
    private func renew(after failed: ProducerGeneration, cause: String) {
        let configuration = self.configuration
        let logger = self.logger
        let retired: ProducerGeneration? = generation.withLock { current in
            guard current === failed else { return nil }
            do {
                current = try ProducerGeneration(number: failed.number + 1, configuration: configuration, logger: logger)
            } catch {
                logger.error("could not create a new Kafka producer", metadata: ["error": "\(error)"])
                return nil
            }
            return failed
        }
        guard let retired else { return }
        logger.warning(
            "Kafka producer hit a fatal error; replaced it with a new instance (new producer id)",
            metadata: ["error": "\(cause)", "generation": "\(retired.number + 1)"])
        Thread.detachNewThread { retired.retire() }
    }

    /// Produces one record and waits for the broker's acknowledgement.
    @discardableResult
    public func send(_ record: KafkaProducerRecord) async throws(KafkaError) -> KafkaDeliveryReport {
        try await send(batch: [record])[0]
    }

    /// Produces `records` (in order) and waits until every one is acknowledged. Reports come back
    /// in input order. If any record fails, the first failure is thrown after all have settled.
    public func send(batch records: [KafkaProducerRecord]) async throws(KafkaError) -> [KafkaDeliveryReport] {
        guard !records.isEmpty else { return [] }
        return try await enqueue(batch: records).reports()
    }

    /// Hands `records` (in order) to librdkafka, waiting while its queue is full, and returns
    /// without waiting for the broker: `reports()` on the result does that.
    public func enqueue(batch records: [KafkaProducerRecord]) async -> KafkaPendingDeliveries {
        let batch = DeliveryBatch(count: records.count)
        let generation = current
        await enqueue(records, batch: batch, on: generation)
        return KafkaPendingDeliveries(producer: self, batch: batch, generation: generation)
    }

    fileprivate func reports(of pending: KafkaPendingDeliveries) async throws(KafkaError) -> [KafkaDeliveryReport] {
        let results: [Result<KafkaDeliveryReport, KafkaError>] = await withCheckedContinuation { continuation in
            pending.batch.setContinuation(continuation)
        }
        let fatal = results.lazy.compactMap { result -> String? in
            guard case .failure(let error) = result, error.code == .fatal else { return nil }
            return error.name ?? "fatal"
        }.first
        if let cause = pending.generation.fatalError ?? fatal { renew(after: pending.generation, cause: cause) }
        return try results.map { result throws(KafkaError) in try result.get() }
    }

    private func enqueue(_ records: [KafkaProducerRecord], batch: DeliveryBatch, on generation: ProducerGeneration) async {
        for (index, record) in records.enumerated() {
            var attempt = 0
            while true {
                let error = produce(record, ticket: DeliveryTicket(batch: batch, index: index), on: generation.handle)
                if error == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                    // Local queue full: let delivery reports drain, then try again.
                    attempt += 1
                    try? await Task.sleep(for: .milliseconds(min(50, 1 << min(attempt, 6))))
                    continue
                }
                if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                    batch.complete(index: index, with: .failure(KafkaError(error, context: "produce to \(record.topic)")))
                }
                break
            }
        }
    }

    /// Hands one record to librdkafka (copying its bytes). On success, librdkafka owns the ticket
    /// until the delivery report.
    private func produce(_ record: KafkaProducerRecord, ticket: DeliveryTicket, on handle: KafkaHandle) -> rd_kafka_resp_err_t {
        let opaque = Unmanaged.passRetained(ticket).toOpaque()
        var headers: OpaquePointer? = nil
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                if let value = header.value {
                    value.withUnsafeBytes { _ = rd_kafka_header_add(headers, header.key, -1, $0.baseAddress, $0.count) }
                } else {
                    _ = rd_kafka_header_add(headers, header.key, -1, nil, 0)
                }
            }
        }
        let error = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key in
                withOptionalBytes(record.value) { value in
                    var fields = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 8)
                    var count = 0
                    func add(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                        fields[count].vtype = type
                        fill(&fields[count])
                        count += 1
                    }
                    add(RD_KAFKA_VTYPE_TOPIC) { $0.u.cstr = topic }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                    if let partition = record.partition { add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition } }
                    if let key {
                        add(RD_KAFKA_VTYPE_KEY) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                            $0.u.mem.size = key.count
                        }
                    }
                    if let value {
                        add(RD_KAFKA_VTYPE_VALUE) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                            $0.u.mem.size = value.count
                        }
                    }
                    if let timestamp = record.timestamp { add(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
                    if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                    let resultError = rd_kafka_produceva(handle.pointer, fields, count)
                    defer { rd_kafka_error_destroy(resultError) }
                    return resultError.map { rd_kafka_error_code($0) } ?? RD_KAFKA_RESP_ERR_NO_ERROR
                }
            }
        }
        if error != RD_KAFKA_RESP_ERR_NO_ERROR {
            Unmanaged<DeliveryTicket>.fromOpaque(opaque).release()
            if let headers { rd_kafka_headers_destroy(headers) }
        }
        return error
    }

    /// Waits until every queued record is delivered or failed, up to `timeout`.
    public func flush(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        let handle = current.handle
        try await executor.run { () throws(KafkaError) in
            let error = rd_kafka_flush(handle.pointer, Int32(clamping: timeout.milliseconds))
            if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                throw KafkaError(
                    error, context: "flush: \(rd_kafka_outq_len(handle.pointer)) records still queued after \(timeout)")
            }
        }
    }

    /// Flushes, then stops serving delivery reports. Call before dropping the producer.
    public func close(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        defer { current.stop() }
        try await flush(timeout: timeout)
    }

    /// The cluster id the brokers report (`nil` if they do not in time).
    public func clusterID(timeout: Duration = .seconds(5)) async -> String? {
        let handle = current.handle
        return await executor.run { handle.clusterID(timeout: timeout) }
    }
}

/// One librdkafka producer instance and the thread that serves its delivery reports.
final class ProducerGeneration: Sendable {
    let handle: KafkaHandle
    let number: Int
    private let running = AtomicFlag(true)
    private let pollerDone = DispatchSemaphore(value: 0)

    init(number: Int, configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        self.number = number
        handle = try KafkaHandle(
            type: RD_KAFKA_PRODUCER, settings: configuration.merged(defaults: KafkaProducer.defaultSettings),
            context: KafkaCallbackContext(logger: logger)
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, kafkaDeliveryCallback)
        }
        let running = self.running
        let done = self.pollerDone
        let pointer = UncheckedSendable(handle.pointer)
        Thread.detachNewThread {
            while running.load() { rd_kafka_poll(pointer.value, 100) }
            done.signal()
        }
    }

    deinit { stop() }

    /// The name of the fatal error librdkafka raised on this instance, if any.
    var fatalError: String? {
        var text = [CChar](repeating: 0, count: 256)
        let error = rd_kafka_fatal_error(handle.pointer, &text, text.count)
        return error == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : String(cString: rd_kafka_err2name(error))
    }

    /// Stops serving delivery reports (blocks until the poller thread has seen the flag).
    func stop() {
        if running.exchange(false) { pollerDone.wait() }
    }

    /// Fails whatever is still queued or in flight (each sender gets its delivery report with an
    /// error), waits up to 10 s for those reports, then stops. Blocking: run it off the pool.
    func retire() {
        rd_kafka_purge(handle.pointer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        let deadline = ContinuousClock.now + .seconds(10)
        while rd_kafka_outq_len(handle.pointer) > 0 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        stop()
    }
}

/// Collects the outcome of each record of one `send(batch:)` and resumes the caller when all are in.
final class DeliveryBatch: @unchecked Sendable {
    private struct State {
        var results: [Result<KafkaDeliveryReport, KafkaError>?]
        var remaining: Int
        var continuation: CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>?
    }
    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count)) }

    /// Resumes `continuation` when the last record settles (at once if all have).
    func setContinuation(_ continuation: CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>) {
        let settled: [Result<KafkaDeliveryReport, KafkaError>]? = state.withLock { state in
            precondition(state.continuation == nil, "the reports of one batch are awaited once")
            guard state.remaining == 0 else {
                state.continuation = continuation
                return nil
            }
            return state.results.map { $0! }
        }
        if let settled { continuation.resume(returning: settled) }
    }

    func complete(index: Int, with result: Result<KafkaDeliveryReport, KafkaError>) {
        let finished:
            (CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>, [Result<KafkaDeliveryReport, KafkaError>])? =
                state.withLock { state in
                    guard state.results[index] == nil else { return nil }
                    state.results[index] = result
                    state.remaining -= 1
                    guard state.remaining == 0, let continuation = state.continuation else { return nil }
                    state.continuation = nil
                    return (continuation, state.results.map { $0! })
                }
        if let (continuation, results) = finished { continuation.resume(returning: results) }
    }
}

/// Records of one `enqueue(batch:)`, in librdkafka's hands until the broker acknowledges them.
public struct KafkaPendingDeliveries: Sendable {
    fileprivate let producer: KafkaProducer
    fileprivate let batch: DeliveryBatch
    fileprivate let generation: ProducerGeneration

    /// Waits until every record has settled. Reports come back in input order; if any record
    /// failed, the first failure is thrown (after all have settled).
    public func reports() async throws(KafkaError) -> [KafkaDeliveryReport] { try await producer.reports(of: self) }
}

/// One record's place in its batch; travels through librdkafka as the message opaque.
final class DeliveryTicket {
    let batch: DeliveryBatch
    let index: Int
    init(batch: DeliveryBatch, index: Int) {
        self.batch = batch
        self.index = index
    }
}

private let kafkaDeliveryCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message = message?.pointee, let opaque = message._private else { return }
        let ticket = Unmanaged<DeliveryTicket>.fromOpaque(opaque).takeRetainedValue()
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let timestamp = withUnsafePointer(to: message) { rd_kafka_message_timestamp($0, &timestampType) }
            ticket.batch.complete(
                index: ticket.index,
                with: .success(
                    KafkaDeliveryReport(
                        topic: topic, partition: message.partition, offset: message.offset,
                        timestamp: timestamp >= 0 ? timestamp : nil)))
        } else {
            ticket.batch.complete(index: ticket.index, with: .failure(KafkaError(message.err, context: "delivery to \(topic)")))
        }
    }

func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBufferPointer { body($0) }
}

/// Carries a non-Sendable C pointer into a closure that is known to use it safely.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
