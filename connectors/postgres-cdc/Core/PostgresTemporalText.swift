/// Parses PostgreSQL's ISO (`DateStyle = ISO`) text forms of date, time, timestamp, timetz and
/// timestamptz into epoch-based numbers. Dates use the proleptic Gregorian calendar with
/// astronomical years (1 BC = year 0), as PostgreSQL and `java.time` do. Every parser returns
/// `nil` for text it does not understand.
enum PostgresTemporalText {
    static let microsPerSecond: Int64 = 1_000_000
    static let microsPerDay: Int64 = 86_400 * microsPerSecond

    /// A calendar date.
    struct Date: Equatable {
        var year: Int64
        var month: Int64
        var day: Int64
    }

    // MARK: - Parsing

    /// `YYYY-MM-DD` (4 or more year digits), optionally followed by ` BC`.
    static func date(_ text: Substring) -> Date? {
        var body = text
        let isBC = stripEra(&body)
        return date(body, isBC: isBC)
    }

    private static func date(_ body: Substring, isBC: Bool) -> Date? {
        let parts = body.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count >= 4, parts[1].count == 2, parts[2].count == 2,
            let year = digits(parts[0]), let month = digits(parts[1]), let day = digits(parts[2]),
            (1...12).contains(month), day >= 1, day <= daysInMonth(isBC ? 1 - year : year, month)
        else { return nil }
        if isBC && year == 0 { return nil }
        return Date(year: isBC ? 1 - year : year, month: month, day: day)
    }

