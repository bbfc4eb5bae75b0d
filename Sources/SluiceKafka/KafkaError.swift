import CRdKafka

/// A Kafka client failure with librdkafka's error name and a readable message.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, for callers that decide what to do.
    public enum Code: String, Sendable {
        /// A setting librdkafka rejected; `message` names it.
        case configuration
        /// The loaded librdkafka is too old (see `Librdkafka.check`).
        case unsupportedVersion
        /// No broker reachable, or the connection broke.
        case transport
        /// The operation did not finish in time.
        case timeout
        /// The topic or partition does not exist.
        case unknownTopicOrPartition
        /// The topic already exists (topic creation).
        case topicAlreadyExists
        /// SASL/SSL/ACL refusal.
        case authorization
        /// The record is larger than the broker or client allows.
        case messageTooLarge
        /// The producer's local queue is full; retry after deliveries drain.
        case queueFull
        /// The client hit a fatal error (e.g. idempotence broken) and must be recreated.
        case fatal
        /// Group membership changed under a commit (rebalance in progress).
        case rebalance
        /// The handle was closed.
        case closed
        /// Anything else librdkafka reported.
        case other
    }

    public var code: Code
    /// librdkafka's error name (`_TRANSPORT`, `UNKNOWN_TOPIC_OR_PART`, …) when one applies.
    public var name: String?
    public var message: String

    public init(code: Code, name: String? = nil, message: String) {
        self.code = code
        self.name = name
        self.message = message
    }

    /// Wraps a librdkafka response error with `context` (what Sluice was doing).
    init(_ error: rd_kafka_resp_err_t, context: String) {
        let name = String(cString: rd_kafka_err2name(error))
        let text = String(cString: rd_kafka_err2str(error))
        self.init(code: Self.classify(error), name: name, message: "\(context): \(text)")
    }

    static func classify(_ error: rd_kafka_resp_err_t) -> Code {
        switch error {
        case RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__RESOLVE,
            RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
            .transport
        case RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
            .timeout
        case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
            .unknownTopicOrPartition
        case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: .topicAlreadyExists
        case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED,
            RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED,
            RD_KAFKA_RESP_ERR__AUTHENTICATION:
            .authorization
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: .messageTooLarge
        case RD_KAFKA_RESP_ERR__QUEUE_FULL: .queueFull
        // For an idempotent producer these mean its producer id or epoch is no longer valid on
        // the broker (fenced, or the broker lost the producer's state): only a new client helps.
        case RD_KAFKA_RESP_ERR__FATAL, RD_KAFKA_RESP_ERR_PRODUCER_FENCED, RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH,
            RD_KAFKA_RESP_ERR_UNKNOWN_PRODUCER_ID, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
            .fatal
        case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION,
            RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID, RD_KAFKA_RESP_ERR__ASSIGNMENT_LOST:
            .rebalance
        case RD_KAFKA_RESP_ERR__DESTROY: .closed
        default: .other
        }
    }

    public var description: String { "Kafka \(code.rawValue) error" + (name.map { " (\($0))" } ?? "") + ": \(message)" }
}
