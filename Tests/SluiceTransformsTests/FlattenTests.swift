import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("Flatten")
struct FlattenTests {
    static let inner = Schema.struct([("city", .string), ("geo", .struct([("lat", .float64), ("lon", .float64)]))])
    static let outer = Schema.struct(
        name: "Customer",
        [
            ("id", .int64), ("address", inner), ("billing", Schema.struct(optional: true, [("city", .string)])),
            ("tags", .array(.string)),
        ])

    @Test func structWithSchema() throws {
        let geo = try #require(Self.inner.field("geo")?.schema)
        let value = structValue(
            Self.outer,
            [
                "id": .int64(1), "tags": .array([.string("a")]),
                "address": structValue(
                    Self.inner,
                    ["city": .string("Oslo"), "geo": structValue(geo, ["lat": .float64(59.9), "lon": .float64(10.7)])]),
            ])
        let transform = try Flatten(part: .value, configuration: ["delimiter": "_"])
        let record = try applied(transform, sourceRecord(valueSchema: Self.outer, value: value))
        let schema = try #require(record.valueSchema)
        #expect(schema.name == "Customer")
        #expect(
            schema.fields.map(\.name) == ["id", "address_city", "address_geo_lat", "address_geo_lon", "billing_city", "tags"])
        #expect(schema.field("address_city")?.schema == .string)
        #expect(schema.field("billing_city")?.schema == .optionalString)
        #expect(schema.field("tags")?.schema == .array(.string))
        let flat = try #require(record.value.structValue)
        #expect(flat["address_geo_lat"] == .float64(59.9))
        #expect(flat["billing_city"] == .null)
        #expect(flat["tags"] == .array([.string("a")]))
        try flat.validate()
    }

    @Test func schemalessMaps() throws {
        let transform = try Flatten(part: .key, configuration: [:])
        let key = map(["a": map(["b": .int32(1), "c": map(["d": .string("x")])]), "e": .array([.int32(1)]), "f": .null])
        let record = try applied(transform, sourceRecord(key: key, value: .null))
        #expect(record.key == map(["a.b": .int32(1), "a.c.d": .string("x"), "e": .array([.int32(1)]), "f": .null]))
    }

    @Test func badConfig() {
        expectConfigError("delimiter") { _ = try Flatten(part: .value, configuration: ["delimiter": ""]) }
    }
}
