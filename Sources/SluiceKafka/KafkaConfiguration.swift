import SluiceSupport

/// Client settings: the bootstrap servers plus any librdkafka setting, passed through unchanged
/// (see librdkafka's CONFIGURATION.md). Sluice's defaults are applied under the caller's.
public struct KafkaConfiguration: Sendable, CustomStringConvertible {
    public var bootstrapServers: String
    /// librdkafka settings (`client.id`, `security.protocol`, `sasl.*`, `linger.ms`, …).
    public var settings: [String: String]

    public init(bootstrapServers: String, settings: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.settings = settings
    }

    /// All settings for librdkafka: `defaults`, overridden by the caller's, plus bootstrap servers.
    func merged(defaults: [String: String]) -> [String: String] {
        var all = defaults
        for (key, value) in settings { all[key] = value }
        all["bootstrap.servers"] = bootstrapServers
        return all
    }

    /// Settings with secret values hidden, for logs.
    public var description: String {
        let shown = settings.sorted { $0.key < $1.key }.map { "\($0.key)=\(Redaction.display(key: $0.key, value: $0.value))" }
        return
            "KafkaConfiguration(bootstrap.servers=\(bootstrapServers)\(shown.isEmpty ? "" : ", " + shown.joined(separator: ", ")))"
    }
}

/// A topic partition.
public struct TopicPartition: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)-\(partition)" }
}

/// A position in a partition. Kafka's convention: a committed offset is the *next* offset to read.
public struct TopicPartitionOffset: Sendable, Hashable, CustomStringConvertible {
    public var topicPartition: TopicPartition
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topicPartition = TopicPartition(topic: topic, partition: partition)
        self.offset = offset
    }

    public var topic: String { topicPartition.topic }
    public var partition: Int32 { topicPartition.partition }
    public var description: String { "\(topicPartition)@\(offset)" }
}

/// A record header. Values are bytes; `nil` is a null header value.
public struct KafkaHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
