import PostgresCDCCore
import SluiceConnectSDK
import Testing

@Suite("PostgresTypeMapper arrays")
struct MapperArrayTests {
    typealias OID = PostgresTypeOID

    @Test func literalParsing() throws {
        #expect(try PostgresArrayLiteral.parse("{}") == [])
        #expect(try PostgresArrayLiteral.parse("{1,2,NULL}") == ["1", "2", nil])
        #expect(try PostgresArrayLiteral.parse(#"{a,"b c",NULL,"NULL",null}"#) == ["a", "b c", nil, "NULL", nil])
        #expect(
            try PostgresArrayLiteral.parse(#"{"q\"x","back\\slash","a,b","{}",""}"#) == [
                #"q"x"#, #"back\slash"#, "a,b", "{}", "",
            ])
        #expect(try PostgresArrayLiteral.parse("{ spaced out , x }") == ["spaced out", "x"])
        #expect(try PostgresArrayLiteral.parse(#"{a\,b,N\ULL}"#) == ["a,b", "NULL"])
        #expect(try PostgresArrayLiteral.parse("[0:1]={7,8}") == ["7", "8"])
        #expect(throws: PostgresArrayLiteral.ParseError.self) { try PostgresArrayLiteral.parse("{{1,2},{3,4}}") }
        #expect(throws: PostgresArrayLiteral.ParseError.self) { try PostgresArrayLiteral.parse("{1,2") }
        #expect(throws: PostgresArrayLiteral.ParseError.self) { try PostgresArrayLiteral.parse(#"{"open}"#) }
        #expect(throws: PostgresArrayLiteral.ParseError.self) { try PostgresArrayLiteral.parse("1,2") }
        #expect(throws: PostgresArrayLiteral.ParseError.self) { try PostgresArrayLiteral.parse("{1,,2}") }
    }

    @Test func intArrays() throws {
        let result = try mapped(OID.int4Array, "{1,2,NULL}")
        #expect(result == SchemaAndValue(schema: .array(.optionalInt32), value: .array([.int32(1), .int32(2), .null])))
        #expect(try mapped(OID.int2Array, "{-1}").value == .array([.int16(-1)]))
        #expect(try mapped(OID.int8Array, "{9000000000}", nullable: true).schema == .array(.optionalInt64, optional: true))
        #expect(try mapped(OID.int4Array, "{}").value == .array([]))
    }

    @Test func textArrays() throws {
        let result = try mapped(OID.textArray, #"{a,"b c",NULL,"NULL"}"#)
        #expect(
            result
                == SchemaAndValue(
                    schema: .array(.optionalString), value: .array([.string("a"), .string("b c"), .null, .string("NULL")])))
        #expect(try mapped(OID.varcharArray, 20, #"{"x,y"}"#).value == .array([.string("x,y")]))
    }

    @Test func boolAndFloatArrays() throws {
        #expect(try mapped(OID.boolArray, "{t,f,NULL}").value == .array([.boolean(true), .boolean(false), .null]))
        #expect(
            try mapped(OID.float8Array, "{1.5,-Infinity}")
                == SchemaAndValue(schema: .array(.optionalFloat64), value: .array([.float64(1.5), .float64(-.infinity)])))
        #expect(try mapped(OID.float4Array, "{0.25}").value == .array([.float32(0.25)]))
    }

    @Test func numericArrays() throws {
        let constrained = try mapped(OID.numericArray, (10 << 16 | 2) + 4, "{1.5,-2.25,NULL}")
        #expect(constrained.schema?.valueSchema?.parameters["scale"] == "2")
        #expect(constrained.schema?.valueSchema?.isOptional == true)
        #expect(
            constrained.value
                == .array([
                    .decimal(ConnectDecimal(unscaled: [0x00, 0x96], scale: 2)),
                    .decimal(ConnectDecimal(unscaled: [0xFF, 0x1F], scale: 2)), .null,
                ]))
        let variable = try mapped(OID.numericArray, "{3.10}")
        #expect(variable.schema?.valueSchema?.name == "io.debezium.data.VariableScaleDecimal")
        #expect(variable.schema?.valueSchema?.isOptional == true)
        guard case .array(let elements) = variable.value else {
            Issue.record("not an array")
            return
        }
        #expect(elements.first?["scale"] == .int32(1))
        #expect(elements.first?["value"] == .bytes([31]))
        #expect(elements.first?.structValue?.schema == variable.schema?.valueSchema)
        #expect(
            try mapped(OID.numericArray, "{NaN}", mapper: PostgresTypeMapper(decimalHandlingMode: .string)).value
                == .array([.string("NAN")]))
    }

    @Test func temporalArrays() throws {
        let dates = try mapped(OID.dateArray, "{2024-02-29,NULL}")
        #expect(dates.schema == .array(Schema(type: .int32, optional: true, name: "io.debezium.time.Date", version: 1)))
        #expect(dates.value == .array([.int32(19_782), .null]))
        let connectDates = try mapped(OID.dateArray, "{1970-01-02}", mapper: PostgresTypeMapper(timePrecisionMode: .connect))
        #expect(connectDates == SchemaAndValue(schema: .array(LogicalType.date(optional: true)), value: .array([.date(1)])))
        let timestamps = try mapped(OID.timestampArray, #"{"2024-01-02 03:04:05.123456"}"#)
        #expect(timestamps.schema?.valueSchema?.name == "io.debezium.time.MicroTimestamp")
        #expect(timestamps.value == .array([.int64(1_704_164_645_123_456)]))
        let zoned = try mapped(OID.timestamptzArray, #"{"2024-01-02 03:04:05.123456+02",NULL}"#)
        #expect(zoned.schema?.valueSchema?.name == "io.debezium.time.ZonedTimestamp")
        #expect(zoned.value == .array([.string("2024-01-02T01:04:05.123456Z"), .null]))
    }

    @Test func uuidAndByteaArrays() throws {
        let uuids = try mapped(OID.uuidArray, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}")
        #expect(uuids.schema?.valueSchema == Schema(type: .string, optional: true, name: "io.debezium.data.Uuid", version: 1))
        #expect(uuids.value == .array([.string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")]))
        #expect(try mapped(OID.byteaArray, #"{"\\x0102"}"#).value == .array([.bytes([1, 2])]))
    }

    @Test func badElementsAndMultiDimensionalArraysThrow() {
        #expect(throws: PostgresValueError.self) { try mapped(OID.int4Array, "{1,x}") }
        #expect(throws: PostgresValueError.self) { try mapped(OID.int4Array, "{{1,2},{3,4}}") }
        #expect(throws: PostgresValueError.self) { try mapped(OID.int4Array, "1,2") }
    }
}
