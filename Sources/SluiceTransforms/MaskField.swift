import SluiceConnectSDK

/// `MaskField$Key` / `MaskField$Value`: replaces the listed `fields` with the empty value of
/// their type (0, false, "", empty bytes/array/map, the epoch for dates and times), or with
/// `replacement` parsed as the field's type (strings and numbers only). The schema is
/// unchanged; nulls stay null; fields that are not there are ignored.
public struct MaskField: Transformation {
    let part: RecordPart
    let fields: Set<String>
    let replacement: String?

    /// The `$Value` variant.
    public init(configuration: [String: String]) throws { try self.init(part: .value, configuration: configuration) }

    public init(part: RecordPart, configuration: [String: String]) throws {
        self.part = part
        fields = Set(try requiredList(configuration, "fields", for: "MaskField"))
        replacement = configuration["replacement"]
        if replacement?.isEmpty == true {
            throw ConfigException(key: "replacement", "replacement must not be empty; remove it to mask with empty values")
        }
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        let value = part.value(of: record)
        guard value != .null else { return record }
        guard let schema = part.schema(of: record) else {
            var entries = try requireMap(value, purpose: "masking")
            for index in entries.indices where entries[index].key.stringValue.map(fields.contains) == true {
                entries[index].value = try masked(entries[index].value)
            }
            return part.replacing(in: record, schema: nil, value: .map(entries))
        }
        var updated = try requireStruct(value, schema: schema, purpose: "masking")
        for field in updated.schema.fields where fields.contains(field.name) {
            updated[field] = try masked(updated[field])
        }
        return part.replacing(in: record, schema: schema, value: .struct(updated))
    }

    func masked(_ value: ConnectValue) throws -> ConnectValue {
        guard let replacement else { return try Self.emptyValue(like: value) }
        func number<T: LosslessStringConvertible>(_ type: T.Type) throws -> T {
            guard let parsed = T(replacement) else {
                throw DataException("Unable to convert \(replacement) (String) to number for a \(kind(of: value)) field")
            }
            return parsed
        }
        switch value {
        case .null: return .null
        case .string: return .string(replacement)
        case .int8: return .int8(try number(Int8.self))
        case .int16: return .int16(try number(Int16.self))
        case .int32: return .int32(try number(Int32.self))
        case .int64: return .int64(try number(Int64.self))
        case .float32: return .float32(try number(Float.self))
        case .float64: return .float64(try number(Double.self))
        case .decimal(let original):
            // Written at the field's scale, as the Decimal schema requires.
            let scale = Int(max(original.scale, 0))
            let parts = replacement.split(separator: ".", omittingEmptySubsequences: false)
            let fraction = parts.count == 2 ? String(parts[1]) : ""
            let text =
                String(parts[0])
                + (scale > 0 ? "." + fraction + String(repeating: "0", count: max(scale - fraction.count, 0)) : "")
            guard parts.count <= 2, fraction.count <= scale, let parsed = ConnectDecimal(text) else {
                throw DataException("Unable to convert \(replacement) (String) to a Decimal with scale \(scale)")
            }
            return .decimal(parsed)
        default: throw DataException("Cannot mask value of type \(kind(of: value)) with custom replacement.")
        }
    }

    /// The type-appropriate empty value Kafka masks with.
    static func emptyValue(like value: ConnectValue) throws -> ConnectValue {
        switch value {
        case .null: .null
        case .boolean: .boolean(false)
        case .int8: .int8(0)
        case .int16: .int16(0)
        case .int32: .int32(0)
        case .int64: .int64(0)
        case .float32: .float32(0)
        case .float64: .float64(0)
        case .string: .string("")
        case .bytes: .bytes([])
        case .array: .array([])
        case .map: .map([])
        case .decimal(let original): .decimal(ConnectDecimal(unscaled: [0], scale: original.scale))
        case .date: .date(0)
        case .time: .time(0)
        case .timestamp: .timestamp(0)
        case .struct: throw DataException("Cannot mask value of type struct")
        }
    }
}
