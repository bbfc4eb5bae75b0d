/// A Kafka Connect value. Logical types have their own cases so connectors and converters never
/// confuse a `Date` with a plain int32.
public enum ConnectValue: Sendable, Hashable {
    case null
    case boolean(Bool)
    case int8(Int8)
    case int16(Int16)
    case int32(Int32)
    case int64(Int64)
    case float32(Float)
    case float64(Double)
    case string(String)
    case bytes([UInt8])
    case array([ConnectValue])
    /// Map entries in order (keys may be any value, as in Kafka Connect).
    case map([MapEntry])
    case `struct`(ConnectStruct)
    /// Logical `Decimal`.
    case decimal(ConnectDecimal)
    /// Logical `Date`: days since 1970-01-01.
    case date(Int32)
    /// Logical `Time`: milliseconds since midnight.
    case time(Int32)
    /// Logical `Timestamp`: milliseconds since the Unix epoch.
    case timestamp(Int64)

    /// A map entry.
    public struct MapEntry: Sendable, Hashable {
        public var key: ConnectValue
        public var value: ConnectValue
        public init(_ key: ConnectValue, _ value: ConnectValue) {
            self.key = key
            self.value = value
        }
    }

    /// Whether this is `.null` (a pattern match: cheaper than `== .null`, which compares payloads' cases).
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }

    /// The struct, if this is one.
    public var structValue: ConnectStruct? { if case .struct(let value) = self { value } else { nil } }
    /// The string, if this is one.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// Any integer case (incl. date/time/timestamp) widened to Int64.
    public var int64Value: Int64? {
        switch self {
        case .int8(let v): Int64(v)
        case .int16(let v): Int64(v)
        case .int32(let v): Int64(v)
        case .int64(let v): v
        case .date(let v): Int64(v)
        case .time(let v): Int64(v)
        case .timestamp(let v): v
        default: nil
        }
    }
    /// Any number as a Double.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): Double(v)
        case .float64(let v): v
        case .decimal(let v): Double(v.description)
        default: int64Value.map(Double.init)
        }
    }

    /// Map entries, if this is a map.
    public var mapEntries: [MapEntry]? { if case .map(let value) = self { value } else { nil } }

    /// A map with string keys (the schemaless JSON shape).
    public static func stringMap(_ entries: [(String, ConnectValue)]) -> ConnectValue {
        .map(entries.map { MapEntry(.string($0.0), $0.1) })
    }

    /// The value under string key `key` of a map, or field `key` of a struct.
    public subscript(key: String) -> ConnectValue? {
        switch self {
        case .struct(let value): value[key]
        case .map(let entries): entries.first { $0.key == .string(key) }?.value
        default: nil
        }
    }
}

/// A struct value: a struct schema and one value per field.
public struct ConnectStruct: Sendable, Hashable {
    public let schema: Schema
    public private(set) var values: [ConnectValue]

    /// An empty struct (every field null until set).
    public init(schema: Schema) {
        precondition(schema.type == .struct, "ConnectStruct needs a struct schema, got \(schema.type)")
        self.schema = schema
        self.values = Array(repeating: .null, count: schema.fields.count)
    }

    /// A struct from one value per field, in the schema's field order (a count that differs is a
    /// programming error). The fast way to build a struct whose layout the caller knows.
    public init(schema: Schema, values: [ConnectValue]) {
        precondition(schema.type == .struct, "ConnectStruct needs a struct schema, got \(schema.type)")
        precondition(values.count == schema.fields.count, "\(values.count) values for \(schema.fields.count) fields of \(schema)")
        self.schema = schema
        self.values = values
    }

    /// A struct from field values by name; unknown names are a programming error.
    public init(schema: Schema, _ values: [String: ConnectValue]) {
        self.init(schema: schema)
        for (name, value) in values { self[name] = value }
    }

    /// The value of field `name` (`nil` if there is no such field).
    public subscript(name: String) -> ConnectValue? {
        get { schema.field(name).map { values[$0.index] } }
        set {
            guard let field = schema.field(name) else { preconditionFailure("no field \(name) in \(schema)") }
            values[field.index] = newValue ?? .null
        }
    }

    /// The value of `field`.
    public subscript(field: Schema.Field) -> ConnectValue {
        get { values[field.index] }
        set { values[field.index] = newValue }
    }

    /// Checks every required field has a value and every value fits its schema.
    public func validate() throws(DataException) {
        for field in schema.fields {
            try ConnectValue.validate(values[field.index], against: field.schema, path: field.name)
        }
    }
}

