import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("HoistField")
struct HoistFieldTests {
    @Test func withSchemaWrapsInAStruct() throws {
        let transform = try HoistField(part: .value, configuration: ["field": "person"])
        let record = try applied(transform, sourceRecord(valueSchema: personSchema, value: alice))
        let schema = Schema.struct([("person", personSchema)])
        #expect(record.valueSchema == schema)
        #expect(record.value == structValue(schema, ["person": alice]))
    }

    @Test func schemalessWrapsInAMap() throws {
        let transform = try HoistField(part: .key, configuration: ["field": "id"])
        let record = try applied(transform, sourceRecord(key: .int64(3), value: .string("v")))
        #expect(record.key == map(["id": .int64(3)]))
        #expect(record.keySchema == nil)
    }

    @Test func badConfig() {
        expectConfigError("field") { _ = try HoistField(part: .value, configuration: ["field": ""]) }
    }
}
