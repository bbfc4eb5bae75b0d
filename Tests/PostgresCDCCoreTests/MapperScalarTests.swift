import PostgresCDCCore
import SluiceConnectSDK
import Testing

/// Maps one value with `mapper` (default modes) and checks the value fits the schema.
func mapped(
    _ oid: UInt32, _ typeModifier: Int32, _ text: String?, nullable: Bool = false,
    mapper: PostgresTypeMapper = PostgresTypeMapper()
) throws -> SchemaAndValue {
    let result = try mapper.map(typeOid: oid, typeModifier: typeModifier, nullable: nullable, text: text)
    if let schema = result.schema { try ConnectValue.validate(result.value, against: schema) }
    return result
}

/// `mapped` for a column without a type modifier (-1).
func mapped(
    _ oid: UInt32, _ text: String?, nullable: Bool = false, mapper: PostgresTypeMapper = PostgresTypeMapper()
) throws -> SchemaAndValue {
    try mapped(oid, -1, text, nullable: nullable, mapper: mapper)
}

@Suite("PostgresTypeMapper scalar types")
struct MapperScalarTests {
    typealias OID = PostgresTypeOID

    @Test func boolean() throws {
        #expect(try mapped(OID.bool, "t") == SchemaAndValue(schema: .boolean, value: .boolean(true)))
        #expect(try mapped(OID.bool, "f").value == .boolean(false))
        #expect(try mapped(OID.bool, nil, nullable: true) == SchemaAndValue(schema: .optionalBoolean, value: .null))
    }

    @Test func integers() throws {
        #expect(try mapped(OID.int2, "-32768") == SchemaAndValue(schema: .int16, value: .int16(.min)))
        #expect(try mapped(OID.int4, "2147483647") == SchemaAndValue(schema: .int32, value: .int32(.max)))
        #expect(try mapped(OID.int8, "-9223372036854775808") == SchemaAndValue(schema: .int64, value: .int64(.min)))
        #expect(try mapped(OID.int8, "1", nullable: true).schema == .optionalInt64)
    }

