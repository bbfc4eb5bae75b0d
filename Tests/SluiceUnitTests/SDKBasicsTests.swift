import SluiceConnectSDK
import Testing

@Suite("SDK basics: JSON, decimals, ConfigDef")
struct SDKBasicsTests {
    @Test("JSON parses and prints with key order, integers and escapes")
    func json() throws {
        let text = #"{"b":1,"a":[true,null,-2.5e3,"x\n\u00e9\ud83d\ude00"],"c":{}}"#
        let value = try JSONValue.parse(text)
        #expect(value["b"] == .int(1))
        #expect(value["a"]?.arrayValue?[2] == .double(-2500))
        #expect(value["a"]?.arrayValue?[3] == .string("x\né😀"))
        #expect(value.objectValue?.keys == ["b", "a", "c"])
        #expect(try JSONValue.parse(value.jsonString) == value)
        for bad in ["", "{", "[1,]", "{\"a\"}", "tru", "\"\\x\"", "1 2"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue.parse(bad) }
        }
    }

    @Test("decimals round-trip through two's-complement bytes")
    func decimals() throws {
        for text in ["0", "1", "-1", "127", "128", "-128", "-129", "12.34", "-0.05", "123456789012345678901234567890.123"] {
            let decimal = try #require(ConnectDecimal(text))
            #expect(decimal.description == text)
        }
        #expect(ConnectDecimal("1.2.3") == nil)
        #expect(ConnectDecimal("abc") == nil)
    }

    @Test("ConfigDef validates per key, with defaults, ranges, choices and hidden passwords")
    func configDef() throws {
        let definition = ConfigDef()
            .define("host", .string, validator: .nonEmpty, importance: .high, documentation: "Host.")
            .define("port", .int, default: "5432", validator: .range(min: 1, max: 65535), documentation: "Port.")
            .define("mode", .string, default: "initial", validator: .oneOf(["initial", "never"]), documentation: "Mode.")
            .define("password", .password, documentation: "Password.")
            .define("tags", .list, optional: true, documentation: "Tags.")
        let reports = definition.validate(["port": "70000", "mode": "sometimes", "password": "s3cret"])
        let errors = Dictionary(uniqueKeysWithValues: reports.map { ($0.name, $0.errors) })
        #expect(errors["host"]?.first?.contains("Missing required configuration \"host\"") == true)
        #expect(errors["port"]?.first?.contains("at most 65535") == true)
        #expect(errors["mode"]?.first?.contains("initial, never") == true)
        #expect(errors["password"] == [])
        #expect(errors["tags"] == [])
        #expect(reports.first { $0.name == "password" }?.value == "[hidden]")
        #expect(reports.first { $0.name == "mode" }?.recommendedValues == ["initial", "never"])

        let parsed = try definition.parse(["host": "db", "password": "s3cret", "tags": "a, b,,c"])
        #expect(parsed.int("port") == 5432)
        #expect(parsed.list("tags") == ["a", "b", "c"])
        #expect("\(parsed.password("password")!)" == "[hidden]")
        #expect(parsed.password("password")?.value == "s3cret")
        let failure = #expect(throws: ConfigException.self) { try definition.parse(["port": "x"]) }
        #expect(failure?.problems.map(\.key).sorted() == ["host", "password", "port"])
        #expect(failure.map { "\($0)".contains("s3cret") } == false)
    }
}
