import SluiceConnectSDK

/// Maps a PostgreSQL column (type OID, type modifier, text value as sent by pgoutput or returned
/// by a text-format query) to a Kafka Connect `Schema` and `ConnectValue` the way Debezium's
/// PostgreSQL connector does (`PostgresValueConverter`), for the modes configured by
/// `decimal.handling.mode` and `time.precision.mode`.
///
/// Mapping summary (schemas are optional exactly when the column is nullable; array elements are
/// always optional):
///
/// | PostgreSQL | Connect schema |
/// |---|---|
/// | bool / int2 / int4 / int8 | boolean / int16 / int32 / int64 |
/// | float4 / float8 | float32 / float64 |
/// | text, varchar, bpchar, inet, cidr, unknown OIDs (enums …) | string |
/// | json, jsonb | string `io.debezium.data.Json` |
/// | uuid | string `io.debezium.data.Uuid` |
/// | bytea (`\x…` hex or escape format) | bytes |
/// | numeric(p,s) | precise: `Decimal` (scale s, `connect.decimal.precision` p); double: float64; string: string |
/// | numeric | precise: struct `io.debezium.data.VariableScaleDecimal`; double; string |
/// | date | adaptive: int32 `io.debezium.time.Date`; connect: `Date` |
/// | time(p) | adaptive: int32 ms `io.debezium.time.Time` (p ≤ 3) or int64 µs `MicroTime`; connect: `Time` |
/// | timestamp(p) | adaptive: int64 ms `io.debezium.time.Timestamp` (p ≤ 3) or µs `MicroTimestamp`; connect: `Timestamp` |
/// | timestamptz(p) | string `io.debezium.time.ZonedTimestamp`, UTC, exactly p fraction digits (p = 6 if unset) |
/// | timetz | string `io.debezium.time.ZonedTime`, UTC |
/// | interval | int64 µs `io.debezium.time.MicroDuration` (month = 30.4375 days) |
/// | arrays of the above | array of the element schema |
///
/// Special values:
/// - numeric `NaN` / `Infinity` / `-Infinity`: precise → `null` (Debezium fails the record
///   instead); double → the IEEE value; string → `NAN` / `POSITIVE_INFINITY` / `NEGATIVE_INFINITY`
///   as Debezium writes them.
/// - timestamp `infinity` / `-infinity`: Debezium's sentinels, 9223372036825200000 µs and
///   -9223372036832400000 µs (the JDBC driver's `DATE_POSITIVE/NEGATIVE_INFINITY`), in ms
///   for the millisecond schemas.
/// - timestamptz `infinity` / `-infinity`: the strings `infinity` / `-infinity`.
/// - date `infinity` / `-infinity`: Debezium's sentinel dates -5877611-06-21 / -5877611-06-22,
///   i.e. epoch days -2147472692 / -2147472691.
public struct PostgresTypeMapper: Sendable, Equatable {
    /// Debezium's `decimal.handling.mode`.
    public enum DecimalHandlingMode: String, Sendable, CaseIterable {
        case precise
        case double
        case string
    }

    /// Debezium's `time.precision.mode` (the `adaptive` and `connect` settings).
    public enum TimePrecisionMode: String, Sendable, CaseIterable {
        case adaptive
        case connect
    }

    public var decimalHandlingMode: DecimalHandlingMode
    public var timePrecisionMode: TimePrecisionMode

    public init(decimalHandlingMode: DecimalHandlingMode = .precise, timePrecisionMode: TimePrecisionMode = .adaptive) {
        self.decimalHandlingMode = decimalHandlingMode
        self.timePrecisionMode = timePrecisionMode
    }

    /// The Connect schema for a column of this type (`enumType` for a user-defined enum column,
    /// which the catalog describes).
    public func schema(typeOid: UInt32, typeModifier: Int32 = -1, nullable: Bool, enumType: PostgresEnumType? = nil)
        -> Schema
    {
        schema(for: PostgresColumnKind(typeOid: typeOid, typeModifier: typeModifier, enumType: enumType), optional: nullable)
    }

