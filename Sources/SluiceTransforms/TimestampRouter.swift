import SluiceConnectSDK

/// `TimestampRouter`: renames the topic from `topic.format` (default `${topic}-${timestamp}`),
/// where `${topic}` is the current topic and `${timestamp}` the record timestamp formatted with
/// the `SimpleDateFormat` pattern `timestamp.format` (default `yyyyMMdd`, UTC).
public struct TimestampRouter: Transformation {
    let topicFormat: String
    let timestampFormat: DatePattern

    public init(configuration: [String: String]) throws {
        topicFormat = configuration["topic.format"] ?? "${topic}-${timestamp}"
        if topicFormat.isEmpty {
            throw ConfigException(key: "topic.format", "topic.format must not be empty; use e.g. ${topic}-${timestamp}")
        }
        let pattern = configuration["timestamp.format"] ?? "yyyyMMdd"
        do {
            timestampFormat = try DatePattern(pattern)
        } catch {
            throw ConfigException(
                key: "timestamp.format", "timestamp.format is not a valid SimpleDateFormat pattern: \(error.message)")
        }
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        guard let timestamp = record.timestamp else {
            throw DataException("Timestamp missing on record: topic \(record.topic); TimestampRouter needs record timestamps")
        }
        let topic = topicFormat.replacing("${topic}", with: record.topic)
            .replacing("${timestamp}", with: timestampFormat.format(millis: timestamp))
        return record.with { $0.topic = topic }
    }
}
