import CRdKafka
import Logging
import SluiceSupport

/// A topic to create.
public struct KafkaTopicSpec: Sendable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    /// Topic configs such as `cleanup.policy=compact`.
    public var configs: [String: String]

    public init(name: String, partitions: Int32 = 1, replicationFactor: Int32 = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// What the cluster says about a topic.
public struct KafkaTopicDescription: Sendable, Equatable {
    public var name: String
    public var partitions: [Int32]
}

/// Cluster administration: topics, their configs, and the cluster id.
public final class KafkaAdmin: Sendable {
    private let handle: KafkaHandle
    private let executor = BlockingExecutor(label: "sluice.kafka.admin")
    public let configuration: KafkaConfiguration

    /// Connects and waits until a broker answers, up to `connectTimeout`.
    public init(configuration: KafkaConfiguration, logger: Logger, connectTimeout: Duration = .seconds(10))
        async throws(KafkaError)
    {
        self.configuration = configuration
        let handle = try KafkaHandle(
            type: RD_KAFKA_PRODUCER, settings: configuration.merged(defaults: [:]), context: KafkaCallbackContext(logger: logger))
        self.handle = handle
        try await executor.run { () throws(KafkaError) in
            try handle.awaitBroker(bootstrap: configuration.bootstrapServers, timeout: connectTimeout)
        }
    }

    /// The cluster id the brokers report (DescribeCluster / metadata). Throws `.timeout` if none
    /// arrives in time.
    public func clusterID(timeout: Duration = .seconds(10)) async throws(KafkaError) -> String {
        let handle = self.handle
        guard let id = await executor.run({ handle.clusterID(timeout: timeout) }) else {
            throw KafkaError(code: .timeout, message: "the cluster did not report a cluster id within \(timeout)")
        }
        return id
    }

    /// Creates a topic. Returns `false` when it already existed and `ifNotExists` is set.
    @discardableResult
    public func createTopic(_ spec: KafkaTopicSpec, ifNotExists: Bool = true, timeout: Duration = .seconds(30))
        async throws(KafkaError)
        -> Bool
    {
        let handle = self.handle
        return try await executor.run { () throws(KafkaError) -> Bool in
            var errorText = [CChar](repeating: 0, count: 512)
            guard
                let topic = rd_kafka_NewTopic_new(spec.name, spec.partitions, spec.replicationFactor, &errorText, errorText.count)
            else {
                throw KafkaError(code: .configuration, message: "invalid topic \(spec.name): \(errorText.nulTerminatedString)")
            }
            defer { rd_kafka_NewTopic_destroy(topic) }
            for (key, value) in spec.configs.sorted(by: { $0.key < $1.key }) {
                let error = rd_kafka_NewTopic_set_config(topic, key, value)
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "topic config \(key)") }
            }
            let event = try Self.runAdmin(handle, timeout: timeout, what: "create topic \(spec.name)") { queue, options in
                var topics: [OpaquePointer?] = [topic]
                rd_kafka_CreateTopics(handle.pointer, &topics, 1, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            guard let result = rd_kafka_event_CreateTopics_result(event),
                let topics = rd_kafka_CreateTopics_result_topics(result, &count), count == 1
            else { throw KafkaError(code: .other, message: "create topic \(spec.name): no result from the broker") }
            let error = rd_kafka_topic_result_error(topics[0])
            if error == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS && ifNotExists { return false }
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let detail = rd_kafka_topic_result_error_string(topics[0]).map { String(cString: $0) } ?? ""
                throw KafkaError(error, context: "create topic \(spec.name)\(detail.isEmpty ? "" : " (\(detail))")")
            }
            return true
        }
    }

    /// Deletes a topic (no error if it does not exist).
    public func deleteTopic(_ name: String, timeout: Duration = .seconds(30)) async throws(KafkaError) {
        let handle = self.handle
        try await executor.run { () throws(KafkaError) in
            let topic = rd_kafka_DeleteTopic_new(name)
            defer { rd_kafka_DeleteTopic_destroy(topic) }
            let event = try Self.runAdmin(handle, timeout: timeout, what: "delete topic \(name)") { queue, options in
                var topics: [OpaquePointer?] = [topic]
                rd_kafka_DeleteTopics(handle.pointer, &topics, 1, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            if let result = rd_kafka_event_DeleteTopics_result(event),
                let topics = rd_kafka_DeleteTopics_result_topics(result, &count), count == 1
            {
                let error = rd_kafka_topic_result_error(topics[0])
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART else {
                    throw KafkaError(error, context: "delete topic \(name)")
                }
            }
        }
    }

    /// The topic's configs as the broker reports them (`cleanup.policy`, `retention.ms`, …).
    public func describeTopicConfigs(_ name: String, timeout: Duration = .seconds(30)) async throws(KafkaError) -> [String:
        String]
    {
        let handle = self.handle
        return try await executor.run { () throws(KafkaError) -> [String: String] in
            let resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name)
            defer { rd_kafka_ConfigResource_destroy(resource) }
            let event = try Self.runAdmin(handle, timeout: timeout, what: "describe configs of \(name)") { queue, options in
                var resources: [OpaquePointer?] = [resource]
                rd_kafka_DescribeConfigs(handle.pointer, &resources, 1, options, queue)
            }
            defer { rd_kafka_event_destroy(event) }
            var count = 0
            guard let result = rd_kafka_event_DescribeConfigs_result(event),
                let resources = rd_kafka_DescribeConfigs_result_resources(result, &count), count == 1
            else { throw KafkaError(code: .other, message: "describe configs of \(name): no result from the broker") }
            let error = rd_kafka_ConfigResource_error(resources[0])
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(error, context: "describe configs of \(name)") }
            var entryCount = 0
            guard let entries = rd_kafka_ConfigResource_configs(resources[0], &entryCount) else { return [:] }
            var configs: [String: String] = [:]
            for index in 0..<entryCount {
                let entry = entries[index]
                let key = String(cString: rd_kafka_ConfigEntry_name(entry))
                configs[key] = rd_kafka_ConfigEntry_value(entry).map { String(cString: $0) } ?? ""
            }
            return configs
        }
    }

    /// The topic's partitions from cluster metadata.
    public func describeTopic(_ name: String, timeout: Duration = .seconds(10)) async throws(KafkaError) -> KafkaTopicDescription
    {
        guard let topic = try await metadata(topic: name, timeout: timeout).first(where: { $0.name == name }) else {
            throw KafkaError(code: .unknownTopicOrPartition, message: "topic \(name) does not exist")
        }
        return topic
    }

    /// Every topic's name and partitions.
    public func listTopics(timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicDescription] {
        try await metadata(topic: nil, timeout: timeout)
    }

    private func metadata(topic: String?, timeout: Duration) async throws(KafkaError) -> [KafkaTopicDescription] {
        let handle = self.handle
        return try await executor.run { () throws(KafkaError) -> [KafkaTopicDescription] in
            var metadata: UnsafePointer<rd_kafka_metadata>? = nil
            let topicHandle = topic.map { rd_kafka_topic_new(handle.pointer, $0, nil) } ?? nil
            defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
            let error = rd_kafka_metadata(
                handle.pointer, topicHandle == nil ? 1 : 0, topicHandle, &metadata, Int32(clamping: timeout.milliseconds))
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else { throw KafkaError(error, context: "metadata") }
            defer { rd_kafka_metadata_destroy(metadata) }
            var topics: [KafkaTopicDescription] = []
            for index in 0..<Int(metadata.pointee.topic_cnt) {
                let entry = metadata.pointee.topics[index]
                if entry.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART { continue }
                let partitions = (0..<Int(entry.partition_cnt)).map { entry.partitions[$0].id }
                topics.append(KafkaTopicDescription(name: String(cString: entry.topic), partitions: partitions.sorted()))
            }
            return topics
        }
    }

    /// Runs one admin request on a private queue and returns its result event (caller destroys it).
    private static func runAdmin(
        _ handle: KafkaHandle, timeout: Duration, what: String,
        _ start: (OpaquePointer?, OpaquePointer?) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        let queue = rd_kafka_queue_new(handle.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_ANY)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errorText = [CChar](repeating: 0, count: 256)
        _ = rd_kafka_AdminOptions_set_request_timeout(options, Int32(clamping: timeout.milliseconds), &errorText, errorText.count)
        start(queue, options)
        guard let event = rd_kafka_queue_poll(queue, Int32(clamping: timeout.milliseconds + 1000)) else {
            throw KafkaError(code: .timeout, message: "\(what): no answer within \(timeout)")
        }
        let error = rd_kafka_event_error(event)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
            rd_kafka_event_destroy(event)
            throw KafkaError(
                code: KafkaError.classify(error), name: String(cString: rd_kafka_err2name(error)), message: "\(what): \(text)")
        }
        return event
    }
}
