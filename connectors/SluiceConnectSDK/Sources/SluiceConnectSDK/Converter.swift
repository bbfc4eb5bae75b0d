import Foundation

/// Turns Connect data into bytes for Kafka and back (Kafka Connect's `Converter`).
/// Configured once per connector for keys and once for values.
public protocol Converter: Sendable {
    /// `configuration` holds the `key.converter.*` / `value.converter.*` settings without prefix.
    init(configuration: [String: String], isKey: Bool) throws
    /// `nil` bytes for a null value (a tombstone).
    func fromConnectData(topic: String, schema: Schema?, value: ConnectValue) throws -> [UInt8]?
    func toConnectData(topic: String, bytes: [UInt8]?) throws -> SchemaAndValue
}

/// Turns header values into bytes and back (Kafka Connect's `HeaderConverter`).
public protocol HeaderConverter: Sendable {
    init(configuration: [String: String]) throws
    func fromConnectHeader(topic: String, key: String, schema: Schema?, value: ConnectValue) throws -> [UInt8]?
    func toConnectHeader(topic: String, key: String, bytes: [UInt8]?) throws -> SchemaAndValue
}

/// `org.apache.kafka.connect.storage.StringConverter`: UTF-8 text; reads back as an optional string.
public struct StringConverter: Converter, HeaderConverter {
    public init(configuration: [String: String], isKey: Bool) {}
    public init(configuration: [String: String]) {}

    public func fromConnectData(topic: String, schema: Schema?, value: ConnectValue) throws -> [UInt8]? {
        value == .null ? nil : Array(Self.text(of: value).utf8)
    }

    public func toConnectData(topic: String, bytes: [UInt8]?) throws -> SchemaAndValue {
        SchemaAndValue(schema: .optionalString, value: bytes.map { .string(String(decoding: $0, as: UTF8.self)) } ?? .null)
    }

    public func fromConnectHeader(topic: String, key: String, schema: Schema?, value: ConnectValue) throws -> [UInt8]? {
        try fromConnectData(topic: topic, schema: schema, value: value)
    }

    public func toConnectHeader(topic: String, key: String, bytes: [UInt8]?) throws -> SchemaAndValue {
        try toConnectData(topic: topic, bytes: bytes)
    }

    /// How a value reads as text: strings as-is, numbers and booleans plainly, bytes as UTF-8,
    /// everything else as schemaless JSON.
    static func text(of value: ConnectValue) -> String {
        switch value {
        case .string(let text): text
        case .boolean(let flag): flag ? "true" : "false"
        case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
        case .decimal(let decimal): decimal.description
        case .int8, .int16, .int32, .int64, .date, .time, .timestamp: String(value.int64Value ?? 0)
        case .float32(let number): String(number)
        case .float64(let number): String(number)
        default: JsonConverter.payload(schema: nil, value: value, decimalNumeric: false).jsonString
        }
    }
}

/// `org.apache.kafka.connect.converters.ByteArrayConverter`: bytes pass through unchanged.
public struct ByteArrayConverter: Converter, HeaderConverter {
    public init(configuration: [String: String], isKey: Bool) {}
    public init(configuration: [String: String]) {}

    public func fromConnectData(topic: String, schema: Schema?, value: ConnectValue) throws -> [UInt8]? {
        switch value {
        case .null: return nil
        case .bytes(let bytes): return bytes
        default:
            throw DataException(
                "ByteArrayConverter only handles bytes; got \(value) for topic \(topic). Use JsonConverter or StringConverter.")
        }
    }

    public func toConnectData(topic: String, bytes: [UInt8]?) throws -> SchemaAndValue {
        SchemaAndValue(schema: .optionalBytes, value: bytes.map { .bytes($0) } ?? .null)
    }

    public func fromConnectHeader(topic: String, key: String, schema: Schema?, value: ConnectValue) throws -> [UInt8]? {
        try fromConnectData(topic: topic, schema: schema, value: value)
    }

    public func toConnectHeader(topic: String, key: String, bytes: [UInt8]?) throws -> SchemaAndValue {
        try toConnectData(topic: topic, bytes: bytes)
    }
}

/// `org.apache.kafka.connect.storage.SimpleHeaderConverter`-like default: strings and numbers as
/// text, complex values as JSON; reads numbers and booleans back when the text is one.
public struct SimpleHeaderConverter: HeaderConverter {
    public init(configuration: [String: String]) {}

    public func fromConnectHeader(topic: String, key: String, schema: Schema?, value: ConnectValue) throws -> [UInt8]? {
        value == .null ? nil : Array(StringConverter.text(of: value).utf8)
    }

    public func toConnectHeader(topic: String, key: String, bytes: [UInt8]?) throws -> SchemaAndValue {
        guard let bytes else { return .null }
        let text = String(decoding: bytes, as: UTF8.self)
        if let number = Int64(text) { return SchemaAndValue(schema: .int64, value: .int64(number)) }
        if text == "true" || text == "false" { return SchemaAndValue(schema: .boolean, value: .boolean(text == "true")) }
        return SchemaAndValue(schema: .string, value: .string(text))
    }
}
