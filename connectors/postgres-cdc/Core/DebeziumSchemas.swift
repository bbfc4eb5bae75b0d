import SluiceConnectSDK

/// Debezium's semantic schema names and builders (`io.debezium.time.*`, `io.debezium.data.*`),
/// built exactly as Debezium builds them: the underlying Connect type, the name and version 1.
public enum DebeziumSchemas {
    public static let dateName = "io.debezium.time.Date"
    public static let timeName = "io.debezium.time.Time"
    public static let microTimeName = "io.debezium.time.MicroTime"
    public static let timestampName = "io.debezium.time.Timestamp"
    public static let microTimestampName = "io.debezium.time.MicroTimestamp"
    public static let zonedTimestampName = "io.debezium.time.ZonedTimestamp"
    public static let zonedTimeName = "io.debezium.time.ZonedTime"
    public static let microDurationName = "io.debezium.time.MicroDuration"
    public static let jsonName = "io.debezium.data.Json"
    public static let uuidName = "io.debezium.data.Uuid"
    public static let enumName = "io.debezium.data.Enum"
    public static let variableScaleDecimalName = "io.debezium.data.VariableScaleDecimal"
    /// The Decimal parameter Debezium adds for Avro's `precision`.
    public static let decimalPrecisionParameter = "connect.decimal.precision"

    /// A string restricted to an enum's labels (comma-separated in the `allowed` parameter).
    public static func enumeration(allowed: String, optional: Bool) -> Schema {
        Schema(type: .string, optional: optional, name: enumName, version: 1, parameters: ["allowed": allowed])
    }

    /// int32 days since the epoch.
    public static func date(optional: Bool) -> Schema { named(.int32, dateName, optional) }
    /// int32 milliseconds past midnight.
    public static func time(optional: Bool) -> Schema { named(.int32, timeName, optional) }
    /// int64 microseconds past midnight.
    public static func microTime(optional: Bool) -> Schema { named(.int64, microTimeName, optional) }
    /// int64 milliseconds since the epoch (no time zone).
    public static func timestamp(optional: Bool) -> Schema { named(.int64, timestampName, optional) }
    /// int64 microseconds since the epoch (no time zone).
    public static func microTimestamp(optional: Bool) -> Schema { named(.int64, microTimestampName, optional) }
    /// ISO-8601 string with offset, e.g. `2024-01-02T03:04:05.123456Z`.
    public static func zonedTimestamp(optional: Bool) -> Schema { named(.string, zonedTimestampName, optional) }
    /// ISO-8601 time with offset, e.g. `01:04:05.123Z`.
    public static func zonedTime(optional: Bool) -> Schema { named(.string, zonedTimeName, optional) }
    /// int64 approximate microseconds of an interval.
    public static func microDuration(optional: Bool) -> Schema { named(.int64, microDurationName, optional) }
    /// JSON text.
    public static func json(optional: Bool) -> Schema { named(.string, jsonName, optional) }
    /// UUID text.
    public static func uuid(optional: Bool) -> Schema { named(.string, uuidName, optional) }

    /// Kafka Connect Decimal with Debezium's precision parameter.
    public static func decimal(precision: Int, scale: Int, optional: Bool) -> Schema {
        Schema(
            type: .bytes, optional: optional, name: LogicalType.decimalName, version: 1,
            parameters: [LogicalType.scaleParameter: String(scale), decimalPrecisionParameter: String(precision)])
    }

    /// `io.debezium.data.VariableScaleDecimal`: struct {scale: int32, value: bytes} for numerics
    /// without a declared scale.
    public static func variableScaleDecimal(optional: Bool) -> Schema {
        Schema(
            type: .struct, optional: optional, name: variableScaleDecimalName, version: 1, doc: "Variable scaled decimal",
            fields: [("scale", .int32), ("value", .bytes)])
    }

    private static func named(_ type: Schema.SchemaType, _ name: String, _ optional: Bool) -> Schema {
        Schema(type: type, optional: optional, name: name, version: 1)
    }
}