    @Test func invalidTextThrowsTypedError() {
        #expect(throws: PostgresValueError.self) { try mapped(OID.int4, "12x") }
        #expect(throws: PostgresValueError.self) { try mapped(OID.int2, "40000") }
        #expect(throws: PostgresValueError.self) { try mapped(OID.bool, "yes") }
        do {
            _ = try mapped(OID.float8, "abc")
            Issue.record("expected an error")
        } catch let error as PostgresValueError {
            #expect(error.typeOid == OID.float8)
            #expect(error.description.contains("'abc'"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func floats() throws {
        #expect(try mapped(OID.float4, "1.5") == SchemaAndValue(schema: .float32, value: .float32(1.5)))
        #expect(try mapped(OID.float8, "-1.25e+10") == SchemaAndValue(schema: .float64, value: .float64(-1.25e10)))
        #expect(try mapped(OID.float8, "Infinity").value == .float64(.infinity))
        #expect(try mapped(OID.float4, "-Infinity").value == .float32(-.infinity))
        guard case .float64(let nan) = try mapped(OID.float8, "NaN").value else {
            Issue.record("not a float64")
            return
        }
        #expect(nan.isNaN)
    }

    @Test func strings() throws {
        for oid in [OID.text, OID.varchar, OID.inet, OID.cidr] {
            #expect(try mapped(oid, "10.0.0.0/8") == SchemaAndValue(schema: .string, value: .string("10.0.0.0/8")))
        }
        #expect(try mapped(OID.bpchar, "ab  ").value == .string("ab  "))  // padding kept, as Debezium does
        #expect(try mapped(OID.varchar, 24, "", nullable: true) == SchemaAndValue(schema: .optionalString, value: .string("")))
    }

    @Test func unknownOidsAreStrings() throws {
        #expect(try mapped(90_001, "happy") == SchemaAndValue(schema: .string, value: .string("happy")))
        #expect(try mapped(90_002, nil, nullable: true) == SchemaAndValue(schema: .optionalString, value: .null))
    }

    @Test func jsonAndJsonb() throws {
        for oid in [OID.json, OID.jsonb] {
            let result = try mapped(oid, #"{"a": [1, 2]}"#)
            #expect(result.schema?.name == "io.debezium.data.Json")
            #expect(result.schema?.version == 1)
            #expect(result.schema?.type == .string)
            #expect(result.value == .string(#"{"a": [1, 2]}"#))
        }
        #expect(try mapped(OID.jsonb, nil, nullable: true).schema?.isOptional == true)
    }

    @Test func uuid() throws {
        let result = try mapped(OID.uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")
        #expect(result.schema == Schema(type: .string, name: "io.debezium.data.Uuid", version: 1))
        #expect(result.value == .string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
    }

    @Test func byteaHexAndEscapeFormats() throws {
        #expect(try mapped(OID.bytea, #"\x0a0bFF"#) == SchemaAndValue(schema: .bytes, value: .bytes([0x0A, 0x0B, 0xFF])))
        #expect(try mapped(OID.bytea, #"\x"#).value == .bytes([]))
        #expect(try mapped(OID.bytea, #"ab\\\000\377"#).value == .bytes([0x61, 0x62, 0x5C, 0x00, 0xFF]))
        #expect(throws: PostgresValueError.self) { try mapped(OID.bytea, #"\x0"#) }
        #expect(throws: PostgresValueError.self) { try mapped(OID.bytea, #"\xzz"#) }
    }

    @Test func nullsGiveOptionalSchemasForEveryType() throws {
        let oids: [UInt32] = [
            16, 17, 20, 21, 23, 25, 114, 650, 700, 701, 869, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1266, 1700, 2950, 3802,
            1000, 1007, 1231,
        ]
        for oid in oids {
            let result = try mapped(oid, nil, nullable: true)
            #expect(result.value == .null)
            #expect(result.schema?.isOptional == true, "OID \(oid)")
            #expect(!PostgresTypeMapper().schema(typeOid: oid, nullable: false).isOptional, "OID \(oid)")
        }
    }

    @Test func enumAsDebeziumEnum() throws {
        let mapper = PostgresTypeMapper()
        let mood = PostgresEnumType(labels: "sad,ok,happy", isArray: false)
        let schema = mapper.schema(typeOid: 90_001, nullable: true, enumType: mood)
        #expect(schema == DebeziumSchemas.enumeration(allowed: "sad,ok,happy", optional: true))
        #expect(schema.name == "io.debezium.data.Enum" && schema.parameters["allowed"] == "sad,ok,happy")
        #expect(try mapper.value(typeOid: 90_001, nullable: true, enumType: mood, text: "happy") == .string("happy"))
        let moods = PostgresEnumType(labels: "sad,ok,happy", isArray: true)
        let arraySchema = mapper.schema(typeOid: 90_002, nullable: false, enumType: moods)
        #expect(arraySchema.type == .array && arraySchema.valueSchema?.name == "io.debezium.data.Enum")
        #expect(
            try mapper.value(typeOid: 90_002, nullable: false, enumType: moods, text: "{sad,NULL,happy}")
                == .array([.string("sad"), .null, .string("happy")]))
    }

    @Test func intervalAsMicroDuration() throws {
        let result = try mapped(OID.interval, "1 year 2 mons 3 days 04:05:06.789")
        #expect(result.schema == Schema(type: .int64, name: "io.debezium.time.MicroDuration", version: 1))
        #expect(result.value == .int64(37_091_106_789_000))
        #expect(try mapped(OID.interval, "1 year").value == .int64(31_557_600_000_000))  // 365.25 days
        #expect(try mapped(OID.interval, "1 mon").value == .int64(2_629_800_000_000))  // 30.4375 days
        #expect(try mapped(OID.interval, "00:00:00").value == .int64(0))
        #expect(try mapped(OID.interval, "-1 days +02:03:04").value == .int64(-79_016_000_000))
        #expect(try mapped(OID.interval, "-00:00:01.5").value == .int64(-1_500_000))
        #expect(try mapped(OID.interval, "00:00:00.000001").value == .int64(1))
        #expect(try mapped(OID.interval, "@ 1 hour 30 mins ago").value == .int64(-5_400_000_000))
        #expect(throws: PostgresValueError.self) { try mapped(OID.interval, "1 fortnight") }
    }
}
