/// A PostgreSQL `interval` parsed from its text form (`IntervalStyle = postgres`, the default,
/// e.g. `1 year 2 mons -3 days +04:05:06.789`, or `postgres_verbose`, e.g. `@ 1 hour 2 mins ago`),
/// field by field as the PostgreSQL JDBC driver's `PGInterval` does.
struct PostgresIntervalText: Equatable {
    var years = 0
    var months = 0
    var days = 0
    var hours = 0
    var minutes = 0
    var wholeSeconds = 0
    var microseconds = 0

    /// Seconds including the fraction, computed as `PGInterval.getSeconds()` does.
    var seconds: Double { Double(wholeSeconds) + Double(microseconds) / 1_000_000 }

    /// Debezium's `MicroDuration.durationMicros(…, DAYS_PER_MONTH_AVG)`: months are 365.25 / 12 =
    /// 30.4375 days (so a year is 365.25 days), days are 24 hours, and the sum is computed in
    /// double precision and truncated toward zero — reproduced here bit for bit.
    var debeziumMicros: Int64 {
        let daysPerMonth = 365.25 / 12.0
        let numberOfDays = Double(years * 12 + months) * daysPerMonth + Double(days)
        let numberOfSeconds = ((numberOfDays * 24 + Double(hours)) * 60 + Double(minutes)) * 60 + seconds
        let micros = numberOfSeconds * 1e6
        guard micros.isFinite else { return 0 }
        if micros >= 9.223_372_036_854_775_807e18 { return .max }  // Java's (long) cast saturates
        if micros <= -9.223_372_036_854_775_808e18 { return .min }
        return Int64(micros)
    }

    /// Parses like `PGInterval.setValue`: `+` and `@` count as spaces, unit words are matched
    /// whole (PostgreSQL's abbreviations included), `[-]H:MM[:SS.ffffff]` fills hours, minutes
    /// and seconds, a trailing bare number is seconds, and a final `ago` negates everything.
    init?(_ text: String) {
        let normalized = text.lowercased().map { $0 == "+" || $0 == "@" ? " " : $0 }
        let tokens = String(normalized).split(whereSeparator: \.isWhitespace)
        guard !tokens.isEmpty else { return nil }
        var pending: Substring?
        var isAgo = false
        var seconds = 0.0
        for token in tokens {
            guard !isAgo else { return nil }
            if token.contains(":") {
                guard pending == nil, let clock = Self.clock(token) else { return nil }
                (hours, minutes, seconds) = clock
            } else if let value = pending {
                guard let field = Self.unitField(token) else { return nil }
                if field == .seconds {
                    guard let parsed = Double(value) else { return nil }
                    seconds = parsed
                } else {
                    guard let number = Int32(value) else { return nil }
                    set(field, Int(number))
                }
                pending = nil
            } else if token == "ago" && text.hasPrefix("@") {
                isAgo = true
            } else {
                pending = token
            }
        }
        if let value = pending {
            guard let parsed = Double(value) else { return nil }
            seconds = parsed
        }
        if isAgo {
            years = -years
            months = -months
            days = -days
            hours = -hours
            minutes = -minutes
            seconds = -seconds
        }
        guard seconds.isFinite else { return nil }
        setSeconds(seconds)
    }

    private enum Field { case years, months, days, hours, minutes, seconds }

    private mutating func set(_ field: Field, _ value: Int) {
        switch field {
        case .years: years = value
        case .months: months = value
        case .days: days = value
        case .hours: hours = value
        case .minutes: minutes = value
        case .seconds: wholeSeconds = value
        }
    }

    private static func unitField(_ unit: Substring) -> Field? {
        switch unit {
        case "y", "yr", "yrs", "year", "years": .years
        case "mon", "mons", "month", "months": .months
        case "d", "day", "days": .days
        case "h", "hr", "hrs", "hour", "hours": .hours
        case "m", "min", "mins", "minute", "minutes": .minutes
        case "s", "sec", "secs", "second", "seconds": .seconds
        default: nil
        }
    }

    /// `[-]H…:MM[:SS[.ffffff]]`; a leading `-` negates all three parts.
    private static func clock(_ token: Substring) -> (Int, Int, Double)? {
        let negative = token.first == "-"
        let parts = (negative ? token.dropFirst() : token).split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), parts[1].count == 2, let hour = Int32(parts[0]), let minute = Int32(parts[1]),
            hour >= 0, minute >= 0
        else { return nil }
        var seconds = 0.0
        if parts.count == 3 {
            guard parts[2].first?.isNumber == true, let parsed = Double(parts[2]) else { return nil }
            seconds = parsed
        }
        return negative ? (-Int(hour), -Int(minute), -seconds) : (Int(hour), Int(minute), seconds)
    }

    /// `PGInterval.setSeconds`: total microseconds by `Math.round`, split into whole seconds and
    /// microseconds (both carrying the sign).
    private mutating func setSeconds(_ seconds: Double) {
        let scaled = seconds * 1_000_000
        let floor = scaled.rounded(.down)
        let rounded = scaled - floor >= 0.5 ? floor + 1 : floor
        let total = rounded >= 9.2e18 ? Int64.max : rounded <= -9.2e18 ? Int64.min : Int64(rounded)
        wholeSeconds = Int(total / 1_000_000)
        microseconds = Int(total % 1_000_000)
    }
}
