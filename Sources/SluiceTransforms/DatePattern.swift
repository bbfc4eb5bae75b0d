import Foundation

/// A Java `SimpleDateFormat` pattern, always applied in UTC. Supports `G y Y M L d D E u a H k K
/// h m s S z Z X`, quoted literal text (`'T'`, `''` for a quote) and any other character as a
/// literal. Parsing is lenient like Java's: out-of-range numbers roll over, abutting numeric
/// fields (`yyyyMMdd`) take their pattern width, and text after the pattern is ignored.
struct DatePattern: Sendable {
    enum Token: Sendable, Equatable {
        case literal(String)
        case field(Character, Int)
    }

    /// Why a pattern is not valid.
    struct PatternError: Error {
        let message: String
    }

    static let letters: Set<Character> = [
        "G", "y", "Y", "M", "L", "d", "D", "E", "u", "a", "H", "k", "K", "h", "m", "s", "S", "z", "Z", "X",
    ]

    let pattern: String
    let tokens: [Token]

    init(_ pattern: String) throws(PatternError) {
        self.pattern = pattern
        var tokens: [Token] = []
        var literal = ""
        var chars = pattern[...]
        while let char = chars.popFirst() {
            if char == "'" {
                if chars.first == "'" {
                    chars.removeFirst()
                    literal.append("'")
                    continue
                }
                while true {
                    guard let quoted = chars.popFirst() else {
                        throw PatternError(message: "unterminated quote in pattern \(pattern)")
                    }
                    if quoted == "'" {
                        guard chars.first == "'" else { break }
                        chars.removeFirst()
                    }
                    literal.append(quoted)
                }
            } else if char.isASCII && char.isLetter {
                guard Self.letters.contains(char) else { throw PatternError(message: "Illegal pattern character '\(char)'") }
                var count = 1
                while chars.first == char {
                    chars.removeFirst()
                    count += 1
                }
                if !literal.isEmpty { tokens.append(.literal(literal)) }
                literal = ""
                tokens.append(.field(char, count))
            } else {
                literal.append(char)
            }
        }
        if !literal.isEmpty { tokens.append(.literal(literal)) }
        self.tokens = tokens
    }

    static func isNumeric(_ letter: Character, _ count: Int) -> Bool {
        switch letter {
        case "M", "L": count < 3
        case "G", "E", "a", "z", "Z", "X": false
        default: true
        }
    }

    // MARK: Formatting

    /// Formats milliseconds since the epoch.
    func format(millis: Int64) -> String {
        let days = CivilTime.floorDiv(millis, CivilTime.millisPerDay)
        let millisOfDay = millis - days * CivilTime.millisPerDay
        let (year, month, day) = CivilTime.civil(days: days)
        let hour = millisOfDay / 3_600_000
        let weekday = Int(CivilTime.isoWeekday(days: days))
        func pad(_ number: Int64, _ width: Int) -> String {
            let digits = String(number.magnitude)
            return (number < 0 ? "-" : "") + String(repeating: "0", count: max(width - digits.count, 0)) + digits
        }
        var text = ""
        for token in tokens {
            guard case .field(let letter, let count) = token else {
                if case .literal(let literal) = token { text += literal }
                continue
            }
            switch letter {
            case "G": text += year > 0 ? "AD" : "BC"
            case "y", "Y":
                let yearOfEra = year > 0 ? year : 1 - year
                text += count == 2 ? pad(yearOfEra % 100, 2) : pad(yearOfEra, count)
            case "M", "L":
                let name = CivilTime.monthNames[Int(month) - 1]
                text += count >= 4 ? name : count == 3 ? String(name.prefix(3)) : pad(month, count)
            case "d": text += pad(day, count)
            case "D": text += pad(days - CivilTime.days(year: year, month: 1, day: 1) + 1, count)
            case "E":
                let name = CivilTime.weekdayNames[weekday - 1]
                text += count >= 4 ? name : String(name.prefix(3))
            case "u": text += pad(Int64(weekday), count)
            case "a": text += hour < 12 ? "AM" : "PM"
            case "H": text += pad(hour, count)
            case "k": text += pad(hour == 0 ? 24 : hour, count)
            case "K": text += pad(hour % 12, count)
            case "h": text += pad(hour % 12 == 0 ? 12 : hour % 12, count)
            case "m": text += pad(millisOfDay / 60_000 % 60, count)
            case "s": text += pad(millisOfDay / 1000 % 60, count)
            case "S": text += pad(millisOfDay % 1000, count)
            case "z": text += count >= 4 ? "Coordinated Universal Time" : "UTC"
            case "Z": text += "+0000"
            default: text += "Z"  // X: ISO 8601 zone, "Z" for UTC
            }
        }
        return text
    }

    // MARK: Parsing

