import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("Cast")
struct CastTests {
    @Test func structFieldsWithSchema() throws {
        let transform = try Cast(part: .value, configuration: ["spec": "age:string, name:int64"])
        let schema = Schema.struct(name: "P", [("name", .optionalString), ("age", .int32), ("other", .boolean)])
        let value = structValue(schema, ["name": .string("12"), "age": .int32(30), "other": .boolean(true)])
        let record = try applied(transform, sourceRecord(valueSchema: schema, value: value))
        let updated = try #require(record.valueSchema)
        #expect(updated.name == "P")
        #expect(updated.field("name")?.schema == .optionalInt64)
        #expect(updated.field("age")?.schema == .string)
        #expect(updated.field("other")?.schema == .boolean)
        #expect(record.value.structValue?["name"] == .int64(12))
        #expect(record.value.structValue?["age"] == .string("30"))
        #expect(record.value.structValue?["other"] == .boolean(true))
    }

    @Test func schemalessMapFields() throws {
        let transform = try Cast(part: .key, configuration: ["spec": "a:float32,b:boolean,c:int8"])
        let record = try applied(
            transform, sourceRecord(key: map(["a": .string("1.5"), "b": .int64(0), "c": .int64(300)]), value: .null))
        #expect(record.key == map(["a": .float32(1.5), "b": .boolean(false), "c": .int8(44)]))
    }

    @Test func wholeValue() throws {
        let transform = try Cast(part: .value, configuration: ["spec": "int32"])
        let record = try applied(transform, sourceRecord(valueSchema: .optionalFloat64, value: .float64(-3.9)))
        #expect(record.valueSchema == .optionalInt32)
        #expect(record.value == .int32(-3))
        #expect(try applied(transform, sourceRecord(value: .string("17"))).value == .int32(17))
        #expect(try applied(transform, sourceRecord(value: .boolean(true))).value == .int32(1))
        expectDataError("does not support casting from struct") {
            _ = try transform.apply(sourceRecord(valueSchema: personSchema, value: alice))
        }
    }

    @Test func javaConversionRules() throws {
        #expect(try Cast.cast(.float64(1e20), to: .int32) == .int32(Int32.max))
        #expect(try Cast.cast(.float64(.nan), to: .int64) == .int64(0))
        #expect(try Cast.cast(.int64(0x1_0000_0001), to: .int32) == .int32(1))
        #expect(try Cast.cast(.string("TRUE"), to: .boolean) == .boolean(true))
        #expect(try Cast.cast(.string("yes"), to: .boolean) == .boolean(false))
        #expect(try Cast.cast(.float32(0.5), to: .boolean) == .boolean(false))
        #expect(try Cast.cast(.float64(2.5), to: .string) == .string("2.5"))
        #expect(try Cast.cast(.timestamp(86_400_001), to: .string) == .string("1970-01-02T00:00:00.001Z"))
        #expect(try Cast.cast(.timestamp(86_400_001), to: .int64) == .int64(86_400_001))
        #expect(try Cast.cast(.date(1), to: .string) == .string("1970-01-02"))
        #expect(try Cast.cast(.decimal(ConnectDecimal("2.75")!), to: .float64) == .float64(2.75))
        #expect(try Cast.cast(.bytes([104, 105]), to: .string) == .string("aGk="))
        expectDataError("out of range") { _ = try Cast.cast(.string("300"), to: .int8) }
        expectDataError("out of range") { _ = try Cast.cast(.string("abc"), to: .float64) }
    }

    @Test func badConfig() {
        expectConfigError("spec") { _ = try Cast(part: .value, configuration: [:]) }
        expectConfigError("spec") { _ = try Cast(part: .value, configuration: ["spec": "a:decimal"]) }
        expectConfigError("spec") { _ = try Cast(part: .value, configuration: ["spec": "a:int8,int16"]) }
    }
}
