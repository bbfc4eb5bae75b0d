import SluiceConnectSDK
import Testing

@testable import SluiceTransforms

@Suite("TimestampConverter")
struct TimestampConverterTests {
    /// 2024-03-15T13:45:30.250Z
    static let millis: Int64 = 1_710_510_330_250
    static let day: Int32 = 19_797

    @Test func structFieldWithSchema() throws {
        let schema = Schema.struct(name: "Event", [("id", .int32), ("at", LogicalType.timestamp(optional: true))])
        let transform = try TimestampConverter(
            part: .value, configuration: ["field": "at", "target.type": "string", "format": "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"])
        let record = try applied(
            transform,
            sourceRecord(valueSchema: schema, value: structValue(schema, ["id": .int32(1), "at": .timestamp(Self.millis)])))
        #expect(record.valueSchema?.field("at")?.schema == .optionalString)
        #expect(record.valueSchema?.name == "Event")
        #expect(record.value.structValue?["at"] == .string("2024-03-15T13:45:30.250Z"))
        #expect(record.value.structValue?["id"] == .int32(1))
        let nullAt = try applied(transform, sourceRecord(valueSchema: schema, value: structValue(schema, ["id": .int32(2)])))
        #expect(nullAt.value.structValue?["at"] == .null)
    }

    @Test func schemalessMapField() throws {
        let transform = try TimestampConverter(
            part: .value, configuration: ["field": "at", "target.type": "Timestamp", "format": "dd/MM/yyyy HH:mm"])
        let record = try applied(transform, sourceRecord(value: map(["at": .string("15/03/2024 13:45"), "x": .int32(1)])))
        #expect(record.value == map(["at": .timestamp(1_710_510_300_000), "x": .int32(1)]))
    }

    @Test func wholeValueConversions() throws {
        func convert(_ target: String, _ schema: Schema?, _ value: ConnectValue, _ extra: [String: String] = [:]) throws
            -> SourceRecord
        {
            let transform = try TimestampConverter(
                part: .value, configuration: extra.merging(["target.type": target]) { first, _ in first })
            return try applied(transform, sourceRecord(valueSchema: schema, value: value))
        }
        let unix = try convert("unix", LogicalType.timestamp(), .timestamp(Self.millis))
        #expect(unix.valueSchema == .int64)
        #expect(unix.value == .int64(Self.millis))
        #expect(try convert("unix", nil, .timestamp(Self.millis), ["unix.precision": "seconds"]).value == .int64(1_710_510_330))
        #expect(
            try convert("Timestamp", .int64, .int64(1_710_510_330), ["unix.precision": "seconds"]).value
                == .timestamp(1_710_510_330_000))
        #expect(
            try convert("Timestamp", nil, .int64(1_710_510_330_250_000), ["unix.precision": "microseconds"]).value
                == .timestamp(Self.millis))
        #expect(try convert("unix", nil, .timestamp(1), ["unix.precision": "nanoseconds"]).value == .int64(1_000_000))
        let date = try convert("Date", LogicalType.timestamp(), .timestamp(Self.millis))
        #expect(date.valueSchema == LogicalType.date())
        #expect(date.value == .date(Self.day))
        let time = try convert("Time", nil, .timestamp(Self.millis))
        #expect(time.value == .time(49_530_250))
        #expect(try convert("Timestamp", LogicalType.date(), .date(Self.day)).value == .timestamp(Int64(Self.day) * 86_400_000))
        #expect(try convert("string", nil, .date(Self.day), ["format": "yyyyMMdd"]).value == .string("20240315"))
        #expect(try convert("Date", .string, .string("20240315"), ["format": "yyyyMMdd"]).value == .date(Self.day))
        #expect(try convert("Timestamp", nil, .timestamp(-1)).value == .timestamp(-1))
        #expect(try convert("Date", nil, .timestamp(-1)).value == .date(-1))
        #expect(try convert("string", .optionalString, .null, ["format": "yyyy"]).valueSchema == .optionalString)
    }

    @Test func dataErrors() throws {
        let transform = try TimestampConverter(part: .value, configuration: ["target.type": "Date", "format": "yyyy-MM-dd"])
        expectDataError("does not match pattern") { _ = try transform.apply(sourceRecord(value: .string("15.03.2024"))) }
        expectDataError("known timestamp type") {
            _ = try transform.apply(sourceRecord(valueSchema: .boolean, value: .boolean(true)))
        }
        let noFormat = try TimestampConverter(part: .value, configuration: ["target.type": "Date"])
        expectDataError("format") { _ = try noFormat.apply(sourceRecord(value: .string("2024-03-15"))) }
    }

    @Test func badConfig() {
        expectConfigError("target.type") { _ = try TimestampConverter(part: .value, configuration: [:]) }
        expectConfigError("target.type") { _ = try TimestampConverter(part: .value, configuration: ["target.type": "epoch"]) }
        expectConfigError("format") { _ = try TimestampConverter(part: .key, configuration: ["target.type": "string"]) }
        expectConfigError("format") {
            _ = try TimestampConverter(part: .value, configuration: ["target.type": "unix", "format": "yyyy-bb"])
        }
        expectConfigError("unix.precision") {
            _ = try TimestampConverter(part: .value, configuration: ["target.type": "unix", "unix.precision": "days"])
        }
    }
}

@Suite("SimpleDateFormat patterns")
struct DatePatternTests {
    @Test func formatsUTC() throws {
        let millis = TimestampConverterTests.millis
        #expect(try DatePattern("yyyy-MM-dd HH:mm:ss.SSS").format(millis: millis) == "2024-03-15 13:45:30.250")
        #expect(
            try DatePattern("EEE, d MMM yy h:mm a 'o''clock' Z").format(millis: millis) == "Fri, 15 Mar 24 1:45 PM o'clock +0000")
        #expect(try DatePattern("EEEE MMMM D X").format(millis: millis) == "Friday March 75 Z")
        #expect(try DatePattern("yyyy-MM-dd").format(millis: -1) == "1969-12-31")
        #expect(try DatePattern("''yyyy''").format(millis: 0) == "'1970'")
    }

    @Test func parses() throws {
        let millis = TimestampConverterTests.millis
        #expect(try DatePattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").parse("2024-03-15T13:45:30.250Z") == millis)
        #expect(try DatePattern("yyyyMMddHHmmssSSS").parse("20240315134530250") == millis)
        #expect(try DatePattern("dd MMM yyyy hh:mm:ss.SSS a").parse("15 mar 2024 01:45:30.250 PM") == millis)
        #expect(try DatePattern("yyyy-MM-dd HH:mm:ss.SSSXXX").parse("2024-03-15 15:45:30.250+02:00") == millis)
        #expect(try DatePattern("yyyy-MM-dd").parse("2024-13-01") == DatePattern("yyyy-MM-dd").parse("2025-01-01"))
        #expect(try DatePattern("yyyy-MM-dd").parse("2024/03/15") == nil)
        #expect(try DatePattern("yyyy").parse("x") == nil)
    }

    @Test func rejectsUnknownLetters() {
        #expect(throws: DatePattern.PatternError.self) { try DatePattern("yyyy-QQ") }
        #expect(throws: DatePattern.PatternError.self) { try DatePattern("'open") }
    }
}