/// An arbitrary-precision decimal: a big-endian two's-complement unscaled integer and a scale,
/// exactly Kafka Connect's `Decimal` representation.
public struct ConnectDecimal: Sendable, Hashable, CustomStringConvertible {
    /// Big-endian two's-complement bytes of the unscaled value.
    public var unscaled: [UInt8]
    public var scale: Int32

    public init(unscaled: [UInt8], scale: Int32) {
        self.unscaled = unscaled.isEmpty ? [0] : unscaled
        self.scale = scale
    }

    /// Parses a decimal string such as `-123.4500` (keeps the scale as written).
    public init?(_ text: String) {
        var digits = text
        var negative = false
        if digits.hasPrefix("-") {
            negative = true
            digits.removeFirst()
        } else if digits.hasPrefix("+") {
            digits.removeFirst()
        }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !(parts[0].isEmpty && (parts.count == 1 || parts[1].isEmpty)) else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        let all = String(parts[0]) + fraction
        guard all.allSatisfy(\.isASCII), all.allSatisfy(\.isNumber) else { return nil }
        // Decimal digits → big-endian magnitude bytes.
        var magnitude: [UInt8] = [0]
        for character in all.utf8 {
            var carry = Int(character - UInt8(ascii: "0"))
            for index in magnitude.indices.reversed() {
                let product = Int(magnitude[index]) * 10 + carry
                magnitude[index] = UInt8(product & 0xFF)
                carry = product >> 8
            }
            while carry > 0 {
                magnitude.insert(UInt8(carry & 0xFF), at: 0)
                carry >>= 8
            }
        }
        if magnitude[0] & 0x80 != 0 { magnitude.insert(0, at: 0) }
        self.init(unscaled: negative ? Self.negate(magnitude) : magnitude, scale: Int32(fraction.count))
    }

    /// Two's-complement negation of a big-endian byte array.
    static func negate(_ bytes: [UInt8]) -> [UInt8] {
        var out = bytes.map { ~$0 }
        for index in out.indices.reversed() {
            let (sum, overflow) = out[index].addingReportingOverflow(1)
            out[index] = sum
            if !overflow { break }
        }
        return out
    }

    public var isNegative: Bool { (unscaled.first ?? 0) & 0x80 != 0 }

    /// The plain decimal text, e.g. `-123.4500`.
    public var description: String {
        var magnitude = isNegative ? Self.negate(unscaled) : unscaled
        // Repeated division by 10 of the big-endian magnitude.
        var digits: [UInt8] = []
        while magnitude.contains(where: { $0 != 0 }) {
            var remainder = 0
            for index in magnitude.indices {
                let current = remainder << 8 | Int(magnitude[index])
                magnitude[index] = UInt8(current / 10)
                remainder = current % 10
            }
            digits.append(UInt8(remainder) + UInt8(ascii: "0"))
        }
        if digits.isEmpty { digits = [UInt8(ascii: "0")] }
        var text = String(decoding: digits.reversed(), as: UTF8.self)
        if scale > 0 {
            let width = Int(scale)
            if text.count <= width { text = String(repeating: "0", count: width - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -width))
        } else if scale < 0 {
            text += String(repeating: "0", count: Int(-scale))
        }
        return (isNegative ? "-" : "") + text
    }
}

/// A value that does not fit its schema, or data a converter cannot read.
public struct DataException: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ConnectValue {
    /// Checks that `value` fits `schema` (types, required fields, nested values).
    public static func validate(_ value: ConnectValue, against schema: Schema, path: String = "value") throws(DataException) {
        if value.isNull {
            guard schema.isOptional || schema.defaultValue != nil else { throw DataException("\(path) is required but null") }
            return
        }
        let fits: Bool =
            switch (schema.type, value) {
            case (.int8, .int8), (.int16, .int16), (.int32, .int32), (.int64, .int64), (.float32, .float32), (.float64, .float64),
                (.boolean, .boolean), (.string, .string), (.bytes, .bytes), (.array, .array), (.map, .map), (.struct, .struct):
                true
            case (.bytes, .decimal): schema.name == LogicalType.decimalName
            case (.int32, .date): schema.name == LogicalType.dateName
            case (.int32, .time): schema.name == LogicalType.timeName
            case (.int64, .timestamp): schema.name == LogicalType.timestampName
            default: false
            }
        guard fits else { throw DataException("\(path): \(value) does not fit schema \(schema)") }
        switch value {
        case .array(let elements):
            if let element = schema.valueSchema {
                for (index, item) in elements.enumerated() { try validate(item, against: element, path: "\(path)[\(index)]") }
            }
        case .struct(let nested): try nested.validate()
        default: break
        }
    }
}
