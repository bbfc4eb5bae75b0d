/// A Kafka Connect schema: type, optionality, default, name, version, doc, parameters, and the
/// fields (struct) or key/value schemas (map, array). Immutable and shared, as in Kafka Connect.
public final class Schema: Sendable, Hashable, CustomStringConvertible {
    /// Kafka Connect's schema types.
    public enum SchemaType: String, Sendable, CaseIterable {
        case int8, int16, int32, int64, float32, float64, boolean, string, bytes, array, map
        case `struct`

        public var isPrimitive: Bool { ![.array, .map, .struct].contains(self) }
    }

    /// A struct field: name, position, schema.
    public struct Field: Sendable, Hashable {
        public let name: String
        public let index: Int
        public let schema: Schema

        public init(name: String, index: Int, schema: Schema) {
            self.name = name
            self.index = index
            self.schema = schema
        }
    }

    public let type: SchemaType
    public let isOptional: Bool
    public let defaultValue: ConnectValue?
    /// The schema's name; logical types use Kafka Connect's names (`org.apache.kafka.connect.data.Decimal`, …).
    public let name: String?
    public let version: Int?
    public let doc: String?
    public let parameters: [String: String]
    /// Struct fields in order (empty for other types).
    public let fields: [Field]
    /// No two fields share a name (what lets a struct be written as JSON field by field).
    let hasUniqueFieldNames: Bool
    /// Each field's name as a JSON object key with its colon (`"name":`), rendered once.
    let jsonFieldKeys: [[UInt8]]
    /// Map key schema.
    public let keySchema: Schema?
    /// Map value schema or array element schema.
    public let valueSchema: Schema?

    public init(
        type: SchemaType, optional: Bool = false, defaultValue: ConnectValue? = nil, name: String? = nil, version: Int? = nil,
        doc: String? = nil, parameters: [String: String] = [:], fields: [(String, Schema)] = [], keySchema: Schema? = nil,
        valueSchema: Schema? = nil
    ) {
        self.type = type
        self.isOptional = optional
        self.defaultValue = defaultValue
        self.name = name
        self.version = version
        self.doc = doc
        self.parameters = parameters
        self.fields = fields.enumerated().map { Field(name: $0.element.0, index: $0.offset, schema: $0.element.1) }
        self.hasUniqueFieldNames = Set(fields.map(\.0)).count == fields.count
        self.jsonFieldKeys = fields.map { JSONValue.string($0.0).jsonBytes + [UInt8(ascii: ":")] }
        self.keySchema = keySchema
        self.valueSchema = valueSchema
    }

    /// The field named `name`.
    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }

    /// A copy with some attributes changed.
    public func with(
        optional: Bool? = nil, name: String?? = nil, version: Int?? = nil, doc: String?? = nil,
        defaultValue: ConnectValue?? = nil,
        fields: [(String, Schema)]? = nil
    ) -> Schema {
        Schema(
            type: type, optional: optional ?? isOptional, defaultValue: defaultValue ?? self.defaultValue,
            name: name ?? self.name,
            version: version ?? self.version, doc: doc ?? self.doc, parameters: parameters,
            fields: fields ?? self.fields.map { ($0.name, $0.schema) }, keySchema: keySchema, valueSchema: valueSchema)
    }

    /// This schema, optional.
    public var optional: Schema { isOptional ? self : with(optional: true) }

    public static func == (lhs: Schema, rhs: Schema) -> Bool {
        lhs === rhs
            || (lhs.type == rhs.type && lhs.isOptional == rhs.isOptional && lhs.defaultValue == rhs.defaultValue
                && lhs.name == rhs.name
                && lhs.version == rhs.version && lhs.doc == rhs.doc && lhs.parameters == rhs.parameters
                && lhs.fields == rhs.fields
                && lhs.keySchema == rhs.keySchema && lhs.valueSchema == rhs.valueSchema)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(type)
        hasher.combine(isOptional)
        hasher.combine(name)
        hasher.combine(fields.map(\.name))
    }

    public var description: String {
        var text = "Schema{\(name.map { "\($0):" } ?? "")\(type.rawValue.uppercased())"
        if !fields.isEmpty { text += "{" + fields.map { "\($0.name):\($0.schema)" }.joined(separator: ",") + "}" }
        return text + (isOptional ? "?}" : "}")
    }
}

extension Schema {
    public static let int8 = Schema(type: .int8)
    public static let int16 = Schema(type: .int16)
    public static let int32 = Schema(type: .int32)
    public static let int64 = Schema(type: .int64)
    public static let float32 = Schema(type: .float32)
    public static let float64 = Schema(type: .float64)
    public static let boolean = Schema(type: .boolean)
    public static let string = Schema(type: .string)
    public static let bytes = Schema(type: .bytes)
    public static let optionalInt8 = Schema(type: .int8, optional: true)
    public static let optionalInt16 = Schema(type: .int16, optional: true)
    public static let optionalInt32 = Schema(type: .int32, optional: true)
    public static let optionalInt64 = Schema(type: .int64, optional: true)
    public static let optionalFloat32 = Schema(type: .float32, optional: true)
    public static let optionalFloat64 = Schema(type: .float64, optional: true)
    public static let optionalBoolean = Schema(type: .boolean, optional: true)
    public static let optionalString = Schema(type: .string, optional: true)
    public static let optionalBytes = Schema(type: .bytes, optional: true)

    /// A struct schema.
    public static func `struct`(name: String? = nil, optional: Bool = false, version: Int? = nil, _ fields: [(String, Schema)])
        -> Schema
    {
        Schema(type: .struct, optional: optional, name: name, version: version, fields: fields)
    }

    /// An array schema.
    public static func array(_ element: Schema, optional: Bool = false) -> Schema {
        Schema(type: .array, optional: optional, valueSchema: element)
    }

    /// A map schema.
    public static func map(_ key: Schema, _ value: Schema, optional: Bool = false) -> Schema {
        Schema(type: .map, optional: optional, keySchema: key, valueSchema: value)
    }
}

/// Kafka Connect's logical types: names, parameters and their underlying schemas.
public enum LogicalType {
    public static let decimalName = "org.apache.kafka.connect.data.Decimal"
    public static let dateName = "org.apache.kafka.connect.data.Date"
    public static let timeName = "org.apache.kafka.connect.data.Time"
    public static let timestampName = "org.apache.kafka.connect.data.Timestamp"
    /// The Decimal parameter holding the scale.
    public static let scaleParameter = "scale"

    /// `Decimal`: bytes (big-endian two's-complement unscaled value) with a `scale` parameter.
    public static func decimal(scale: Int, optional: Bool = false) -> Schema {
        Schema(type: .bytes, optional: optional, name: decimalName, version: 1, parameters: [scaleParameter: String(scale)])
    }

    /// `Date`: int32 days since the Unix epoch.
    public static func date(optional: Bool = false) -> Schema {
        Schema(type: .int32, optional: optional, name: dateName, version: 1)
    }
    /// `Time`: int32 milliseconds since midnight.
    public static func time(optional: Bool = false) -> Schema {
        Schema(type: .int32, optional: optional, name: timeName, version: 1)
    }
    /// `Timestamp`: int64 milliseconds since the Unix epoch.
    public static func timestamp(optional: Bool = false) -> Schema {
        Schema(type: .int64, optional: optional, name: timestampName, version: 1)
    }
}
