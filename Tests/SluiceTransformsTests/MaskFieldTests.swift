import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("MaskField")
struct MaskFieldTests {
    static let schema = Schema.struct([
        ("flag", .boolean), ("small", .int8), ("count", .int64), ("ratio", .float64), ("name", .string), ("blob", .bytes),
        ("tags", .array(.string)), ("attrs", .map(.string, .string)), ("price", LogicalType.decimal(scale: 2)),
        ("born", LogicalType.date()), ("seen", LogicalType.timestamp()), ("note", .optionalString),
    ])

    static let value = structValue(
        schema,
        [
            "flag": .boolean(true), "small": .int8(7), "count": .int64(99), "ratio": .float64(0.5), "name": .string("bob"),
            "blob": .bytes([1, 2]), "tags": .array([.string("x")]), "attrs": map(["k": .string("v")]),
            "price": .decimal(ConnectDecimal("12.34")!), "born": .date(19_000), "seen": .timestamp(123), "note": .null,
        ])

    @Test func structWithSchemaMasksToEmptyValues() throws {
        let fields = Self.schema.fields.map(\.name).joined(separator: ",")
        let transform = try MaskField(part: .value, configuration: ["fields": fields])
        let record = try applied(transform, sourceRecord(valueSchema: Self.schema, value: Self.value))
        #expect(record.valueSchema == Self.schema)
        let masked = try #require(record.value.structValue)
        #expect(masked["flag"] == .boolean(false))
        #expect(masked["small"] == .int8(0))
        #expect(masked["count"] == .int64(0))
        #expect(masked["ratio"] == .float64(0))
        #expect(masked["name"] == .string(""))
        #expect(masked["blob"] == .bytes([]))
        #expect(masked["tags"] == .array([]))
        #expect(masked["attrs"] == .map([]))
        #expect(masked["price"]?.doubleValue == 0)
        #expect(masked["born"] == .date(0))
        #expect(masked["seen"] == .timestamp(0))
        #expect(masked["note"] == .null)
        try masked.validate()
    }

    @Test func schemalessMapWithReplacement() throws {
        let transform = try MaskField(part: .key, configuration: ["fields": "ssn,pin,missing", "replacement": "0000"])
        let record = try applied(
            transform, sourceRecord(key: map(["ssn": .string("123-45"), "pin": .int64(4321), "id": .int32(1)]), value: .null))
        #expect(record.key == map(["ssn": .string("0000"), "pin": .int64(0), "id": .int32(1)]))
    }

    @Test func replacementMustFitTheType() throws {
        let numeric = try MaskField(part: .value, configuration: ["fields": "count,price", "replacement": "5"])
        let masked = try applied(numeric, sourceRecord(valueSchema: Self.schema, value: Self.value)).value.structValue
        #expect(masked?["count"] == .int64(5))
        #expect(masked?["price"] == .decimal(ConnectDecimal("5.00")!))
        let text = try MaskField(part: .value, configuration: ["fields": "count", "replacement": "***"])
        expectDataError("Unable to convert") { _ = try text.apply(sourceRecord(valueSchema: Self.schema, value: Self.value)) }
        let flag = try MaskField(part: .value, configuration: ["fields": "flag", "replacement": "x"])
        expectDataError("Cannot mask") { _ = try flag.apply(sourceRecord(valueSchema: Self.schema, value: Self.value)) }
    }

    @Test func badConfig() {
        expectConfigError("fields") { _ = try MaskField(part: .value, configuration: [:]) }
        expectConfigError("replacement") { _ = try MaskField(part: .value, configuration: ["fields": "a", "replacement": ""]) }
    }
}
