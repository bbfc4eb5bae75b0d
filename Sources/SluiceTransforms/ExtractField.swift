import SluiceConnectSDK

/// `ExtractField$Key` / `ExtractField$Value`: replaces the struct/map with the value of one
/// `field` (and, with a schema, that field's schema). With `field.syntax.version=V2` the field
/// may be a dotted path into nested structs/maps. Missing map entries give null; a field that
/// is not in the schema is an error.
public struct ExtractField: Transformation {
    let part: RecordPart
    let path: FieldPath
    let fieldText: String

    /// The `$Value` variant.
    public init(configuration: [String: String]) throws { try self.init(part: .value, configuration: configuration) }

    public init(part: RecordPart, configuration: [String: String]) throws {
        self.part = part
        fieldText = try required(configuration, "field", for: "ExtractField")
        path = try FieldPath(fieldText, key: "field", configuration: configuration)
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        let value = part.value(of: record)
        guard let schema = part.schema(of: record) else {
            if value != .null { _ = try requireMap(value, purpose: "field extraction") }
            return part.replacing(in: record, schema: nil, value: path.value(in: value))
        }
        if value != .null { _ = try requireStruct(value, schema: schema, purpose: "field extraction") }
        guard schema.type == .struct, let field = path.field(in: schema) else {
            throw DataException("Unknown field: \(fieldText) in \(schema)")
        }
        return part.replacing(in: record, schema: field.schema, value: path.value(in: value))
    }
}
