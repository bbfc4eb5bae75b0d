import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("InsertField")
struct InsertFieldTests {
    let configuration = [
        "topic.field": "topic!", "partition.field": "partition", "offset.field": "offset?", "timestamp.field": "ts",
        "static.field": "origin", "static.value": "sluice",
    ]

    @Test func structWithSchemaGetsNewFields() throws {
        let transform = try InsertField(part: .value, configuration: configuration)
        let record = try applied(transform, sinkRecord(valueSchema: personSchema, value: alice, timestamp: 1_000))
        let schema = try #require(record.valueSchema)
        #expect(schema.name == "com.example.Person")
        #expect(schema.fields.map(\.name) == ["name", "age", "email", "topic", "partition", "offset", "ts", "origin"])
        #expect(schema.field("topic")?.schema == .string)
        #expect(schema.field("partition")?.schema == .optionalInt32)
        #expect(schema.field("offset")?.schema == .optionalInt64)
        #expect(schema.field("ts")?.schema == LogicalType.timestamp(optional: true))
        #expect(schema.field("origin")?.schema == .optionalString)
        let value = try #require(record.value.structValue)
        #expect(value["name"] == .string("alice"))
        #expect(value["topic"] == .string("orders"))
        #expect(value["partition"] == .int32(3))
        #expect(value["offset"] == .int64(42))
        #expect(value["ts"] == .timestamp(1_000))
        #expect(value["origin"] == .string("sluice"))
        try value.validate()
    }

    @Test func schemalessMapGetsNewEntries() throws {
        let transform = try InsertField(part: .value, configuration: configuration)
        let record = try applied(transform, sinkRecord(value: map(["id": .int64(1)]), timestamp: 5))
        #expect(
            record.value
                == map([
                    "id": .int64(1), "topic": .string("orders"), "partition": .int32(3), "offset": .int64(42), "ts": .int64(5),
                    "origin": .string("sluice"),
                ]))
        #expect(record.valueSchema == nil)
    }

    @Test func keyVariantAndMissingTimestamp() throws {
        let transform = try InsertField(part: .key, configuration: ["topic.field": "t", "timestamp.field": "ts"])
        let record = try applied(transform, sourceRecord(key: map(["id": .int64(1)]), value: .string("v")))
        #expect(record.key == map(["id": .int64(1), "t": .string("orders")]))
        #expect(record.value == .string("v"))
    }

    @Test func offsetOnlyForSinkRecords() throws {
        let transform = try InsertField(part: .value, configuration: ["offset.field": "offset"])
        expectDataError("only supported for sink") { _ = try transform.apply(sourceRecord(value: map(["a": .int32(1)]))) }
    }

    @Test func tombstonesPassThrough() throws {
        let transform = try InsertField(part: .value, configuration: configuration)
        let record = sinkRecord(valueSchema: personSchema, value: .null)
        #expect(try applied(transform, record) == record)
    }

    @Test func wrongShapesAreDataErrors() throws {
        let transform = try InsertField(part: .value, configuration: ["topic.field": "name"])
        expectDataError("duplication") { _ = try transform.apply(sinkRecord(valueSchema: personSchema, value: alice)) }
        expectDataError("Only Map objects") { _ = try transform.apply(sinkRecord(value: .string("x"))) }
        expectDataError("Only Struct objects") { _ = try transform.apply(sinkRecord(valueSchema: .string, value: .string("x"))) }
    }

    @Test func badConfig() {
        expectConfigError("static.value") { _ = try InsertField(part: .value, configuration: ["static.field": "origin"]) }
        expectConfigError("topic.field") { _ = try InsertField(part: .key, configuration: ["topic.field": "!"]) }
    }
}
