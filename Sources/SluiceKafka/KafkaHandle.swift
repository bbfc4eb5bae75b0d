import CRdKafka
import Logging
import SluiceSupport
import Synchronization

/// State shared with librdkafka's callbacks through the handle's opaque pointer.
class KafkaCallbackContext: @unchecked Sendable {
    let logger: Logger
    /// librdkafka repeats the same connection error on every reconnect attempt; each distinct
    /// line is logged at most once per `repeatWindow`.
    private let lastLogged = Mutex<[String: ContinuousClock.Instant]>([:])
    private let repeatWindow: Duration = .seconds(30)

    init(logger: Logger) { self.logger = logger }

    /// Whether a line with this text should be logged now (not a repeat inside the window).
    func shouldLog(_ text: String) -> Bool {
        let now = ContinuousClock.now
        return lastLogged.withLock { seen in
            if let last = seen[text], now - last < repeatWindow { return false }
            if seen.count > 1000 { seen.removeAll() }
            seen[text] = now
            return true
        }
    }

    /// Called for consumer rebalances; the consumer's context overrides it.
    func rebalance(
        _ handle: OpaquePointer, error: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {}
}

/// Owns one `rd_kafka_t`, freed in `deinit`. Producer, consumer and admin wrap one each.
final class KafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let context: KafkaCallbackContext
    private let contextBox: Unmanaged<KafkaCallbackContext>

    /// Creates the handle after checking the librdkafka version; `configure` may add callbacks.
    init(
        type: rd_kafka_type_t, settings: [String: String], context: KafkaCallbackContext,
        configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        try Librdkafka.check(version: Librdkafka.version, versionString: Librdkafka.versionString)
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let reason = errorText.nulTerminatedString
                throw KafkaError(
                    code: .configuration,
                    message: "invalid Kafka client setting \(key)=\(Redaction.display(key: key, value: value)): \(reason)")
            }
        }
        let box = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, box.toOpaque())
        rd_kafka_conf_set_log_cb(conf, kafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, kafkaErrorCallback)
        configure(conf)
        // On success rd_kafka_new takes ownership of conf.
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            box.release()
            throw KafkaError(code: .configuration, message: "could not create Kafka client: \(errorText.nulTerminatedString)")
        }
        self.pointer = handle
        self.context = context
        self.contextBox = box
    }

    deinit {
        rd_kafka_destroy(pointer)
        contextBox.release()
    }

    /// Fetches cluster metadata to prove a broker answers; a clear error when none does in time.
    func awaitBroker(bootstrap: String, timeout: Duration) throws(KafkaError) {
        var metadata: UnsafePointer<rd_kafka_metadata>? = nil
        let error = rd_kafka_metadata(pointer, 0, nil, &metadata, Int32(clamping: timeout.milliseconds))
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(
                code: error == RD_KAFKA_RESP_ERR__TIMED_OUT ? .transport : KafkaError.classify(error),
                name: String(cString: rd_kafka_err2name(error)),
                message:
                    "no Kafka broker answered at \(bootstrap) within \(timeout) (\(String(cString: rd_kafka_err2str(error)))); check bootstrap.servers and that the broker is running"
            )
        }
    }

    /// The cluster id from metadata, or `nil` if the broker did not report one in time.
    func clusterID(timeout: Duration) -> String? {
        guard let raw = rd_kafka_clusterid(pointer, Int32(clamping: timeout.milliseconds)) else { return nil }
        defer { rd_kafka_mem_free(pointer, raw) }
        return String(cString: raw)
    }

    static func context(of handle: OpaquePointer?) -> KafkaCallbackContext? {
        guard let handle, let opaque = rd_kafka_opaque(handle) else { return nil }
        return Unmanaged<KafkaCallbackContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// librdkafka log lines → swift-log, syslog levels mapped onto swift-log's.
private let kafkaLogCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
    handle, level, facility, text in
    guard let context = KafkaHandle.context(of: handle) else { return }
    let swiftLevel: Logger.Level =
        switch level {
        case ...2: .critical
        case 3: .error
        case 4: .warning
        case 5: .notice
        case 6: .info
        default: .debug
        }
    let message = text.map { String(cString: $0) } ?? ""
    // Drop the "(after Nms in state …)" tail so repeated failures compare equal.
    guard context.shouldLog(String(message.prefix { $0 != "(" })) else { return }
    context.logger.log(
        level: swiftLevel, "\(message)",
        metadata: ["facility": "\(facility.map { String(cString: $0) } ?? "")", "source": "librdkafka"])
}

private let kafkaErrorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void =
    {
        handle, error, reason, _ in
        guard let context = KafkaHandle.context(of: handle) else { return }
        let code = rd_kafka_resp_err_t(rawValue: error)
        let level: Logger.Level = code == RD_KAFKA_RESP_ERR__FATAL ? .error : .warning
        let text = reason.map { String(cString: $0) } ?? ""
        guard context.shouldLog("error:" + String(text.prefix { $0 != "(" })) else { return }
        context.logger.log(
            level: level, "Kafka client error: \(text)",
            metadata: ["error": "\(String(cString: rd_kafka_err2name(code)))"])
    }
