import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("ValueToKey")
struct ValueToKeyTests {
    @Test func structWithSchemaBecomesKeyStruct() throws {
        let transform = try ValueToKey(configuration: ["fields": "age,name"])
        let record = try applied(transform, sourceRecord(key: .string("old"), valueSchema: personSchema, value: alice))
        let keySchema = Schema.struct([("age", .int32), ("name", .string)])
        #expect(record.keySchema == keySchema)
        #expect(record.key == structValue(keySchema, ["age": .int32(30), "name": .string("alice")]))
        #expect(record.value == alice)
    }

    @Test func schemalessMapBecomesKeyMap() throws {
        let transform = try ValueToKey(configuration: ["fields": "id"])
        let record = try applied(
            transform, sinkRecord(keySchema: .string, key: .string("old"), value: map(["id": .int64(7), "x": .null])))
        #expect(record.keySchema == nil)
        #expect(record.key == map(["id": .int64(7)]))
    }

    @Test func missingFieldIsADataError() throws {
        let transform = try ValueToKey(configuration: ["fields": "nope"])
        expectDataError("Field does not exist: nope") {
            _ = try transform.apply(sourceRecord(valueSchema: personSchema, value: alice))
        }
        expectDataError("Only Map objects") { _ = try transform.apply(sourceRecord(value: .int32(1))) }
    }

    @Test func badConfig() {
        expectConfigError("fields") { _ = try ValueToKey(configuration: ["fields": " , "]) }
    }
}
