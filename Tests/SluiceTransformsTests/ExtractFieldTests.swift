import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("ExtractField")
struct ExtractFieldTests {
    static let addressSchema = Schema.struct([("city", .string), ("zip", .optionalString)])
    static let customerSchema = Schema.struct([("id", .int64), ("address", addressSchema)])
    static let customer = structValue(
        customerSchema, ["id": .int64(9), "address": structValue(addressSchema, ["city": .string("Oslo"), "zip": .null])])

    @Test func structWithSchema() throws {
        let transform = try ExtractField(part: .value, configuration: ["field": "age"])
        let record = try applied(transform, sourceRecord(valueSchema: personSchema, value: alice))
        #expect(record.valueSchema == .int32)
        #expect(record.value == .int32(30))
    }

    @Test func schemalessMap() throws {
        let transform = try ExtractField(part: .key, configuration: ["field": "id"])
        let record = try applied(transform, sourceRecord(key: map(["id": .int64(5), "x": .int32(1)]), value: .null))
        #expect(record.keySchema == nil)
        #expect(record.key == .int64(5))
        #expect(try applied(transform, sourceRecord(key: map(["x": .int32(1)]), value: .null)).key == .null)
    }

    @Test func nestedPathsWithV2() throws {
        let transform = try ExtractField(part: .value, configuration: ["field": "address.city", "field.syntax.version": "V2"])
        let record = try applied(transform, sourceRecord(valueSchema: Self.customerSchema, value: Self.customer))
        #expect(record.valueSchema == .string)
        #expect(record.value == .string("Oslo"))
        let nestedMap = map(["address": map(["city": .string("Rome")])])
        #expect(try applied(transform, sourceRecord(value: nestedMap)).value == .string("Rome"))
        // V1 treats the dotted name as one field.
        let v1 = try ExtractField(part: .value, configuration: ["field": "a.b"])
        #expect(try applied(v1, sourceRecord(value: map(["a.b": .int32(1)]))).value == .int32(1))
    }

    @Test func v2Backticks() throws {
        #expect(try FieldPath.parseV2("a.`b.c`.d", key: "field") == ["a", "b.c", "d"])
        #expect(try FieldPath.parseV2("`a\\`.b`", key: "field") == ["a`.b"])
        #expect(try FieldPath.parseV2("a.", key: "field") == ["a", ""])
        expectConfigError("field") { _ = try FieldPath.parseV2("`a.b", key: "field") }
    }

    @Test func unknownFieldWithSchema() throws {
        let transform = try ExtractField(part: .value, configuration: ["field": "nope"])
        expectDataError("Unknown field: nope") { _ = try transform.apply(sourceRecord(valueSchema: personSchema, value: alice)) }
    }

    @Test func nullValueGivesNull() throws {
        let transform = try ExtractField(part: .value, configuration: ["field": "age"])
        let record = try applied(transform, sourceRecord(valueSchema: personSchema.optional, value: .null))
        #expect(record.value == .null)
        #expect(record.valueSchema == .int32)
    }

    @Test func badConfig() {
        expectConfigError("field") { _ = try ExtractField(part: .value, configuration: [:]) }
        expectConfigError("field.syntax.version") {
            _ = try ExtractField(part: .value, configuration: ["field": "a", "field.syntax.version": "V3"])
        }
    }
}
