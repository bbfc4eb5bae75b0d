import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

/// A source record on topic `orders`, partition 3.
func sourceRecord(
    keySchema: Schema? = nil, key: ConnectValue = .null, valueSchema: Schema? = nil, value: ConnectValue,
    topic: String = "orders", timestamp: Int64? = nil, headers: [ConnectHeader] = []
) -> SourceRecord {
    SourceRecord(
        sourcePartition: ["file": "a.txt"], sourceOffset: ["line": 1], topic: topic, kafkaPartition: 3, keySchema: keySchema,
        key: key,
        valueSchema: valueSchema, value: value, timestamp: timestamp, headers: headers)
}

/// A sink record on topic `orders`, partition 3, offset 42.
func sinkRecord(
    keySchema: Schema? = nil, key: ConnectValue = .null, valueSchema: Schema? = nil, value: ConnectValue,
    timestamp: Int64? = nil, headers: [ConnectHeader] = []
) -> SinkRecord {
    SinkRecord(
        topic: "orders", kafkaPartition: 3, kafkaOffset: 42, keySchema: keySchema, key: key, valueSchema: valueSchema,
        value: value,
        timestamp: timestamp, headers: headers)
}

/// A schemaless string-keyed map.
func map(_ entries: KeyValuePairs<String, ConnectValue>) -> ConnectValue { .stringMap(entries.map { ($0.key, $0.value) }) }

/// A struct of `schema` from values by field name.
func structValue(_ schema: Schema, _ values: [String: ConnectValue]) -> ConnectValue {
    .struct(ConnectStruct(schema: schema, values))
}

/// The `Person` schema most tests use: name (string), age (int32), email (optional string).
let personSchema = Schema.struct(
    name: "com.example.Person", [("name", .string), ("age", .int32), ("email", .optionalString)])

let alice = structValue(personSchema, ["name": .string("alice"), "age": .int32(30), "email": .string("a@example.com")])

/// Applies `transform` and requires it to keep the record.
func applied<T: Transformation, R: ConnectRecord>(
    _ transform: T, _ record: R, sourceLocation: SourceLocation = #_sourceLocation
) throws -> R {
    try #require(try transform.apply(record), sourceLocation: sourceLocation)
}

/// Expects `make` to throw a `ConfigException` for `key` whose message names the key.
func expectConfigError(
    _ key: String, sourceLocation: SourceLocation = #_sourceLocation, _ make: () throws -> Void
) {
    let error = #expect(throws: ConfigException.self, sourceLocation: sourceLocation) { try make() }
    #expect(
        error?.problems.contains { $0.key == key } == true, "problems: \(error?.problems.map(\.key) ?? [])",
        sourceLocation: sourceLocation)
    #expect(error?.description.contains(key) == true, "message: \(error?.description ?? "")", sourceLocation: sourceLocation)
}

/// Expects `body` to throw a `DataException` whose message contains `text`.
func expectDataError(_ text: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    let error = #expect(throws: DataException.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.message.contains(text) == true, "message: \(error?.message ?? "")", sourceLocation: sourceLocation)
}
