import SluiceConnectSDK

/// `HoistField$Key` / `HoistField$Value`: wraps the whole key/value in a struct with one
/// `field` (when it has a schema) or a map with one entry (schemaless).
public struct HoistField: Transformation {
    let part: RecordPart
    let field: String

    /// The `$Value` variant.
    public init(configuration: [String: String]) throws { try self.init(part: .value, configuration: configuration) }

    public init(part: RecordPart, configuration: [String: String]) throws {
        self.part = part
        field = try required(configuration, "field", for: "HoistField")
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        let value = part.value(of: record)
        guard let schema = part.schema(of: record) else {
            return part.replacing(in: record, schema: nil, value: .stringMap([(field, value)]))
        }
        let updatedSchema = Schema.struct([(field, schema)])
        return part.replacing(in: record, schema: updatedSchema, value: .struct(makeStruct(updatedSchema, [value])))
    }
}
