/// A JSON text that could not be parsed, with the byte offset of the problem.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

extension JSONValue {
    /// Parses JSON text (RFC 8259). Integers that fit `Int64` stay integers.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses UTF-8 JSON bytes.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue { try parseTree(bytes) }

    /// Parses UTF-8 JSON bytes into any tree the parser can build.
    static func parseTree<Tree: JSONTree>(_ bytes: [UInt8]) throws(JSONParseError) -> Tree {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value: Tree = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw parser.error("unexpected trailing characters") }
        return value
    }

    /// Compact JSON text.
    public var jsonString: String { String(decoding: jsonBytes, as: UTF8.self) }

    /// Compact JSON as UTF-8 bytes.
    public var jsonBytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(to: &out)
        return out
    }

    /// Appends compact JSON to `out`.
    public func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let value): out += (value ? "true" : "false").utf8
        case .int(let value): Self.writeInteger(value, to: &out)
        case .double(let value): Self.writeDouble(value, to: &out)
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            for (index, entry) in object.entries.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(entry.key, to: &out)
                out.append(UInt8(ascii: ":"))
                entry.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Writes `value` in decimal, with no intermediate string.
    static func writeInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        if magnitude < 10 {
            out.append(UInt8(ascii: "0") &+ UInt8(magnitude))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = 20
            while magnitude > 0 {
                index -= 1
                digits[index] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }

    /// Writes a double as Kafka Connect's JSON does: integral values with `.0`, no NaN or infinity.
    static func writeDouble(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            out += "null".utf8  // JSON has no NaN/Infinity
            return
        }
        if value.rounded() == value && abs(value) < 1e16 {
            writeInteger(Int64(value), to: &out)
            out += ".0".utf8
        } else {
            out += value.description.utf8  // shortest round-trip text, without an interpolation buffer
        }
    }

    /// Writes `value` as a JSON string. Runs of bytes that need no escaping are copied in one go
    /// (this is the sink's hot path: every string of every record passes here).
    static func writeString(_ value: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var index = 0
            while true {
                let end = PlainRun.end(in: bytes, from: index)
                if index < end { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<end])) }
                guard end < bytes.count else { break }
                let byte = bytes[end]
                index = end + 1
                switch byte {
                case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
                case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    out += [
                        UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)],
                        hex[Int(byte & 0xF)],
                    ]
                }
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Finds where a run of bytes that a JSON string holds as they are ends: at a quote, a backslash
/// or a control character. Looks at eight bytes at a time (most strings have long plain runs).
enum PlainRun {
    /// The index of the first quote, backslash or control character at or after `start` (with
    /// `asciiOnly`, also the first byte of a non-ASCII character), or `bytes.count` if there is none.
    @inline(__always)
    static func end(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, asciiOnly: Bool = false) -> Int {
        // Bytes with the high bit set end the run only when asked (`asciiOnly` is constant at each call).
        let highBits: UInt64 = asciiOnly ? 0x8080_8080_8080_8080 : 0
        let highest: UInt8 = asciiOnly ? 0x7F : 0xFF
        var index = start
        let raw = UnsafeRawBufferPointer(bytes)
        while index + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if hasSpecialByte(word) || word & highBits != 0 { break }
            index += 8
        }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 || byte > highest { return index }
            index += 1
        }
        return index
    }

    /// Whether any byte of `word` is a quote, a backslash or below 0x20 (exact: the classic
    /// "has zero byte" and "has byte less than n" tests, which never miss).
    @inline(__always)
    static func hasSpecialByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroByte = { (x: UInt64) in (x &- ones) & ~x }
        let control = (word &- ones &* 0x20) & ~word
        return (zeroByte(quote) | zeroByte(backslash) | control) & high != 0
    }
}

/// What the parser builds: JSON's own tree (`JSONValue`), or Connect values directly for
/// schemaless JSON (`ConnectValue`, as `JsonConverter.schemaless` maps them).
protocol JSONTree {
    static var null: Self { get }
    static func bool(_ value: Bool) -> Self
    static func int(_ value: Int64) -> Self
    static func double(_ value: Double) -> Self
    static func string(_ value: String) -> Self
    static func array(_ values: [Self]) -> Self
    /// An object from its members in document order: a repeated key keeps its first position and
    /// takes its last value.
    static func members(_ members: [(String, Self)]) -> Self
}

