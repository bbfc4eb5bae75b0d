/// How the type mapper treats a column: its type OID classified, with the type modifier decoded
/// into precision/scale where it matters.
indirect enum PostgresColumnKind: Equatable {
    case boolean
    case int16
    case int32
    case int64
    case float32
    case float64
    /// text, varchar, bpchar, inet, cidr and every unknown type (enums, domains, …).
    case string
    case json
    case uuid
    case bytes
    case date
    /// Fractional-second precision 0…6 (6 when unconstrained).
    case time(precision: Int)
    case timestamp(precision: Int)
    case timestampWithZone(precision: Int)
    case timeWithZone
    case interval
    /// `nil` precision: unconstrained `numeric` (no typmod).
    case numeric(precision: Int?, scale: Int)
    /// A user-defined enum, with its labels comma-separated.
    case enumeration(allowed: String)
    case array(PostgresColumnKind)

    /// `enumType` describes a user-defined enum column (or array of one), whose OID says nothing.
    init(typeOid: UInt32, typeModifier: Int32, enumType: PostgresEnumType? = nil) {
        typealias OID = PostgresTypeOID
        if let enumType {
            let label = Self.enumeration(allowed: enumType.labels)
            self = enumType.isArray ? .array(label) : label
            return
        }
        switch typeOid {
        case OID.bool: self = .boolean
        case OID.int2: self = .int16
        case OID.int4: self = .int32
        case OID.int8: self = .int64
        case OID.float4: self = .float32
        case OID.float8: self = .float64
        case OID.json, OID.jsonb: self = .json
        case OID.uuid: self = .uuid
        case OID.bytea: self = .bytes
        case OID.date: self = .date
        case OID.time: self = .time(precision: Self.fractionalPrecision(typeModifier))
        case OID.timestamp: self = .timestamp(precision: Self.fractionalPrecision(typeModifier))
        case OID.timestamptz: self = .timestampWithZone(precision: Self.fractionalPrecision(typeModifier))
        case OID.timetz: self = .timeWithZone
        case OID.interval: self = .interval
        case OID.numeric:
            if let (precision, scale) = Self.numericPrecisionAndScale(typeModifier) {
                self = .numeric(precision: precision, scale: scale)
            } else {
                self = .numeric(precision: nil, scale: 0)
            }
        default:
            if let element = OID.arrayElementTypes[typeOid] {
                // An array column's typmod applies to its elements (e.g. numeric(10,2)[]).
                self = .array(PostgresColumnKind(typeOid: element, typeModifier: typeModifier))
            } else {
                self = .string
            }
        }
    }

    /// time/timestamp typmod: the declared fractional-second digits, or 6 when unconstrained
    /// (what the JDBC driver reports as the column's scale, and Debezium's precision).
    static func fractionalPrecision(_ typeModifier: Int32) -> Int {
        typeModifier < 0 ? 6 : Int(min(typeModifier, 6))
    }

    /// numeric typmod = ((precision << 16) | scale) + 4; the scale is an 11-bit signed field
    /// (negative scales exist since PostgreSQL 15). `nil` when unconstrained.
    static func numericPrecisionAndScale(_ typeModifier: Int32) -> (Int, Int)? {
        guard typeModifier >= 4 else { return nil }
        let packed = Int(typeModifier) - 4
        let precision = (packed >> 16) & 0xFFFF
        let scale = ((packed & 0x7FF) ^ 1024) - 1024
        return (precision, scale)
    }
}
