import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("InsertHeader, DropHeaders")
struct HeaderTransformTests {
    @Test func insertHeaderAddsAStringHeader() throws {
        let transform = try InsertHeader(configuration: ["header": "source", "value.literal": "sluice"])
        let existing = ConnectHeader(key: "source", value: .string("old"))
        let record = try applied(transform, sourceRecord(value: .null, headers: [existing]))
        #expect(record.headers == [existing, ConnectHeader(key: "source", schema: .string, value: .string("sluice"))])
        #expect(record.header("source")?.value == .string("sluice"))
    }

    @Test func insertHeaderBadConfig() {
        expectConfigError("header") { _ = try InsertHeader(configuration: ["value.literal": "x"]) }
        expectConfigError("value.literal") { _ = try InsertHeader(configuration: ["header": "h"]) }
    }

    @Test func dropHeadersRemovesAllWithThoseNames() throws {
        let transform = try DropHeaders(configuration: ["headers": "a, b"])
        let headers = ["a", "c", "b", "a"].map { ConnectHeader(key: $0, value: .null) }
        let record = try applied(transform, sinkRecord(value: .null, headers: headers))
        #expect(record.headers.map(\.key) == ["c"])
        expectConfigError("headers") { _ = try DropHeaders(configuration: [:]) }
    }
}

@Suite("HeaderFrom")
struct HeaderFromTests {
    @Test func copyFromStructWithSchema() throws {
        let transform = try HeaderFrom(
            part: .value, configuration: ["fields": "name,age", "headers": "h_name,h_age", "operation": "copy"])
        let record = try applied(transform, sourceRecord(valueSchema: personSchema, value: alice))
        #expect(record.value == alice)
        #expect(record.valueSchema == personSchema)
        #expect(
            record.headers == [
                ConnectHeader(key: "h_name", schema: .string, value: .string("alice")),
                ConnectHeader(key: "h_age", schema: .int32, value: .int32(30)),
            ])
    }

    @Test func moveFromStructWithSchema() throws {
        let transform = try HeaderFrom(part: .value, configuration: ["fields": "email", "headers": "email", "operation": "move"])
        let record = try applied(transform, sourceRecord(valueSchema: personSchema, value: alice))
        #expect(record.valueSchema?.fields.map(\.name) == ["name", "age"])
        #expect(record.valueSchema?.name == "com.example.Person")
        #expect(record.value.structValue?["name"] == .string("alice"))
        #expect(record.header("email") == ConnectHeader(key: "email", schema: .optionalString, value: .string("a@example.com")))
        let missing = try HeaderFrom(part: .value, configuration: ["fields": "nope", "headers": "h", "operation": "copy"])
        expectDataError("nope") { _ = try missing.apply(sourceRecord(valueSchema: personSchema, value: alice)) }
    }

    @Test func schemalessKeyCopyAndMove() throws {
        let key = map(["id": .int64(1), "tenant": .string("acme")])
        let copy = try HeaderFrom(part: .key, configuration: ["fields": "tenant", "headers": "tenant", "operation": "copy"])
        let copied = try applied(copy, sinkRecord(key: key, value: .null))
        #expect(copied.key == key)
        #expect(copied.headers == [ConnectHeader(key: "tenant", value: .string("acme"))])
        let move = try HeaderFrom(part: .key, configuration: ["fields": "tenant", "headers": "t", "operation": "MOVE"])
        let moved = try applied(move, sinkRecord(key: key, value: .null))
        #expect(moved.key == map(["id": .int64(1)]))
        #expect(moved.header("t")?.value == .string("acme"))
    }

    @Test func badConfig() {
        expectConfigError("headers") {
            _ = try HeaderFrom(part: .value, configuration: ["fields": "a,b", "headers": "h", "operation": "copy"])
        }
        expectConfigError("operation") {
            _ = try HeaderFrom(part: .value, configuration: ["fields": "a", "headers": "h", "operation": "swap"])
        }
        expectConfigError("operation") { _ = try HeaderFrom(part: .value, configuration: ["fields": "a", "headers": "h"]) }
        expectConfigError("fields") { _ = try HeaderFrom(part: .value, configuration: ["headers": "h", "operation": "copy"]) }
    }
}
