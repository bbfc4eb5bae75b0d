/// Formats UTC instants and times the way `java.time`'s ISO formatters do, which is what
/// Debezium's `ZonedTimestamp` and `ZonedTime` strings are made of.
enum IsoTemporalFormat {
    /// `ISO_LOCAL_DATE`: 4-digit zero-padded year, `+` prefix above 9999, `-` prefix below 0.
    static func date(_ date: PostgresTemporalText.Date) -> String {
        let year: String
        if date.year > 9999 {
            year = "+" + String(date.year)
        } else if date.year < 0 {
            year = "-" + pad(-date.year, 4)
        } else {
            year = pad(date.year, 4)
        }
        return "\(year)-\(pad(date.month, 2))-\(pad(date.day, 2))"
    }

    /// `yyyy-MM-ddTHH:mm:ss[.f…]Z` for microseconds since the epoch, in UTC.
    ///
    /// `fractionDigits` mirrors Debezium's `ZonedTimestamp.toIsoString(…, fractionalWidth)`: 1…9
    /// prints exactly that many fraction digits; anything else uses `ISO_OFFSET_DATE_TIME`, which
    /// prints as few digits as needed (none for a whole second).
    static func utcTimestamp(epochMicros: Int64, fractionDigits: Int?) -> String {
        let day = floorDivide(epochMicros, PostgresTemporalText.microsPerDay)
        let timeOfDay = epochMicros - day * PostgresTemporalText.microsPerDay
        let date = PostgresTemporalText.date(epochDay: day)
        return self.date(date) + "T" + time(microsOfDay: timeOfDay, fractionDigits: fractionDigits) + "Z"
    }

    /// `HH:mm:ss[.f…]Z` (`ISO_OFFSET_TIME` at UTC) for microseconds past midnight.
    static func utcTime(microsOfDay: Int64) -> String { time(microsOfDay: microsOfDay, fractionDigits: nil) + "Z" }

    private static func time(microsOfDay: Int64, fractionDigits: Int?) -> String {
        let totalSeconds = microsOfDay / PostgresTemporalText.microsPerSecond
        let micros = microsOfDay % PostgresTemporalText.microsPerSecond
        let clock = "\(pad(totalSeconds / 3600, 2)):\(pad(totalSeconds / 60 % 60, 2)):\(pad(totalSeconds % 60, 2))"
        let nanos = pad(micros * 1000, 9)
        if let width = fractionDigits, (1...9).contains(width) {
            return clock + "." + nanos.prefix(width)
        }
        guard micros != 0 else { return clock }
        var trimmed = Substring(nanos)
        while trimmed.last == "0" { trimmed = trimmed.dropLast() }
        return clock + "." + trimmed
    }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
