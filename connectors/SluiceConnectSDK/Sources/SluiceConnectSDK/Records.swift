/// A topic partition, as Kafka names it.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)-\(partition)" }
}

/// A record header: key, optional schema, value.
public struct ConnectHeader: Sendable, Hashable {
    public var key: String
    public var schema: Schema?
    public var value: ConnectValue

    public init(key: String, schema: Schema? = nil, value: ConnectValue) {
        self.key = key
        self.schema = schema
        self.value = value
    }
}

/// What every Connect record has; transformations work on this.
public protocol ConnectRecord: Sendable {
    var topic: String { get set }
    var kafkaPartition: Int32? { get set }
    var keySchema: Schema? { get set }
    var key: ConnectValue { get set }
    var valueSchema: Schema? { get set }
    var value: ConnectValue { get set }
    /// Milliseconds since the Unix epoch.
    var timestamp: Int64? { get set }
    var headers: [ConnectHeader] { get set }
}

extension ConnectRecord {
    /// A copy with `changes` applied (the idiom transformations use).
    public func with(_ changes: (inout Self) throws -> Void) rethrows -> Self {
        var copy = self
        try changes(&copy)
        return copy
    }

    /// The last header with `key`.
    public func header(_ key: String) -> ConnectHeader? { headers.last { $0.key == key } }
}

/// A record produced by a source task. `sourcePartition`/`sourceOffset` say where in the source
/// it came from; the runtime stores the offset once the record is acknowledged by Kafka.
public struct SourceRecord: ConnectRecord, Hashable {
    public var sourcePartition: JSONObject
    public var sourceOffset: JSONObject
    public var topic: String
    public var kafkaPartition: Int32?
    public var keySchema: Schema?
    public var key: ConnectValue
    public var valueSchema: Schema?
    public var value: ConnectValue
    public var timestamp: Int64?
    public var headers: [ConnectHeader]

    public init(
        sourcePartition: JSONObject, sourceOffset: JSONObject, topic: String, kafkaPartition: Int32? = nil,
        keySchema: Schema? = nil,
        key: ConnectValue = .null, valueSchema: Schema? = nil, value: ConnectValue, timestamp: Int64? = nil,
        headers: [ConnectHeader] = []
    ) {
        self.sourcePartition = sourcePartition
        self.sourceOffset = sourceOffset
        self.topic = topic
        self.kafkaPartition = kafkaPartition
        self.keySchema = keySchema
        self.key = key
        self.valueSchema = valueSchema
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
    }
}

/// A record delivered to a sink task, with its Kafka coordinates.
public struct SinkRecord: ConnectRecord, Hashable {
    public var topic: String
    public var kafkaPartition: Int32?
    public var kafkaOffset: Int64
    public var keySchema: Schema?
    public var key: ConnectValue
    public var valueSchema: Schema?
    public var value: ConnectValue
    public var timestamp: Int64?
    public var headers: [ConnectHeader]
    /// The value as compact JSON text, for a task that asked for it
    /// (`SinkTaskContext.deliverValuesAsJSONText`) when the runtime could give it so; `value` is
    /// then not built (`.null`, with no schema). `nil` otherwise, and for a tombstone.
    public var valueJSON: [UInt8]?
    /// The topic/partition/offset as consumed, before any transformation renamed the topic.
    public let originalTopic: String
    public let originalKafkaPartition: Int32
    public let originalKafkaOffset: Int64

    public init(
        topic: String, kafkaPartition: Int32, kafkaOffset: Int64, keySchema: Schema? = nil, key: ConnectValue = .null,
        valueSchema: Schema? = nil, value: ConnectValue, timestamp: Int64? = nil, headers: [ConnectHeader] = [],
        valueJSON: [UInt8]? = nil
    ) {
        self.topic = topic
        self.kafkaPartition = kafkaPartition
        self.kafkaOffset = kafkaOffset
        self.keySchema = keySchema
        self.key = key
        self.valueSchema = valueSchema
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
        self.valueJSON = valueJSON
        self.originalTopic = topic
        self.originalKafkaPartition = kafkaPartition
        self.originalKafkaOffset = kafkaOffset
    }

    /// The original position as a topic partition.
    public var originalTopicPartition: TopicPartition { TopicPartition(topic: originalTopic, partition: originalKafkaPartition) }
}

/// Where Kafka stored an acknowledged source record (given to `SourceTask.commitRecord`).
public struct RecordMetadata: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var timestamp: Int64?

    public init(topic: String, partition: Int32, offset: Int64, timestamp: Int64?) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
    }
}

/// A schema and a value, as converters return them.
public struct SchemaAndValue: Sendable, Hashable {
    public var schema: Schema?
    public var value: ConnectValue

    public init(schema: Schema?, value: ConnectValue) {
        self.schema = schema
        self.value = value
    }

    public static let null = SchemaAndValue(schema: nil, value: .null)
}