    /// `HH:MM:SS[.ffffff]` → microseconds past midnight; `24:00:00` is allowed (= one full day).
    static func timeOfDay(_ text: Substring) -> Int64? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 2, parts[1].count == 2 else { return nil }
        let secondParts = parts[2].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard secondParts[0].count == 2, let hour = digits(parts[0]), let minute = digits(parts[1]),
            let second = digits(secondParts[0])
        else { return nil }
        var micros: Int64 = 0
        if secondParts.count == 2 {
            let fraction = secondParts[1]
            guard (1...6).contains(fraction.count), let value = digits(fraction) else { return nil }
            micros = value * pow10(6 - fraction.count)
        }
        guard minute < 60, second < 60 else { return nil }
        let total = ((hour * 60 + minute) * 60 + second) * microsPerSecond + micros
        guard hour < 24 || total == microsPerDay else { return nil }
        return total
    }

    /// `±HH`, `±HH:MM` or `±HH:MM:SS` → seconds east of UTC.
    static func offset(_ text: Substring) -> Int64? {
        guard let sign = text.first, sign == "+" || sign == "-" else { return nil }
        let parts = text.dropFirst().split(separator: ":", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), parts.allSatisfy({ $0.count == 2 }) else { return nil }
        var seconds: Int64 = 0
        for (index, part) in parts.enumerated() {
            guard let value = digits(part), index == 0 || value < 60 else { return nil }
            seconds += value * [3600, 60, 1][index]
        }
        return sign == "-" ? -seconds : seconds
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff][ BC]` (no time zone) → microseconds since 1970-01-01T00:00.
    static func timestamp(_ text: Substring) -> Int64? {
        canonicalTimestamp(text, zoned: false) ?? generalTimestamp(text)
    }

    /// `timestamp` for every form (the canonical fast path agrees with it; a test checks).
    static func generalTimestamp(_ text: Substring) -> Int64? {
        var body = text
        let isBC = stripEra(&body)
        guard let space = body.firstIndex(of: " "), let time = timeOfDay(body[body.index(after: space)...]),
            let date = date(body[..<space], isBC: isBC)
        else { return nil }
        return epochDay(date) * microsPerDay + time
    }

    /// `YYYY-MM-DD HH:MM:SS[.ffffff]±HH[:MM[:SS]][ BC]` → UTC microseconds since the epoch.
    static func timestampWithZone(_ text: Substring) -> Int64? {
        canonicalTimestamp(text, zoned: true) ?? generalTimestampWithZone(text)
    }

    /// `timestampWithZone` for every form.
    static func generalTimestampWithZone(_ text: Substring) -> Int64? {
        var body = text
        let isBC = stripEra(&body)
        guard let space = body.firstIndex(of: " ") else { return nil }
        let clock = body[body.index(after: space)...]
        guard let signIndex = clock.lastIndex(where: { $0 == "+" || $0 == "-" }), let offset = offset(clock[signIndex...]),
            let time = timeOfDay(clock[..<signIndex]), let date = date(body[..<space], isBC: isBC)
        else { return nil }
        return epochDay(date) * microsPerDay + time - offset * microsPerSecond
    }

    /// `HH:MM:SS[.ffffff]±HH[:MM[:SS]]` → (microseconds past midnight, offset seconds).
    static func timeWithZone(_ text: Substring) -> (micros: Int64, offset: Int64)? {
        guard let signIndex = text.lastIndex(where: { $0 == "+" || $0 == "-" }), let offset = offset(text[signIndex...]),
            let time = timeOfDay(text[..<signIndex])
        else { return nil }
        return (time, offset)
    }

    /// The form PostgreSQL writes for nearly every value — `YYYY-MM-DD HH:MM:SS[.f…]` with a
    /// four-digit AD year, plus `±HH[:MM[:SS]]` when `zoned` — read byte by byte. `nil` for any
    /// other text (longer years, ` BC`, `infinity`, invalid fields): the general parser decides.
    static func canonicalTimestamp(_ text: Substring, zoned: Bool) -> Int64? {
        let parsed = text.utf8.withContiguousStorageIfAvailable { bytes -> Int64? in
            func number(_ index: Int, _ count: Int) -> Int64? {
                guard index + count <= bytes.count else { return nil }
                var value: Int64 = 0
                for byte in bytes[index..<index + count] {
                    let digit = byte &- UInt8(ascii: "0")
                    guard digit < 10 else { return nil }
                    value = value * 10 + Int64(digit)
                }
                return value
            }
            guard bytes.count >= 19, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
                bytes[10] == UInt8(ascii: " "), bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
                let minute = number(14, 2), let second = number(17, 2)
            else { return nil }
            var index = 19
            var fraction: Int64 = 0
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                var count = 0
                while index + 1 + count < bytes.count, (bytes[index + 1 + count] &- UInt8(ascii: "0")) < 10 { count += 1 }
                guard (1...6).contains(count), let value = number(index + 1, count) else { return nil }
                fraction = value * pow10(6 - count)
                index += 1 + count
            }
            var offset: Int64 = 0
            if zoned {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"),
                    let hours = number(index + 1, 2)
                else { return nil }
                let negative = bytes[index] == UInt8(ascii: "-")
                offset = hours * 3600
                index += 3
                for unit in [Int64(60), 1] where index < bytes.count && bytes[index] == UInt8(ascii: ":") {
                    guard let value = number(index + 1, 2), value < 60 else { return nil }
                    offset += value * unit
                    index += 3
                }
                if negative { offset = -offset }
            }
            guard index == bytes.count, (1...12).contains(month), day >= 1, day <= daysInMonth(year, month), minute < 60,
                second < 60
            else { return nil }
            let time = ((hour * 60 + minute) * 60 + second) * microsPerSecond + fraction
            guard hour < 24 || time == microsPerDay else { return nil }
            return epochDay(Date(year: year, month: month, day: day)) * microsPerDay + time - offset * microsPerSecond
        }
        return parsed ?? nil
    }

    // MARK: - Calendar arithmetic

    static func isLeapYear(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    static func daysInMonth(_ year: Int64, _ month: Int64) -> Int64 {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func epochDay(_ date: Date) -> Int64 {
        let year = date.month <= 2 ? date.year - 1 : date.year
        let era = (year >= 0 ? year : year - 399) / 400
        let yearOfEra = year - era * 400
        let dayOfYear = (153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5 + date.day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date `days` after 1970-01-01 (`civil_from_days`).
    static func date(epochDay days: Int64) -> Date {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return Date(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    // MARK: - Helpers

    /// Removes a trailing ` BC` (or ` AD`) era marker; returns whether it was BC.
    private static func stripEra(_ text: inout Substring) -> Bool {
        if text.hasSuffix(" BC") {
            text = text.dropLast(3)
            return true
        }
        if text.hasSuffix(" AD") { text = text.dropLast(3) }
        return false
    }

    /// An unsigned decimal number made only of ASCII digits (at most 18 of them).
    static func digits(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.count <= 18, text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int64(text)
    }

    static func pow10(_ exponent: Int) -> Int64 {
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }
}