extension JSONValue: JSONTree {
    static func members(_ members: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(members)) }
}

extension ConnectValue: JSONTree {
    static func bool(_ value: Bool) -> ConnectValue { .boolean(value) }
    static func int(_ value: Int64) -> ConnectValue { .int64(value) }
    static func double(_ value: Double) -> ConnectValue { .float64(value) }
    static func members(_ members: [(String, ConnectValue)]) -> ConnectValue {
        var entries: [MapEntry] = []
        entries.reserveCapacity(members.count)
        var keys: [String] = []
        keys.reserveCapacity(members.count)
        for (key, value) in members {
            if let index = keys.firstIndex(of: key) {
                entries[index].value = value
            } else {
                keys.append(key)
                entries.append(MapEntry(.string(key), value))
            }
        }
        return .map(entries)
    }
}

struct JSONParser {
    let bytes: [UInt8]
    var index = 0
    static let maxDepth = 512

    init(bytes: [UInt8], index: Int = 0) {
        self.bytes = bytes
        self.index = index
    }

    func error(_ reason: String) -> JSONParseError { JSONParseError(offset: index, reason: reason) }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func value<Tree: JSONTree>(depth: Int) throws(JSONParseError) -> Tree {
        guard depth < Self.maxDepth else { throw error("nesting deeper than \(Self.maxDepth)") }
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try literal("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try literal("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try literal("null")
            return .null
        default: return try number()
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
            bytes[index..<index + count].elementsEqual(UnsafeBufferPointer(start: word.utf8Start, count: count))
        else {
            throw error("expected \(word)")
        }
        index += count
    }

    mutating func object<Tree: JSONTree>(depth: Int) throws(JSONParseError) -> Tree {
        index += 1
        var members: [(String, Tree)] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .members(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            members.append((key, try value(depth: depth + 1)))
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated object") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
            index += 1
            return .members(members)
        }
    }

    mutating func array<Tree: JSONTree>(depth: Int) throws(JSONParseError) -> Tree {
        index += 1
        var values: [Tree] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(values)
        }
        while true {
            skipWhitespace()
            values.append(try value(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated array") }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                continue
            }
            guard bytes[index] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
            index += 1
            return .array(values)
        }
    }

    mutating func string() throws(JSONParseError) -> String {
        index += 1
        // Fast path: a string without escapes is decoded straight from the input.
        let start = index
        index = bytes.withUnsafeBufferPointer { PlainRun.end(in: $0, from: start) }
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            index += 1
            return String(decoding: bytes[start..<index - 1], as: UTF8.self)
        }
        var out = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw error("unterminated escape") }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        else {
                            throw error("unpaired surrogate")
                        }
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw error("invalid surrogate pair") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid unicode escape") }
                    out += Array(String(Character(unicode)).utf8)
                default: throw error("invalid escape")
                }
            case 0..<0x20: throw error("control character in string")
            default: out.append(byte)
            }
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw error("short unicode escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            index += 1
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit")
            }
            value = value << 4 | digit
        }
        return value
    }

    mutating func number<Tree: JSONTree>() throws(JSONParseError) -> Tree {
        let start = index
        var isFloat = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                index += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                || byte == UInt8(ascii: "+")
                || (byte == UInt8(ascii: "-") && index > start)
            {
                isFloat = true
                index += 1
            } else {
                break
            }
        }
        if !isFloat, let integer = Self.integer(bytes[start..<index]) { return .int(integer) }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard !text.isEmpty, text != "-" else { throw error("unexpected character") }
        if !isFloat, let integer = Int64(text) { return .int(integer) }
        guard let double = Double(text) else { throw error("invalid number \(text)") }
        return .double(double)
    }

    /// Decimal digits with an optional leading minus as an Int64, without making a String first;
    /// `nil` for anything else (including overflow: the caller then decides with the full text).
    static func integer(_ digits: ArraySlice<UInt8>) -> Int64? {
        var rest = digits[...]
        let negative = rest.first == UInt8(ascii: "-")
        if negative { rest = rest.dropFirst() }
        guard !rest.isEmpty, rest.count <= 18 else { return nil }  // 18 digits never overflow
        var value: Int64 = 0
        for byte in rest {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }
}
