/// Built-in PostgreSQL type OIDs (`pg_type.oid`, fixed across versions) that the type mapper
/// knows. Types created at run time (enums, domains, extensions) have dynamic OIDs and are not
/// listed here.
public enum PostgresTypeOID {
    public static let bool: UInt32 = 16
    public static let bytea: UInt32 = 17
    public static let int8: UInt32 = 20
    public static let int2: UInt32 = 21
    public static let int4: UInt32 = 23
    public static let text: UInt32 = 25
    public static let json: UInt32 = 114
    public static let cidr: UInt32 = 650
    public static let float4: UInt32 = 700
    public static let float8: UInt32 = 701
    public static let inet: UInt32 = 869
    public static let bpchar: UInt32 = 1042
    public static let varchar: UInt32 = 1043
    public static let date: UInt32 = 1082
    public static let time: UInt32 = 1083
    public static let timestamp: UInt32 = 1114
    public static let timestamptz: UInt32 = 1184
    public static let interval: UInt32 = 1186
    public static let timetz: UInt32 = 1266
    public static let numeric: UInt32 = 1700
    public static let uuid: UInt32 = 2950
    public static let jsonb: UInt32 = 3802

    public static let jsonArray: UInt32 = 199
    public static let cidrArray: UInt32 = 651
    public static let boolArray: UInt32 = 1000
    public static let byteaArray: UInt32 = 1001
    public static let int2Array: UInt32 = 1005
    public static let int4Array: UInt32 = 1007
    public static let textArray: UInt32 = 1009
    public static let bpcharArray: UInt32 = 1014
    public static let varcharArray: UInt32 = 1015
    public static let int8Array: UInt32 = 1016
    public static let float4Array: UInt32 = 1021
    public static let float8Array: UInt32 = 1022
    public static let inetArray: UInt32 = 1041
    public static let timestampArray: UInt32 = 1115
    public static let dateArray: UInt32 = 1182
    public static let timeArray: UInt32 = 1183
    public static let timestamptzArray: UInt32 = 1185
    public static let numericArray: UInt32 = 1231
    public static let timetzArray: UInt32 = 1270
    public static let uuidArray: UInt32 = 2951
    public static let jsonbArray: UInt32 = 3807

    /// Array type OID → element type OID, for the arrays the mapper supports.
    public static let arrayElementTypes: [UInt32: UInt32] = [
        jsonArray: json, cidrArray: cidr, boolArray: bool, byteaArray: bytea, int2Array: int2, int4Array: int4,
        textArray: text, bpcharArray: bpchar, varcharArray: varchar, int8Array: int8, float4Array: float4,
        float8Array: float8, inetArray: inet, timestampArray: timestamp, dateArray: date, timeArray: time,
        timestamptzArray: timestamptz, numericArray: numeric, timetzArray: timetz, uuidArray: uuid, jsonbArray: jsonb,
    ]
}
