import Testing

@testable import SluiceConnectSDK

@Suite("JsonConverter wire format (Kafka Connect compatible)")
struct JsonConverterTests {
    let withSchemas = try! JsonConverter(configuration: [:], isKey: false)
    let schemaless = try! JsonConverter(configuration: ["schemas.enable": "false"], isKey: false)

    func text(_ bytes: [UInt8]?) -> String { String(decoding: bytes ?? [], as: UTF8.self) }

    @Test("primitive types with the schema envelope")
    func primitives() throws {
        let cases: [(Schema, ConnectValue, String)] = [
            (.int8, .int8(12), #"{"schema":{"type":"int8","optional":false},"payload":12}"#),
            (.int16, .int16(-300), #"{"schema":{"type":"int16","optional":false},"payload":-300}"#),
            (.int32, .int32(42), #"{"schema":{"type":"int32","optional":false},"payload":42}"#),
            (.int64, .int64(4_000_000_000), #"{"schema":{"type":"int64","optional":false},"payload":4000000000}"#),
            (.float32, .float32(1.5), #"{"schema":{"type":"float","optional":false},"payload":1.5}"#),
            (.float64, .float64(2.25), #"{"schema":{"type":"double","optional":false},"payload":2.25}"#),
            (.boolean, .boolean(true), #"{"schema":{"type":"boolean","optional":false},"payload":true}"#),
            (.string, .string("héllo \"q\""), #"{"schema":{"type":"string","optional":false},"payload":"héllo \"q\""}"#),
            (.bytes, .bytes([1, 2, 3]), #"{"schema":{"type":"bytes","optional":false},"payload":"AQID"}"#),
            (.optionalString, .null, #"{"schema":{"type":"string","optional":true},"payload":null}"#),
        ]
        for (schema, value, expected) in cases {
            let bytes = try withSchemas.fromConnectData(topic: "t", schema: schema, value: value)
            #expect(text(bytes) == expected)
            let back = try withSchemas.toConnectData(topic: "t", bytes: bytes)
            #expect(back.value == value)
            #expect(back.schema?.type == schema.type)
        }
        // Kafka's JsonConverter names the floating point types float and double; the enum names are read too.
        let legacy = try withSchemas.toConnectData(
            topic: "t", bytes: Array(#"{"schema":{"type":"float64","optional":false},"payload":2.5}"#.utf8))
        #expect(legacy.schema?.type == .float64 && legacy.value == .float64(2.5))
    }

    @Test("JSON strings: escapes are written as JSON requires and read back; plain runs pass through")
    func stringEscapes() throws {
        let cases: [(String, String)] = [
            ("plain ascii", #""plain ascii""#),
            ("quote \" and backslash \\", #""quote \" and backslash \\""#),
            ("tab\tnew\nline\rcr", #""tab\tnew\nline\rcr""#),
            ("\u{01}\u{1F}", #""\u0001\u001f""#),
            ("héllo — 😀", #""héllo — 😀""#),
            ("", #""""#),
            ("\"", #""\"""#),
            ("end\\", #""end\\""#),
        ]
        for (text, json) in cases {
            #expect(JSONValue.string(text).jsonString == json)
            #expect(try JSONValue.parse(json) == .string(text))
        }
        // Escapes only a reader meets: \/, \b, \f, \u with a surrogate pair, escapes after a plain run.
        #expect(try JSONValue.parse(#""a\/b\bc\fd\u00e9\ud83d\ude00 tail""#) == .string("a/b\u{08}c\u{0C}dé😀 tail"))
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#""unterminated"#) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("\"raw\ncontrol\"") }
        #expect(throws: JSONParseError.self) { try JSONValue.parse(#""bad \q escape""#) }
    }

    @Test("writePayload writes exactly the text of the JSON tree payload builds")
    func directPayloadWriter() throws {
        let inner = Schema.struct(name: "inner", [("n", .optionalInt32), ("d", LogicalType.decimal(scale: 2))])
        let withDefault = Schema(type: .string, optional: true, defaultValue: .string("fallback"))
        let outer = Schema.struct([
            ("id", .int64), ("name", withDefault), ("tags", .array(.string)), ("inner", inner),
            ("scores", .map(.string, .float64)), ("raw", .optionalBytes),
        ])
        let innerValue = ConnectStruct(schema: inner, ["n": .null, "d": .decimal(ConnectDecimal("-1.25")!)])
        let outerValue = ConnectStruct(
            schema: outer,
            [
                "id": .int64(7), "name": .null, "tags": .array([.string("a\"b"), .string("")]), "inner": .struct(innerValue),
                "scores": .map([.init(.string("x"), .float64(1.0)), .init(.string("y"), .float64(2.5e-7))]),
                "raw": .bytes([0, 255]),
            ])
        let duplicateFields = Schema.struct([("a", .int32), ("a", .int32)])
        let cases: [(Schema?, ConnectValue)] = [
            (outer, .struct(outerValue)),
            (nil, .map([.init(.string("k"), .int64(1)), .init(.string("k"), .int64(2))])),  // duplicate keys merge
            (nil, .map([.init(.int64(1), .string("one"))])),  // non-string keys: pairs
            (.map(.int32, .string), .map([.init(.string("1"), .string("one"))])),  // the schema decides
            (nil, .array([.null, .boolean(true), .float32(0.5), .map([])])),
            (duplicateFields, .struct(ConnectStruct(schema: duplicateFields))),
            (withDefault, .null),
            (
                nil,
                .array([
                    .int8(-128), .int16(32767), .int32(-10), .int64(.min), .int64(.max), .date(-1), .time(86_399_999),
                    .timestamp(1_711_848_600_123), .float64(-0.0), .float64(1e16), .float64(.nan), .float64(-.infinity),
                    .string("é\u{1}"),
                ])
            ),
        ]
        for decimalNumeric in [false, true] {
            for (schema, value) in cases {
                var written: [UInt8] = []
                JsonConverter.writePayload(schema: schema, value: value, decimalNumeric: decimalNumeric, to: &written)
                let tree = JsonConverter.payload(schema: schema, value: value, decimalNumeric: decimalNumeric).jsonBytes
                #expect(text(written) == text(tree))
            }
        }
    }

    @Test("integers are written in decimal exactly as Swift prints them, doubles as Kafka Connect does")
    func numberText() {
        var integers: [Int64] = [0, 1, 9, 10, 99, 100, -1, -9, -10, 1_000_000_007, .max, .min, .max - 1, .min + 1]
        for shift in 0..<63 { integers += [1 << shift, (1 << shift) - 1, -(1 << shift)] }
        for value in integers { #expect(JSONValue.int(value).jsonString == String(value)) }
        #expect(JSONValue.double(3).jsonString == "3.0")
        #expect(JSONValue.double(-0.5).jsonString == "-0.5")
        #expect(JSONValue.double(1e16).jsonString == "1e+16")
        #expect(JSONValue.double(-12345678.0).jsonString == "-12345678.0")
        #expect(JSONValue.double(.infinity).jsonString == "null")
    }

    @Test("schemaless JSON parses straight to the Connect values the JSON tree maps to")
    func schemalessDirectParse() throws {
        let documents = [
            #"{"id":1,"name":"a\"b","amount":0.5,"ok":true,"none":null}"#, #"{"a":1,"b":2,"a":3}"#,
            #"[1,-2,3.5e2,-0.0,9223372036854775807,9223372036854775808,"x",[],{}]"#,
            #" { "nested" : { "list" : [ {"k":[null]} ] } } "#,
            "42", #""just a string \u00e9""#, "false",
        ]
        for document in documents {
            let bytes = Array(document.utf8)
            let direct = try schemaless.toConnectData(topic: "t", bytes: bytes)
            #expect(direct.schema == nil)
            #expect(direct.value == JsonConverter.schemaless(try JSONValue.parse(bytes)), "\(document)")
        }
        #expect(throws: DataException.self) { try schemaless.toConnectData(topic: "t", bytes: Array(#"{"a":1,}"#.utf8)) }
    }

    /// A sink's JSON text for a value, or the error it got.
    enum TextOutcome: Equatable {
        case text([UInt8]?)
        case failure(String)
    }

    /// What a sink writes for a schemaless value the long way: parse to Connect values, write the payload.
    func longWay(_ bytes: [UInt8]) -> TextOutcome {
        do {
            let value = try schemaless.toConnectData(topic: "t", bytes: bytes).value
            if value.isNull { return .text(nil) }
            var out: [UInt8] = []
            JsonConverter.writePayload(schema: nil, value: value, decimalNumeric: false, to: &out)
            return .text(out)
        } catch {
            return .failure("\(error)")
        }
    }

    func onePass(_ bytes: [UInt8]) -> TextOutcome {
        do { return .text(try JsonConverter.schemalessText(topic: "t", bytes: bytes)) } catch { return .failure("\(error)") }
    }

    @Test("schemaless JSON text in one pass is byte for byte what parsing and writing the value gives")
    func schemalessTextMatchesLongWay() throws {
        let documents = [
            #"{"id":1,"name":"a\"b","amount":0.5,"ok":true,"none":null}"#, #"{"a":1,"b":2,"a":3}"#,
            #"[1,-2,3.5e2,-0.0,1E+2,1.50,007,-0,9223372036854775807,9223372036854775808,-9223372036854775809,"x",[],{}]"#,
            " { \"nested\" : { \"list\" : [ {\"k\":[null]} ] } }\n\t", "42", #""just a string \u00e9""#, "false", "null",
            " null ",
            #"{"esc":"\/\b\f\n\r\t\u0001\u001F\u007f\"\\","pair":"\ud83d\ude00","raw":"é😀"}"#,
            #"{"é":1,"e\u0301":2}"#, #"{"K":1,"\u212a":2}"#, #"{"a\u0062":1,"ab":2}"#, #"{"\u0061":1,"b":2}"#,
            #"{"k":{"k":{"k":1}},"j":[{"k":1,"k":2}]}"#,
            "{" + (0..<20).map { #""f\#($0)":\#($0)"# }.joined(separator: ",") + "}",
            "{" + (0..<20).map { #""f\#($0 % 19)":\#($0)"# }.joined(separator: ",") + "}",
            "\u{FEFF}{}", "{}", "[]", "[ ]", "{ }", "\"\"", "0", "-", "--1", "1.", ".5", "1e", "tru", "nul", "falsey", "[1,]",
            #"{"a":1,}"#,
            #"{"a" 1}"#, #"{"a":}"#, "[1 2]", "{1:2}", "\"unterminated", "\"ctrl\u{1}\"", #""\x""#, #""\ud800""#,
            #""\ud800\u0041""#,
            #""\u12""#, "", "   ", "[[[[]]]]", String(repeating: "[", count: 511) + String(repeating: "]", count: 511),
            String(repeating: "[", count: 512) + String(repeating: "]", count: 512), "1 2", "{} {}",
            String(repeating: #"{"a":"#, count: 511) + "1" + String(repeating: "}", count: 511),
            String(repeating: #"{"a":"#, count: 512) + "1" + String(repeating: "}", count: 512),
        ]
        var inputs = documents.map { Array($0.utf8) }
        inputs += [
            [0x22, 0xC3, 0x28, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0xF0, 0x9F, 0x98, 0x80, 0x22],
            [0x22, 0xED, 0xA0, 0x80, 0x22],
        ]
        // Invalid UTF-8 (repaired to U+FFFD), also as two keys that become the same.
        inputs += [[0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x2C, 0x22, 0xFE, 0x22, 0x3A, 0x32, 0x7D]]
        // Random documents: every kind of value, whitespace, escapes, non-ASCII text, repeated keys.
        var generator = SplitMix64(seed: 20_261_129)
        for _ in 0..<3000 { inputs.append(Array(randomJSON(&generator, depth: 0).utf8)) }
        for input in inputs {
            #expect(onePass(input) == longWay(input), "\(String(decoding: input, as: UTF8.self))")
        }
        // The pass itself handles the common shapes (escapes and non-ASCII text included).
        for document in [0, 2, 3, 4, 5, 6, 9, 13].map({ documents[$0] }) {
            var compactor = SchemalessCompactor(bytes: Array(document.utf8))
            let handled = compactor.run()
            #expect(handled, "\(document)")
        }
        // Repeated keys (also as Strings compare them: é and e + U+0301, K and the Kelvin sign) and nulls: the long way.
        for document in [1, 7, 8, 10, 11, 12].map({ documents[$0] }) {
            var compactor = SchemalessCompactor(bytes: Array(document.utf8))
            let handled = compactor.run()
            #expect(!handled, "\(document)")
        }
    }

    func randomJSON(_ random: inout SplitMix64, depth: Int) -> String {
        func pick<T>(_ items: [T]) -> T { items[Int(random.next() % UInt64(items.count))] }
        func space() -> String { pick(["", "", "", " ", "\n", "\t ", "\r\n"]) }
        func string() -> String {
            let pieces = [
                "a", "Zz", "hello world ", "0123456789", "é", "ß", "😀", "\\\"", "\\\\", "\\/", "\\n", "\\u0000", "\\u00e9",
                "\\ud83d\\ude00", "\\u212a", "K", "e\u{301}", "\u{7F}", "~", String(repeating: "x", count: 40),
            ]
            return "\"" + (0..<Int(random.next() % 4)).map { _ in pick(pieces) }.joined() + "\""
        }
        let kind = depth > 4 ? random.next() % 6 : random.next() % 9
        switch kind {
        case 0: return pick(["true", "false", "null"])
        case 1, 2:
            return pick([
                "0", "-0", "7", "-12", "123456789012345678", "9223372036854775807", "-9223372036854775808",
                "18446744073709551616", "0.1", "2.5e-7", "1e16", "1E+2", "3.0", "-0.0", "1.5E300", "12.50", "1e400",
            ])
        case 3, 4, 5: return string()
        case 6:
            let items = (0..<Int(random.next() % 5)).map { _ in space() + randomJSON(&random, depth: depth + 1) + space() }
            return "[" + items.joined(separator: ",") + (items.isEmpty ? space() : "") + "]"
        default:
            let keys = ["a", "b", "id", "é", "e\u{301}", "K", "\\u212a", "a\\u0062", "ab", "\\n"]
            let members = (0..<Int(random.next() % 6)).map { _ in
                space() + "\"" + pick(keys) + "\"" + space() + ":" + space() + randomJSON(&random, depth: depth + 1) + space()
            }
            return "{" + members.joined(separator: ",") + (members.isEmpty ? space() : "") + "}"
        }
    }

    @Test("JSON strings: a special byte is found at every position of the eight-byte scan")
    func stringScanPositions() throws {
        // Bytes next to the special ones (space, ~, DEL, UTF-8 of é) must pass through unescaped.
        let plain = String(repeating: " ~\u{7F}éz", count: 7)
        #expect(JSONValue.string(plain).jsonString == "\"" + plain + "\"")
        #expect(try JSONValue.parse("\"" + plain + "\"") == .string(plain))
        for (special, escaped) in [("\"", #"\""#), ("\\", #"\\"#), ("\n", #"\n"#), ("\u{1F}", #"\u001f"#)] {
            for position in 0..<20 {
                let text = String(plain.prefix(position)) + special + "tail after the special byte"
                let json = "\"" + String(plain.prefix(position)) + escaped + "tail after the special byte\""
                #expect(JSONValue.string(text).jsonString == json)
                #expect(try JSONValue.parse(json) == .string(text))
            }
        }
    }

    @Test("logical types: Decimal (base64 unscaled), Date, Time, Timestamp")
    func logicalTypes() throws {
        let decimal = LogicalType.decimal(scale: 2)
        let bytes = try withSchemas.fromConnectData(topic: "t", schema: decimal, value: .decimal(ConnectDecimal("12.34")!))
        #expect(
            text(bytes)
                == #"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"BNI="}"#
        )
        let negative = try withSchemas.fromConnectData(topic: "t", schema: decimal, value: .decimal(ConnectDecimal("-12.34")!))
        #expect(text(negative).hasSuffix(#""payload":"+y4="}"#))
        let decoded = try withSchemas.toConnectData(topic: "t", bytes: negative)
        #expect(decoded.value == .decimal(ConnectDecimal(unscaled: [0xFB, 0x2E], scale: 2)))
        if case .decimal(let value) = decoded.value { #expect(value.description == "-12.34") }

        let date = try withSchemas.fromConnectData(topic: "t", schema: LogicalType.date(), value: .date(19_000))
        #expect(
            text(date)
                == #"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":19000}"#
        )
        #expect(try withSchemas.toConnectData(topic: "t", bytes: date).value == .date(19_000))
        let time = try withSchemas.fromConnectData(topic: "t", schema: LogicalType.time(), value: .time(3_600_000))
        #expect(try withSchemas.toConnectData(topic: "t", bytes: time).value == .time(3_600_000))
        let timestamp = try withSchemas.fromConnectData(
            topic: "t", schema: LogicalType.timestamp(), value: .timestamp(1_700_000_000_123))
        #expect(
            text(timestamp).hasSuffix(#""name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":1700000000123}"#))
        #expect(try withSchemas.toConnectData(topic: "t", bytes: timestamp).value == .timestamp(1_700_000_000_123))

        let numeric = try JsonConverter(configuration: ["decimal.format": "NUMERIC"], isKey: false)
        #expect(
            text(try numeric.fromConnectData(topic: "t", schema: decimal, value: .decimal(ConnectDecimal("12.34")!))).hasSuffix(
                #""payload":12.34}"#))
    }

    @Test("structs, arrays and maps keep Kafka Connect's field order and shapes")
    func structured() throws {
        let address = Schema.struct(name: "Address", optional: true, [("city", .string)])
        let schema = Schema.struct(
            name: "com.example.Person",
            [
                ("id", .int32), ("name", .optionalString), ("tags", .array(.string)), ("scores", .map(.string, .int32)),
                ("byId", .map(.int32, .string)), ("address", address),
            ])
        let value = ConnectStruct(
            schema: schema,
            [
                "id": .int32(1), "name": .string("Ada"), "tags": .array([.string("a"), .string("b")]),
                "scores": .stringMap([("x", .int32(1))]), "byId": .map([.init(.int32(7), .string("seven"))]),
                "address": .struct(ConnectStruct(schema: address, ["city": .string("Berlin")])),
            ])
        let bytes = try withSchemas.fromConnectData(topic: "t", schema: schema, value: .struct(value))
        let expectedSchema =
            #"{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},"#
            + #"{"type":"array","items":{"type":"string","optional":false},"optional":false,"field":"tags"},"#
            + #"{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false,"field":"scores"},"#
            + #"{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"string","optional":false},"optional":false,"field":"byId"},"#
            + #"{"type":"struct","fields":[{"type":"string","optional":false,"field":"city"}],"optional":true,"name":"Address","field":"address"}],"#
            + #""optional":false,"name":"com.example.Person"}"#
        let expectedPayload =
            #"{"id":1,"name":"Ada","tags":["a","b"],"scores":{"x":1},"byId":[[7,"seven"]],"address":{"city":"Berlin"}}"#
        #expect(text(bytes) == #"{"schema":"# + expectedSchema + #","payload":"# + expectedPayload + "}")
        let back = try withSchemas.toConnectData(topic: "t", bytes: bytes)
        #expect(back.value == .struct(value))
        #expect(back.schema == schema)
    }

    @Test("without schemas: plain JSON out, schemaless values in")
    func schemalessMode() throws {
        let schema = Schema.struct([("id", .int64), ("ok", .boolean)])
        let bytes = try schemaless.fromConnectData(
            topic: "t", schema: schema, value: .struct(ConnectStruct(schema: schema, ["id": .int64(5), "ok": .boolean(true)])))
        #expect(text(bytes) == #"{"id":5,"ok":true}"#)
        let back = try schemaless.toConnectData(topic: "t", bytes: Array(#"{"a":1,"b":[1.5,"x",null],"c":{"d":false}}"#.utf8))
        #expect(back.schema == nil)
        #expect(
            back.value
                == .stringMap([
                    ("a", .int64(1)), ("b", .array([.float64(1.5), .string("x"), .null])),
                    ("c", .stringMap([("d", .boolean(false))])),
                ]))
    }

    @Test("nulls are tombstones; defaults replace nulls")
    func nullsAndDefaults() throws {
        #expect(try withSchemas.fromConnectData(topic: "t", schema: nil, value: .null) == nil)
        #expect(try withSchemas.toConnectData(topic: "t", bytes: nil) == .null)
        let withDefault = Schema(type: .int32, optional: true, defaultValue: .int32(7))
        let bytes = try withSchemas.fromConnectData(topic: "t", schema: withDefault, value: .null)
        #expect(text(bytes) == #"{"schema":{"type":"int32","optional":true,"default":7},"payload":7}"#)
    }

    @Test("bad input names the problem and the fix")
    func errors() throws {
        let missingEnvelope = #expect(throws: DataException.self) {
            try withSchemas.toConnectData(topic: "t", bytes: Array(#"{"id":1}"#.utf8))
        }
        #expect(missingEnvelope?.message.contains("schemas.enable=false") == true)
        #expect(throws: DataException.self) { try withSchemas.toConnectData(topic: "t", bytes: Array("not json".utf8)) }
        #expect(throws: DataException.self) {
            try withSchemas.fromConnectData(topic: "t", schema: .int32, value: .string("x"))
        }
        #expect(throws: ConfigException.self) { try JsonConverter(configuration: ["schemas.enable": "maybe"], isKey: false) }
    }

    @Test("String and ByteArray converters")
    func otherConverters() throws {
        let string = StringConverter(configuration: [:], isKey: true)
        #expect(try string.fromConnectData(topic: "t", schema: .int32, value: .int32(5)) == Array("5".utf8))
        #expect(
            try string.toConnectData(topic: "t", bytes: Array("hi".utf8))
                == SchemaAndValue(schema: .optionalString, value: .string("hi")))
        let bytes = ByteArrayConverter(configuration: [:], isKey: false)
        #expect(try bytes.fromConnectData(topic: "t", schema: .bytes, value: .bytes([9])) == [9])
        #expect(throws: DataException.self) { try bytes.fromConnectData(topic: "t", schema: .string, value: .string("x")) }
    }
}

/// A small deterministic random generator (the same documents on every run).
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