    /// Converts a column's text value (`nil` for SQL NULL) to a Connect value matching
    /// `schema(typeOid:typeModifier:nullable:)`. SQL NULL becomes `.null` whatever the
    /// nullability. Text that is not a valid value of the type throws.
    public func value(
        typeOid: UInt32, typeModifier: Int32 = -1, nullable: Bool, enumType: PostgresEnumType? = nil, text: String?
    ) throws(PostgresValueError) -> ConnectValue {
        guard let text else { return .null }
        let kind = PostgresColumnKind(typeOid: typeOid, typeModifier: typeModifier, enumType: enumType)
        do {
            return try convert(text, kind: kind, schema: schema(for: kind, optional: nullable))
        } catch let failure {
            throw PostgresValueError(typeOid: typeOid, text: text, reason: failure.reason)
        }
    }

    /// Schema and value together.
    public func map(
        typeOid: UInt32, typeModifier: Int32 = -1, nullable: Bool, text: String?
    ) throws(PostgresValueError) -> SchemaAndValue {
        SchemaAndValue(
            schema: schema(typeOid: typeOid, typeModifier: typeModifier, nullable: nullable),
            value: try value(typeOid: typeOid, typeModifier: typeModifier, nullable: nullable, text: text))
    }

    func schema(for kind: PostgresColumnKind, optional: Bool) -> Schema {
        let connect = timePrecisionMode == .connect
        switch kind {
        case .boolean: return optional ? .optionalBoolean : .boolean
        case .int16: return optional ? .optionalInt16 : .int16
        case .int32: return optional ? .optionalInt32 : .int32
        case .int64: return optional ? .optionalInt64 : .int64
        case .float32: return optional ? .optionalFloat32 : .float32
        case .float64: return optional ? .optionalFloat64 : .float64
        case .string: return optional ? .optionalString : .string
        case .json: return DebeziumSchemas.json(optional: optional)
        case .uuid: return DebeziumSchemas.uuid(optional: optional)
        case .bytes: return optional ? .optionalBytes : .bytes
        case .date:
            return connect ? LogicalType.date(optional: optional) : DebeziumSchemas.date(optional: optional)
        case .time(let precision):
            if connect { return LogicalType.time(optional: optional) }
            return precision <= 3 ? DebeziumSchemas.time(optional: optional) : DebeziumSchemas.microTime(optional: optional)
        case .timestamp(let precision):
            if connect { return LogicalType.timestamp(optional: optional) }
            return precision <= 3
                ? DebeziumSchemas.timestamp(optional: optional) : DebeziumSchemas.microTimestamp(optional: optional)
        case .timestampWithZone: return DebeziumSchemas.zonedTimestamp(optional: optional)
        case .timeWithZone: return DebeziumSchemas.zonedTime(optional: optional)
        case .interval: return DebeziumSchemas.microDuration(optional: optional)
        case .numeric(let precision, let scale):
            switch decimalHandlingMode {
            case .double: return optional ? .optionalFloat64 : .float64
            case .string: return optional ? .optionalString : .string
            case .precise:
                guard let precision else { return DebeziumSchemas.variableScaleDecimal(optional: optional) }
                return DebeziumSchemas.decimal(precision: precision, scale: scale, optional: optional)
            }
        case .enumeration(let allowed): return DebeziumSchemas.enumeration(allowed: allowed, optional: optional)
        case .array(let element): return .array(schema(for: element, optional: true), optional: optional)
        }
    }
}

/// A user-defined enum type as a column uses it (the type OID alone does not say).
public struct PostgresEnumType: Sendable, Equatable {
    /// Labels in sort order, comma-separated (Debezium's `allowed` parameter).
    public var labels: String
    /// The column is an array of the enum.
    public var isArray: Bool

    public init(labels: String, isArray: Bool) {
        self.labels = labels
        self.isArray = isArray
    }
}

/// A column value whose text is not valid for its PostgreSQL type.
public struct PostgresValueError: Error, Sendable, Equatable, CustomStringConvertible {
    public var typeOid: UInt32
    public var text: String
    public var reason: String

    public init(typeOid: UInt32, text: String, reason: String) {
        self.typeOid = typeOid
        self.text = text
        self.reason = reason
    }

    public var description: String {
        let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
        return "cannot convert '\(shown)' (type OID \(typeOid)): \(reason)"
    }
}
