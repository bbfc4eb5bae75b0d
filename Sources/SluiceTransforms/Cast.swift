import Foundation
import SluiceConnectSDK

/// `Cast$Key` / `Cast$Value`: casts fields (`spec=field:type,…`) of a struct/map, or the whole
/// key/value (`spec=type`), to `int8`, `int16`, `int32`, `int64`, `float32`, `float64`,
/// `boolean` or `string`, with Java's conversion rules (narrowing truncates, floats to integers
/// round toward zero and saturate, numbers are true when non-zero, strings parse).
public struct Cast: Transformation {
    /// The types Cast can produce.
    enum Target: String, Sendable, CaseIterable {
        case int8, int16, int32, int64, float32, float64, boolean, string

        var schemaType: Schema.SchemaType { Schema.SchemaType(rawValue: rawValue) ?? .string }

        func schema(optional: Bool, defaultValue: ConnectValue? = nil) -> Schema {
            Schema(type: schemaType, optional: optional, defaultValue: defaultValue)
        }
    }

    let part: RecordPart
    let casts: [String: Target]
    let wholeValue: Target?

    /// The `$Value` variant.
    public init(configuration: [String: String]) throws { try self.init(part: .value, configuration: configuration) }

    public init(part: RecordPart, configuration: [String: String]) throws {
        self.part = part
        let entries = listSetting(configuration, "spec")
        guard !entries.isEmpty else {
            throw ConfigException(
                key: "spec", "Cast needs spec: field:type pairs (e.g. age:int32,score:float64) or a single type")
        }
        func target(_ name: Substring) throws -> Target {
            guard let target = Target(rawValue: name.lowercased()) else {
                throw ConfigException(
                    key: "spec",
                    "spec has an invalid type '\(name)'; use one of \(Target.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return target
        }
        var casts: [String: Target] = [:]
        var wholeValue: Target?
        for entry in entries {
            let parts = entry.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 1 && entries.count == 1 {
                wholeValue = try target(parts[0])
            } else if parts.count == 2 && !parts[0].isEmpty {
                casts[String(parts[0])] = try target(parts[1])
            } else {
                throw ConfigException(
                    key: "spec", "spec entry '\(entry)' must be field:type (or spec must be one type for the whole value)")
            }
        }
        self.casts = casts
        self.wholeValue = wholeValue
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        let value = part.value(of: record)
        let schema = part.schema(of: record)
        if let wholeValue {
            guard let schema else { return part.replacing(in: record, schema: nil, value: try Self.cast(value, to: wholeValue)) }
            try Self.checkCastable(schema, name: part.label)
            return part.replacing(
                in: record, schema: wholeValue.schema(optional: schema.isOptional), value: try Self.cast(value, to: wholeValue))
        }
        guard let schema else {
            guard value != .null else { return record }
            var entries = try requireMap(value, purpose: "cast types")
            for index in entries.indices {
                guard let name = entries[index].key.stringValue, let target = casts[name] else { continue }
                entries[index].value = try Self.cast(entries[index].value, to: target)
            }
            return part.replacing(in: record, schema: nil, value: .map(entries))
        }
        let original: ConnectStruct? = value == .null ? nil : try requireStruct(value, schema: schema, purpose: "cast types")
        let fields = try schema.fields.map { field in
            guard let target = casts[field.name] else { return (field.name, field.schema) }
            try Self.checkCastable(field.schema, name: field.name)
            let defaultValue = try field.schema.defaultValue.map { try Self.cast($0, to: target) }
            return (field.name, target.schema(optional: field.schema.isOptional, defaultValue: defaultValue))
        }
        let updatedSchema = try updatedStruct(schema, fields: fields)
        guard let original else { return part.replacing(in: record, schema: updatedSchema, value: .null) }
        let values = try schema.fields.map { field in
            let fieldValue = try SluiceTransforms.fieldValue(original, field.name)
            return try casts[field.name].map { try Self.cast(fieldValue, to: $0) } ?? fieldValue
        }
        return part.replacing(in: record, schema: updatedSchema, value: .struct(makeStruct(updatedSchema, values)))
    }

    static func checkCastable(_ schema: Schema, name: String) throws {
        guard schema.type.isPrimitive else {
            throw DataException("Cast transformation does not support casting from \(schema.type.rawValue) (\(name))")
        }
    }

    /// Casts one value with Java's conversion rules.
    static func cast(_ value: ConnectValue, to target: Target) throws -> ConnectValue {
        switch (value, target) {
        case (.null, _): return .null
        case (.array, _), (.map, _), (.struct, _):
            throw DataException("Cast transformation does not support casting from \(kind(of: value))")
        case (_, .string): return .string(text(of: value))
        case (.string(let text), .boolean): return .boolean(text.lowercased() == "true")
        case (.boolean(let flag), .boolean): return .boolean(flag)
        case (_, .boolean): return .boolean(try integer(value, bits: 64) != 0)
        case (.string(let text), .float32):
            guard let number = Float(text.trimmingCharacters(in: .whitespaces)) else { throw outOfRange(value, target) }
            return .float32(number)
        case (.string(let text), .float64):
            guard let number = Double(text.trimmingCharacters(in: .whitespaces)) else { throw outOfRange(value, target) }
            return .float64(number)
        case (.boolean(let flag), .float32): return .float32(flag ? 1 : 0)
        case (.boolean(let flag), .float64): return .float64(flag ? 1 : 0)
        case (_, .float32), (_, .float64):
            guard let number = value.doubleValue else { throw unsupported(value) }
            return target == .float32 ? .float32(Float(number)) : .float64(number)
        case (.string(let text), _):
            guard let number = Int64(text), let narrowed = narrow(number, target) else { throw outOfRange(value, target) }
            return narrowed
        default:
            let bits = [Target.int8: 8, .int16: 16, .int32: 32][target] ?? 64
            return narrow(try integer(value, bits: bits), target, truncating: true) ?? .null
        }
    }

    /// Java's `Number.xxxValue()`: integers truncate to `bits`; floats go through `int` (or `long`
    /// for 64 bits) with saturation, NaN becoming 0.
    static func integer(_ value: ConnectValue, bits: Int) throws -> Int64 {
        if case .boolean(let flag) = value { return flag ? 1 : 0 }
        if let number = value.int64Value { return number }
        switch value {
        case .float32, .float64, .decimal:
            guard let number = value.doubleValue, !number.isNaN else { return 0 }
            let bound = bits == 64 ? 9.223372036854775807e18 : 2_147_483_647
            if number >= bound { return bits == 64 ? .max : Int64(Int32.max) }
            if number <= -bound - 1 { return bits == 64 ? .min : Int64(Int32.min) }
            return Int64(number.rounded(.towardZero))
        default: throw unsupported(value)
        }
    }

    static func narrow(_ number: Int64, _ target: Target, truncating: Bool = false) -> ConnectValue? {
        switch target {
        case .int8: truncating ? .int8(Int8(truncatingIfNeeded: number)) : Int8(exactly: number).map { .int8($0) }
        case .int16: truncating ? .int16(Int16(truncatingIfNeeded: number)) : Int16(exactly: number).map { .int16($0) }
        case .int32: truncating ? .int32(Int32(truncatingIfNeeded: number)) : Int32(exactly: number).map { .int32($0) }
        default: .int64(number)
        }
    }

    /// Java's `toString()` of the value (ISO-8601 for dates and times, base64 for bytes).
    static func text(of value: ConnectValue) -> String {
        switch value {
        case .string(let text): text
        case .boolean(let flag): flag ? "true" : "false"
        case .float32(let number): number.description
        case .float64(let number): number.description
        case .decimal(let decimal): decimal.description
        case .bytes(let bytes): Data(bytes).base64EncodedString()
        case .date(let days): dateFormat.format(millis: Int64(days) * CivilTime.millisPerDay)
        case .time(let millis): timeFormat.format(millis: Int64(millis))
        case .timestamp(let millis): timestampFormat.format(millis: millis)
        default: value.int64Value.map(String.init) ?? "\(value)"
        }
    }

    static let dateFormat = try! DatePattern("yyyy-MM-dd")
    static let timeFormat = try! DatePattern("HH:mm:ss.SSS")
    static let timestampFormat = try! DatePattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")

    static func outOfRange(_ value: ConnectValue, _ target: Target) -> DataException {
        DataException("Value (\(text(of: value))) was out of range for requested data type \(target.rawValue)")
    }

    static func unsupported(_ value: ConnectValue) -> DataException {
        DataException("Cast transformation does not support casting from \(kind(of: value))")
    }
}