    /// Parses text into milliseconds since the epoch, or `nil` if it does not match.
    func parse(_ text: String) -> Int64? {
        var input = Substring(text)
        var year: Int64 = 1970
        var month: Int64 = 1
        var day: Int64 = 1
        var dayOfYear: Int64?
        var hour24: Int64?
        var hour12: Int64?
        var isPM = false
        var isBC = false
        var minute: Int64 = 0
        var second: Int64 = 0
        var millis: Int64 = 0
        var offsetMinutes: Int64 = 0
        for (index, token) in tokens.enumerated() {
            switch token {
            case .literal(let literal):
                guard input.hasPrefix(literal) else { return nil }
                input = input.dropFirst(literal.count)
            case .field(let letter, let count) where Self.isNumeric(letter, count):
                var abutting = false
                if index + 1 < tokens.count, case .field(let next, let nextCount) = tokens[index + 1] {
                    abutting = Self.isNumeric(next, nextCount)
                }
                let digits = input.prefix { $0.isASCII && $0.isNumber }.prefix(abutting ? count : 18)
                guard !digits.isEmpty, let number = Int64(digits) else { return nil }
                input = input.dropFirst(digits.count)
                switch letter {
                case "y", "Y": year = count <= 2 && digits.count == 2 ? Self.windowedYear(number) : number
                case "M", "L": month = number
                case "d": day = number
                case "D": dayOfYear = number
                case "H": hour24 = number
                case "k": hour24 = number == 24 ? 0 : number
                case "K": hour12 = number
                case "h": hour12 = number == 12 ? 0 : number
                case "m": minute = number
                case "s": second = number
                case "S": millis = number
                default: break  // u: the weekday follows from the date
                }
            case .field(let letter, _):
                switch letter {
                case "M", "L":
                    guard let found = Self.matchName(&input, CivilTime.monthNames) else { return nil }
                    month = Int64(found + 1)
                case "E": guard Self.matchName(&input, CivilTime.weekdayNames) != nil else { return nil }
                case "a":
                    guard let found = Self.matchName(&input, ["AM", "PM"], short: false) else { return nil }
                    isPM = found == 1
                case "G":
                    guard let found = Self.matchName(&input, ["AD", "BC"], short: false) else { return nil }
                    isBC = found == 1
                default:
                    guard let offset = Self.parseZone(&input) else { return nil }
                    offsetMinutes = offset
                }
            }
        }
        if isBC { year = 1 - year }
        let date =
            dayOfYear.map { CivilTime.days(year: year, month: 1, day: $0) } ?? CivilTime.days(year: year, month: month, day: day)
        let hour = hour24 ?? ((hour12 ?? 0) + (isPM ? 12 : 0))
        let time = ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + millis
        return date * CivilTime.millisPerDay + time
    }

    /// Java's two-digit-year rule: the year within 80 years before and 20 after now.
    static func windowedYear(_ twoDigits: Int64) -> Int64 {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let start = CivilTime.civil(days: CivilTime.floorDiv(now, CivilTime.millisPerDay)).year - 80
        let candidate = start - CivilTime.floorMod(start, 100) + twoDigits
        return candidate < start ? candidate + 100 : candidate
    }

    /// Matches one of `names` (or its three-letter form), case-insensitively; returns its index.
    static func matchName(_ input: inout Substring, _ names: [String], short: Bool = true) -> Int? {
        let forms = names.map { [$0] + (short ? [String($0.prefix(3))] : []) }
        for (index, candidates) in forms.enumerated() {
            for name in candidates where input.prefix(name.count).lowercased() == name.lowercased() {
                input = input.dropFirst(name.count)
                return index
            }
        }
        return nil
    }

    /// `Z`, `UTC`, `GMT`, or an offset `±hh`, `±hhmm`, `±hh:mm` (optionally after UTC/GMT); minutes east.
    static func parseZone(_ input: inout Substring) -> Int64? {
        if input.hasPrefix("Z") {
            input = input.dropFirst()
            return 0
        }
        var named = false
        for name in ["UTC", "GMT"] where input.hasPrefix(name) {
            input = input.dropFirst(3)
            named = true
        }
        guard let sign = input.first, sign == "+" || sign == "-" else { return named ? 0 : nil }
        var rest = input.dropFirst()
        let hours = rest.prefix { $0.isASCII && $0.isNumber }.prefix(2)
        guard let hourValue = Int64(hours) else { return nil }
        rest = rest.dropFirst(hours.count)
        if rest.first == ":" { rest = rest.dropFirst() }
        let minutes = rest.prefix { $0.isASCII && $0.isNumber }.prefix(2)
        let minuteValue = minutes.count == 2 ? Int64(minutes) ?? 0 : 0
        if minutes.count == 2 { rest = rest.dropFirst(2) }
        input = rest
        return (sign == "-" ? -1 : 1) * (hourValue * 60 + minuteValue)
    }
}
