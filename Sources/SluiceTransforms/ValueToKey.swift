import SluiceConnectSDK

/// `ValueToKey`: replaces the key with a struct (value has a schema) or map (schemaless) made of
/// the value's `fields`, in the order listed.
public struct ValueToKey: Transformation {
    let fields: [String]

    public init(configuration: [String: String]) throws {
        fields = try requiredList(configuration, "fields", for: "ValueToKey")
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        guard let schema = record.valueSchema else {
            let entries = try requireMap(record.value, purpose: "copying fields from value to key")
            let key = ConnectValue.stringMap(fields.map { ($0, entries.value(forKey: $0) ?? .null) })
            return record.with {
                $0.keySchema = nil
                $0.key = key
            }
        }
        let value = try requireStruct(record.value, schema: schema, purpose: "copying fields from value to key")
        let keyFields = try fields.map { name in
            guard let field = schema.field(name) else { throw DataException("Field does not exist: \(name)") }
            return (name, field.schema)
        }
        let keySchema = Schema.struct(keyFields)
        let key = makeStruct(keySchema, try fields.map { try fieldValue(value, $0) })
        return record.with {
            $0.keySchema = keySchema
            $0.key = .struct(key)
        }
    }
}
