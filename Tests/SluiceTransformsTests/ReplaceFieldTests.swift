import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("ReplaceField")
struct ReplaceFieldTests {
    @Test func structWithSchemaExcludesAndRenames() throws {
        let transform = try ReplaceField(
            part: .value, configuration: ["exclude": "email", "renames": "name:full_name, age:years"])
        let record = try applied(transform, sourceRecord(valueSchema: personSchema, value: alice))
        let schema = try #require(record.valueSchema)
        #expect(schema.name == "com.example.Person")
        #expect(schema.fields.map(\.name) == ["full_name", "years"])
        #expect(schema.field("years")?.schema == .int32)
        #expect(record.value.structValue?["full_name"] == .string("alice"))
        #expect(record.value.structValue?["years"] == .int32(30))
    }

    @Test func schemalessMapInclude() throws {
        let transform = try ReplaceField(part: .value, configuration: ["include": "a,c", "renames": "c:see"])
        let record = try applied(transform, sourceRecord(value: map(["a": .int32(1), "b": .int32(2), "c": .int32(3)])))
        #expect(record.value == map(["a": .int32(1), "see": .int32(3)]))
    }

    @Test func deprecatedWhitelistAndBlacklist() throws {
        let value = map(["a": .int32(1), "b": .int32(2), "c": .int32(3)])
        let whitelist = try ReplaceField(part: .value, configuration: ["whitelist": "b"])
        #expect(try applied(whitelist, sourceRecord(value: value)).value == map(["b": .int32(2)]))
        let blacklist = try ReplaceField(part: .key, configuration: ["blacklist": "b"])
        #expect(try applied(blacklist, sourceRecord(key: value, value: .null)).key == map(["a": .int32(1), "c": .int32(3)]))
        let both = try ReplaceField(part: .value, configuration: ["include": "a", "whitelist": "b"])
        #expect(try applied(both, sourceRecord(value: value)).value == map(["a": .int32(1)]))
    }

    @Test func renameOntoExistingFieldIsADataError() throws {
        let transform = try ReplaceField(part: .value, configuration: ["renames": "name:age"])
        expectDataError("duplication") { _ = try transform.apply(sourceRecord(valueSchema: personSchema, value: alice)) }
    }

    @Test func badConfig() {
        expectConfigError("renames") { _ = try ReplaceField(part: .value, configuration: ["renames": "a:b,c"]) }
        expectConfigError("renames") { _ = try ReplaceField(part: .value, configuration: ["renames": "a:"]) }
    }
}
