import SluiceConnectSDK

/// Why one text value could not be converted (wrapped into `PostgresValueError` by the caller).
struct ConversionFailure: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

extension PostgresTypeMapper {
    /// Debezium's `timestamp 'infinity'`: the JDBC driver's `PGStatement.DATE_POSITIVE_INFINITY`, in µs.
    static let positiveInfinityTimestampMicros: Int64 = 9_223_372_036_825_200_000
    /// Debezium's `timestamp '-infinity'`: `PGStatement.DATE_NEGATIVE_INFINITY`, in µs.
    static let negativeInfinityTimestampMicros: Int64 = -9_223_372_036_832_400_000
    /// Debezium's `date 'infinity'`: `LocalDate -5877611-06-21` as epoch days.
    static let positiveInfinityEpochDay: Int32 = -2_147_472_692
    /// Debezium's `date '-infinity'`: `LocalDate -5877611-06-22` as epoch days.
    static let negativeInfinityEpochDay: Int32 = -2_147_472_691

    /// `schema` is built only for the kinds whose value needs it (a struct or an array), not per value.
    func convert(_ text: String, kind: PostgresColumnKind, schema: @autoclosure () -> Schema) throws(ConversionFailure)
        -> ConnectValue
    {
        let connect = timePrecisionMode == .connect
        switch kind {
        case .boolean:
            switch text {
            case "t", "true": return .boolean(true)
            case "f", "false": return .boolean(false)
            default: throw ConversionFailure("not a boolean")
            }
        case .int16: return .int16(try integer(text))
        case .int32: return .int32(try integer(text))
        case .int64: return .int64(try integer(text))
        case .float32:
            guard let value = Self.floatingPoint(text).map(Float.init) else { throw ConversionFailure("not a number") }
            return .float32(value)
        case .float64:
            guard let value = Self.floatingPoint(text) else { throw ConversionFailure("not a number") }
            return .float64(value)
        case .string, .json, .uuid, .enumeration: return .string(text)
        case .bytes: return .bytes(try Self.bytea(text))
        case .date:
            let days = try Self.epochDay(text)
            return connect ? .date(days) : .int32(days)
        case .time(let precision):
            guard let micros = PostgresTemporalText.timeOfDay(Substring(text)) else { throw ConversionFailure("not a time") }
            if connect { return .time(Int32(micros / 1000)) }
            return precision <= 3 ? .int32(Int32(micros / 1000)) : .int64(micros)
        case .timestamp(let precision):
            let micros: Int64
            switch text {
            case "infinity": micros = Self.positiveInfinityTimestampMicros
            case "-infinity": micros = Self.negativeInfinityTimestampMicros
            default:
                guard let parsed = PostgresTemporalText.timestamp(Substring(text)) else {
                    throw ConversionFailure("not a timestamp")
                }
                micros = parsed
            }
            let millis = IsoTemporalFormat.floorDivide(micros, 1000)
            if connect { return .timestamp(millis) }
            return precision <= 3 ? .int64(millis) : .int64(micros)
        case .timestampWithZone(let precision):
            if text == "infinity" || text == "-infinity" { return .string(text) }
            guard let micros = PostgresTemporalText.timestampWithZone(Substring(text)) else {
                throw ConversionFailure("not a timestamp with time zone")
            }
            return .string(IsoTemporalFormat.utcTimestamp(epochMicros: micros, fractionDigits: precision))
        case .timeWithZone:
            return .string(try Self.zonedTime(text))
        case .interval:
            guard let interval = PostgresIntervalText(text) else { throw ConversionFailure("not an interval") }
            return .int64(interval.debeziumMicros)
        case .numeric(let precision, let scale):
            return try numeric(text, constrainedScale: precision == nil ? nil : scale, schema: schema())
        case .array(let element):
            let elements: [String?]
            do {
                elements = try PostgresArrayLiteral.parse(text)
            } catch let error {
                throw ConversionFailure(error.description)
            }
            let elementSchema = schema().valueSchema ?? self.schema(for: element, optional: true)
            var values: [ConnectValue] = []
            values.reserveCapacity(elements.count)
            for item in elements {
                guard let item else {
                    values.append(.null)
                    continue
                }
                do {
                    values.append(try convert(item, kind: element, schema: elementSchema))
                } catch let failure {
                    throw ConversionFailure("array element '\(item)': \(failure.reason)")
                }
            }
            return .array(values)
        }
    }

    private func integer<T: FixedWidthInteger>(_ text: String) throws(ConversionFailure) -> T {
        guard let value = T(text) else { throw ConversionFailure("not a \(T.bitWidth)-bit integer") }
        return value
    }

    /// float4/float8 text, including PostgreSQL's `NaN`, `Infinity` and `-Infinity`.
    static func floatingPoint(_ text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let first = text.utf8.first,
                first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                    || (48...57).contains(first)
            else { return nil }
            return Double(text)
        }
    }

    /// Days since the epoch, wrapping to 32 bits as Debezium's `(int) toEpochDay()` does.
    static func epochDay(_ text: String) throws(ConversionFailure) -> Int32 {
        switch text {
        case "infinity": return positiveInfinityEpochDay
        case "-infinity": return negativeInfinityEpochDay
        default:
            guard let date = PostgresTemporalText.date(Substring(text)) else { throw ConversionFailure("not a date") }
            return Int32(truncatingIfNeeded: PostgresTemporalText.epochDay(date))
        }
    }

    /// timetz → UTC `HH:mm:ss[.f]Z`; `24:00:00` at offset zero stays `24:00:00Z` as in Debezium.
    static func zonedTime(_ text: String) throws(ConversionFailure) -> String {
        guard let (micros, offset) = PostgresTemporalText.timeWithZone(Substring(text)) else {
            throw ConversionFailure("not a time with time zone")
        }
        let day = PostgresTemporalText.microsPerDay
        if micros == day && offset == 0 { return "24:00:00Z" }
        let utc = ((micros - offset * PostgresTemporalText.microsPerSecond) % day + day) % day
        return IsoTemporalFormat.utcTime(microsOfDay: utc)
    }

    /// bytea text: hex format `\x0a0b` (the default `bytea_output`) or the escape format.
    static func bytea(_ text: String) throws(ConversionFailure) -> [UInt8] {
        let utf8 = Array(text.utf8)
        if utf8.starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "x")]) {
            let hex = utf8.dropFirst(2)
            guard hex.count % 2 == 0 else { throw ConversionFailure("odd number of hex digits") }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(hex.count / 2)
            var index = hex.startIndex
            while index < hex.endIndex {
                guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else {
                    throw ConversionFailure("invalid hex digit")
                }
                bytes.append(high << 4 | low)
                index += 2
            }
            return bytes
        }
        var bytes: [UInt8] = []
        var index = 0
        while index < utf8.count {
            guard utf8[index] == UInt8(ascii: "\\") else {
                bytes.append(utf8[index])
                index += 1
                continue
            }
            if index + 1 < utf8.count, utf8[index + 1] == UInt8(ascii: "\\") {
                bytes.append(UInt8(ascii: "\\"))
                index += 2
            } else if index + 3 < utf8.count,
                let octal = UInt16(String(decoding: utf8[index + 1...index + 3], as: UTF8.self), radix: 8),
                octal <= 0xFF
            {
                bytes.append(UInt8(octal))
                index += 4
            } else {
                throw ConversionFailure("invalid escape in bytea")
            }
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
