import SluiceConnectSDK

/// `TimestampConverter$Key` / `TimestampConverter$Value`: converts a timestamp — the whole
/// key/value, or `field` of a struct/map — between `string` (a `SimpleDateFormat` `format`),
/// `unix` (int64 in `unix.precision`: `milliseconds` by default, or `seconds`, `microseconds`,
/// `nanoseconds`) and the `Date`, `Time` and `Timestamp` logical types, as `target.type` says.
/// Always in UTC. Null values stay null.
public struct TimestampConverter: Transformation {
    /// The timestamp representations (`target.type` values).
    enum Kind: String, Sendable, CaseIterable {
        case string, unix
        case date = "Date"
        case time = "Time"
        case timestamp = "Timestamp"
    }

    /// `unix.precision` values, with how many of them make a millisecond (or vice versa).
    enum Precision: String, Sendable, CaseIterable {
        case seconds, milliseconds, microseconds, nanoseconds
    }

    let part: RecordPart
    let field: String
    let target: Kind
    let format: DatePattern?
    let precision: Precision

    /// The `$Value` variant.
    public init(configuration: [String: String]) throws { try self.init(part: .value, configuration: configuration) }

    public init(part: RecordPart, configuration: [String: String]) throws {
        self.part = part
        field = configuration["field"] ?? ""
        let targetText = try required(configuration, "target.type", for: "TimestampConverter")
        guard let target = Kind.allCases.first(where: { $0.rawValue.lowercased() == targetText.lowercased() }) else {
            throw ConfigException(
                key: "target.type", "target.type must be one of string, unix, Date, Time, Timestamp; got '\(targetText)'")
        }
        self.target = target
        if let pattern = configuration["format"], !pattern.isEmpty {
            do {
                format = try DatePattern(pattern)
            } catch {
                throw ConfigException(key: "format", "format is not a valid SimpleDateFormat pattern: \(error.message)")
            }
        } else {
            format = nil
            if target == .string {
                throw ConfigException(
                    key: "format", "TimestampConverter requires format when target.type is string; set format, e.g. yyyy-MM-dd")
            }
        }
        let precisionText = configuration["unix.precision"] ?? "milliseconds"
        guard let precision = Precision(rawValue: precisionText.lowercased()) else {
            throw ConfigException(
                key: "unix.precision",
                "unix.precision must be seconds, milliseconds, microseconds or nanoseconds; got '\(precisionText)'")
        }
        self.precision = precision
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        let value = part.value(of: record)
        let schema = part.schema(of: record)
        if field.isEmpty {
            guard let schema else { return part.replacing(in: record, schema: nil, value: try convert(value, from: nil)) }
            let converted = try convert(value, from: try Self.sourceKind(of: schema))
            return part.replacing(in: record, schema: outputSchema(optional: schema.isOptional), value: converted)
        }
        guard let schema else {
            guard value != .null else { return record }
            var entries = try requireMap(value, purpose: "converting timestamp formats")
            if let original = entries.value(forKey: field) { entries.set(field, try convert(original, from: nil)) }
            return part.replacing(in: record, schema: nil, value: .map(entries))
        }
        let original: ConnectStruct? =
            value == .null ? nil : try requireStruct(value, schema: schema, purpose: "converting timestamp formats")
        let fields = schema.fields.map { ($0.name, $0.name == field ? outputSchema(optional: $0.schema.isOptional) : $0.schema) }
        let updatedSchema = try updatedStruct(schema, fields: fields)
        guard let original else { return part.replacing(in: record, schema: updatedSchema, value: .null) }
        let values = try schema.fields.map { field in
            let fieldValue = try SluiceTransforms.fieldValue(original, field.name)
            return field.name == self.field ? try convert(fieldValue, from: try Self.sourceKind(of: field.schema)) : fieldValue
        }
        return part.replacing(in: record, schema: updatedSchema, value: .struct(makeStruct(updatedSchema, values)))
    }

    /// Converts one value; `kind` comes from the schema, or from the value when schemaless.
    func convert(_ value: ConnectValue, from kind: Kind?) throws -> ConnectValue {
        guard value != .null else { return .null }
        return try fromMillis(try toMillis(value, kind ?? Self.sourceKind(of: value)))
    }

    func outputSchema(optional: Bool) -> Schema {
        switch target {
        case .string: optional ? .optionalString : .string
        case .unix: optional ? .optionalInt64 : .int64
        case .date: LogicalType.date(optional: optional)
        case .time: LogicalType.time(optional: optional)
        case .timestamp: LogicalType.timestamp(optional: optional)
        }
    }

    static func sourceKind(of schema: Schema) throws -> Kind {
        switch (schema.name, schema.type) {
        case (LogicalType.timestampName, _): return .timestamp
        case (LogicalType.dateName, _): return .date
        case (LogicalType.timeName, _): return .time
        case (_, .string): return .string
        case (_, .int64): return .unix
        default: throw DataException("Schema \(schema) does not correspond to a known timestamp type format")
        }
    }

    static func sourceKind(of value: ConnectValue) throws -> Kind {
        switch value {
        case .timestamp: return .timestamp
        case .date: return .date
        case .time: return .time
        case .string: return .string
        case .int8, .int16, .int32, .int64: return .unix
        default: throw DataException("TimestampConverter does not support \(kind(of: value)) values (\(value)) without a schema")
        }
    }

    func toMillis(_ value: ConnectValue, _ kind: Kind) throws -> Int64 {
        if kind == .string {
            guard let text = value.stringValue else { throw DataException("expected a string timestamp, got \(value)") }
            guard let format else {
                throw DataException(
                    "TimestampConverter requires format to parse string timestamps; set format to the pattern of '\(text)'")
            }
            guard let millis = format.parse(text) else {
                throw DataException("Could not parse timestamp: value (\(text)) does not match pattern (\(format.pattern))")
            }
            return millis
        }
        guard let number = value.int64Value else { throw DataException("expected a \(kind.rawValue) timestamp, got \(value)") }
        switch kind {
        case .date: return try checked(number.multipliedReportingOverflow(by: CivilTime.millisPerDay))
        case .unix:
            switch precision {
            case .seconds: return try checked(number.multipliedReportingOverflow(by: 1000))
            case .milliseconds: return number
            case .microseconds: return number / 1000
            case .nanoseconds: return number / 1_000_000
            }
        default: return number
        }
    }

    func fromMillis(_ millis: Int64) throws -> ConnectValue {
        switch target {
        case .string: return .string(format?.format(millis: millis) ?? "")
        case .date:
            guard let days = Int32(exactly: CivilTime.floorDiv(millis, CivilTime.millisPerDay)) else {
                throw DataException("timestamp \(millis) is out of range for Date")
            }
            return .date(days)
        case .time: return .time(Int32(CivilTime.floorMod(millis, CivilTime.millisPerDay)))
        case .timestamp: return .timestamp(millis)
        case .unix:
            switch precision {
            case .seconds: return .int64(millis / 1000)
            case .milliseconds: return .int64(millis)
            case .microseconds: return .int64(try checked(millis.multipliedReportingOverflow(by: 1000)))
            case .nanoseconds: return .int64(try checked(millis.multipliedReportingOverflow(by: 1_000_000)))
            }
        }
    }

    func checked(_ result: (partialValue: Int64, overflow: Bool)) throws -> Int64 {
        guard !result.overflow else { throw DataException("timestamp out of range for unix.precision \(precision.rawValue)") }
        return result.partialValue
    }
}
