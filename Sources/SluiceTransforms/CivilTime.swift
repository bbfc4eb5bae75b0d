/// Proleptic-Gregorian calendar arithmetic in UTC (Howard Hinnant's `days_from_civil` /
/// `civil_from_days`), so dates need no `DateFormatter` or time zone database.
enum CivilTime {
    static let millisPerDay: Int64 = 86_400_000

    /// Floor division (rounds towards negative infinity, unlike `/`).
    static func floorDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    /// The non-negative remainder matching `floorDiv`.
    static func floorMod(_ value: Int64, _ divisor: Int64) -> Int64 { value - floorDiv(value, divisor) * divisor }

    /// Days since 1970-01-01 of a date; `month` outside 1…12 and any `day` roll over (lenient).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let year = year + floorDiv(month - 1, 12)
        let month = floorMod(month - 1, 12) + 1
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468 + (day - 1)
    }

    /// The date of a day number (days since 1970-01-01).
    static func civil(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Day of the week, 1 = Monday … 7 = Sunday (ISO numbering, as Java's `u`).
    static func isoWeekday(days: Int64) -> Int64 { floorMod(days + 3, 7) + 1 }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ]
    static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
}
