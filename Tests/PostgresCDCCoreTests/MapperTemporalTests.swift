import PostgresCDCCore
import SluiceConnectSDK
import Testing

@Suite("PostgresTypeMapper temporal types")
struct MapperTemporalTests {
    typealias OID = PostgresTypeOID
    let connect = PostgresTypeMapper(timePrecisionMode: .connect)

    private func schema(_ type: Schema.SchemaType, _ name: String, optional: Bool = false) -> Schema {
        Schema(type: type, optional: optional, name: name, version: 1)
    }

    @Test func dateAdaptive() throws {
        #expect(
            try mapped(OID.date, "2024-02-29")
                == SchemaAndValue(schema: schema(.int32, "io.debezium.time.Date"), value: .int32(19_782)))
        #expect(try mapped(OID.date, "1970-01-01").value == .int32(0))
        #expect(try mapped(OID.date, "1969-12-31").value == .int32(-1))
        #expect(try mapped(OID.date, "2000-02-29").value == .int32(11_016))
        #expect(try mapped(OID.date, "0001-01-01 BC").value == .int32(-719_528))  // proleptic year 0
        #expect(try mapped(OID.date, "12345-06-07").value == .int32(3_789_548))
        #expect(throws: PostgresValueError.self) { try mapped(OID.date, "2023-02-29") }
        #expect(throws: PostgresValueError.self) { try mapped(OID.date, "1900-02-29") }
        #expect(throws: PostgresValueError.self) { try mapped(OID.date, "2024-13-01") }
    }

    @Test func dateConnect() throws {
        #expect(
            try mapped(OID.date, "2024-02-29", mapper: connect)
                == SchemaAndValue(schema: LogicalType.date(), value: .date(19_782)))
        #expect(try mapped(OID.date, nil, nullable: true, mapper: connect).schema == LogicalType.date(optional: true))
    }

    @Test func dateInfinityUsesDebeziumSentinels() throws {
        #expect(try mapped(OID.date, "infinity").value == .int32(-2_147_472_692))
        #expect(try mapped(OID.date, "-infinity").value == .int32(-2_147_472_691))
        #expect(try mapped(OID.date, "infinity", mapper: connect).value == .date(-2_147_472_692))
    }

    @Test func timeAdaptive() throws {
        let micro = try mapped(OID.time, "13:45:30.123456")
        #expect(micro == SchemaAndValue(schema: schema(.int64, "io.debezium.time.MicroTime"), value: .int64(49_530_123_456)))
        #expect(try mapped(OID.time, 6, "00:00:00.000001").value == .int64(1))
        #expect(try mapped(OID.time, 4, "13:45:30.1234").schema?.name == "io.debezium.time.MicroTime")
        let milli = try mapped(OID.time, 3, "13:45:30.123")
        #expect(milli == SchemaAndValue(schema: schema(.int32, "io.debezium.time.Time"), value: .int32(49_530_123)))
        #expect(try mapped(OID.time, 0, "23:59:59").value == .int32(86_399_000))
        #expect(try mapped(OID.time, "24:00:00").value == .int64(86_400_000_000))
        #expect(throws: PostgresValueError.self) { try mapped(OID.time, "24:00:01") }
        #expect(throws: PostgresValueError.self) { try mapped(OID.time, "12:60:00") }
    }

    @Test func timeConnectTruncatesToMillis() throws {
        #expect(
            try mapped(OID.time, "13:45:30.123456", mapper: connect)
                == SchemaAndValue(schema: LogicalType.time(), value: .time(49_530_123)))
    }

    @Test func timestampAdaptive() throws {
        let micro = try mapped(OID.timestamp, "2024-01-02 03:04:05.123456")
        #expect(
            micro
                == SchemaAndValue(schema: schema(.int64, "io.debezium.time.MicroTimestamp"), value: .int64(1_704_164_645_123_456))
        )
        let milli = try mapped(OID.timestamp, 3, "2024-01-02 03:04:05.123")
        #expect(milli == SchemaAndValue(schema: schema(.int64, "io.debezium.time.Timestamp"), value: .int64(1_704_164_645_123)))
        #expect(try mapped(OID.timestamp, "1969-12-31 23:59:59.999999").value == .int64(-1))
        #expect(try mapped(OID.timestamp, 3, "1969-12-31 23:59:59.999").value == .int64(-1))
        #expect(try mapped(OID.timestamp, "2024-02-29 12:00:00").value == .int64(1_709_208_000_000_000))
        #expect(try mapped(OID.timestamp, "0044-03-15 12:00:00 BC").value == .int64(-63_517_780_800_000_000))
    }

    @Test func timestampConnect() throws {
        let result = try mapped(OID.timestamp, "1969-12-31 23:59:59.9995", mapper: connect)
        // Milliseconds are floored, like Instant.toEpochMilli.
        #expect(result == SchemaAndValue(schema: LogicalType.timestamp(), value: .timestamp(-1)))
        #expect(try mapped(OID.timestamp, "2024-01-02 03:04:05.123456", mapper: connect).value == .timestamp(1_704_164_645_123))
    }

    @Test func timestampInfinity() throws {
        #expect(try mapped(OID.timestamp, "infinity").value == .int64(9_223_372_036_825_200_000))
        #expect(try mapped(OID.timestamp, "-infinity").value == .int64(-9_223_372_036_832_400_000))
        #expect(try mapped(OID.timestamp, 3, "infinity").value == .int64(9_223_372_036_825_200))
        #expect(try mapped(OID.timestamp, "-infinity", mapper: connect).value == .timestamp(-9_223_372_036_832_400))
    }

    @Test func timestampWithZoneToUTC() throws {
        let result = try mapped(OID.timestamptz, "2024-01-02 03:04:05.123456+02")
        #expect(
            result
                == SchemaAndValue(
                    schema: schema(.string, "io.debezium.time.ZonedTimestamp"), value: .string("2024-01-02T01:04:05.123456Z")))
        #expect(try mapped(OID.timestamptz, "2024-01-01 00:30:00+01").value == .string("2023-12-31T23:30:00.000000Z"))
        #expect(try mapped(OID.timestamptz, "2024-03-01 04:00:00.5+05:30").value == .string("2024-02-29T22:30:00.500000Z"))
        #expect(try mapped(OID.timestamptz, "1900-01-01 00:00:00+00:09:21").value == .string("1899-12-31T23:50:39.000000Z"))
        #expect(try mapped(OID.timestamptz, "2024-06-30 20:00:00-04").value == .string("2024-07-01T00:00:00.000000Z"))
        #expect(try mapped(OID.timestamptz, "0010-01-01 00:00:00+00 BC").value == .string("-0009-01-01T00:00:00.000000Z"))
        #expect(try mapped(OID.timestamptz, "1969-12-31 23:59:59.5+00").value == .string("1969-12-31T23:59:59.500000Z"))
        #expect(try mapped(OID.timestamptz, "12345-01-01 00:00:00+00").value == .string("+12345-01-01T00:00:00.000000Z"))
        // The fraction has exactly the column's precision digits; precision 0 prints none.
        #expect(try mapped(OID.timestamptz, 3, "2024-01-02 03:04:05.12+00").value == .string("2024-01-02T03:04:05.120Z"))
        #expect(try mapped(OID.timestamptz, 0, "2024-01-02 03:04:05+00").value == .string("2024-01-02T03:04:05Z"))
        #expect(
            try mapped(OID.timestamptz, "2024-01-02 03:04:05+00", mapper: connect).value == .string("2024-01-02T03:04:05.000000Z")
        )
        #expect(throws: PostgresValueError.self) { try mapped(OID.timestamptz, "2024-01-02 03:04:05") }
    }

    @Test func timestampWithZoneInfinity() throws {
        #expect(try mapped(OID.timestamptz, "infinity").value == .string("infinity"))
        #expect(try mapped(OID.timestamptz, "-infinity").value == .string("-infinity"))
    }

    @Test func timeWithZoneToUTC() throws {
        let result = try mapped(OID.timetz, "03:04:05.123+02")
        #expect(result == SchemaAndValue(schema: schema(.string, "io.debezium.time.ZonedTime"), value: .string("01:04:05.123Z")))
        #expect(try mapped(OID.timetz, "01:00:00+02").value == .string("23:00:00Z"))
        #expect(try mapped(OID.timetz, "23:30:00.000001-05:30").value == .string("05:00:00.000001Z"))
        #expect(try mapped(OID.timetz, "12:00:00.120000+00").value == .string("12:00:00.12Z"))
        #expect(try mapped(OID.timetz, "24:00:00+00").value == .string("24:00:00Z"))
        #expect(try mapped(OID.timetz, nil, nullable: true, mapper: connect).schema?.name == "io.debezium.time.ZonedTime")
    }
}
