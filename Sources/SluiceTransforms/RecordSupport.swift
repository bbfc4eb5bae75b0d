import SluiceConnectSDK

// Helpers shared by the field-level transformations (Kafka's `Requirements` and `SchemaUtil`).

extension RecordPart {
    /// `key` or `value`, for messages.
    var label: String { self == .key ? "key" : "value" }
}

/// A short name for the kind of a value, for error messages.
func kind(of value: ConnectValue) -> String {
    switch value {
    case .null: "null"
    case .boolean: "boolean"
    case .int8: "int8"
    case .int16: "int16"
    case .int32: "int32"
    case .int64: "int64"
    case .float32: "float32"
    case .float64: "float64"
    case .string: "string"
    case .bytes: "bytes"
    case .array: "array"
    case .map: "map"
    case .struct: "struct"
    case .decimal: "Decimal"
    case .date: "Date"
    case .time: "Time"
    case .timestamp: "Timestamp"
    }
}

/// Kafka's `requireStruct`: the value must be a struct and its schema a struct schema.
func requireStruct(_ value: ConnectValue, schema: Schema, purpose: String) throws -> ConnectStruct {
    guard schema.type == .struct, case .struct(let result) = value else {
        throw DataException("Only Struct objects supported for [\(purpose)], found: \(kind(of: value)) with schema \(schema)")
    }
    return result
}

/// Kafka's `requireMap`: without a schema the value must be a map.
func requireMap(_ value: ConnectValue, purpose: String) throws -> [ConnectValue.MapEntry] {
    guard case .map(let entries) = value else {
        throw DataException("Only Map objects supported in absence of schema for [\(purpose)], found: \(kind(of: value))")
    }
    return entries
}

/// The value of field `name`, or a `DataException` when the struct has no such field.
func fieldValue(_ value: ConnectStruct, _ name: String) throws -> ConnectValue {
    guard let result = value[name] else { throw DataException("\(name) is not a valid field name in \(value.schema)") }
    return result
}

/// A struct of `schema` with `values` in field order.
func makeStruct(_ schema: Schema, _ values: [ConnectValue]) -> ConnectStruct {
    var result = ConnectStruct(schema: schema)
    for (field, value) in zip(schema.fields, values) { result[field] = value }
    return result
}

/// Throws a `DataException` when two fields would share a name (Kafka's `SchemaBuilder` refuses).
func checkUniqueNames(_ fields: [(String, Schema)], in schema: Schema) throws {
    var seen = Set<String>()
    for (name, _) in fields where !seen.insert(name).inserted {
        throw DataException("Cannot create field because of field name duplication \(name) (in \(schema))")
    }
}

/// A map key that must be a string (schemaless records are string-keyed maps).
func stringKey(_ entry: ConnectValue.MapEntry) throws -> String {
    guard case .string(let key) = entry.key else { throw DataException("map key \(entry.key) is not a string") }
    return key
}

extension Array where Element == ConnectValue.MapEntry {
    /// The value under string key `key`.
    func value(forKey key: String) -> ConnectValue? { last { $0.key == .string(key) }?.value }

    /// Replaces the value under `key` in place, or appends the entry.
    mutating func set(_ key: String, _ value: ConnectValue) {
        if let index = lastIndex(where: { $0.key == .string(key) }) {
            self[index].value = value
        } else {
            append(ConnectValue.MapEntry(.string(key), value))
        }
    }
}

/// A Kafka Connect list setting (comma-separated); empty when absent.
func listSetting(_ configuration: [String: String], _ key: String) -> [String] {
    configuration[key].map(ConfigDef.splitList) ?? []
}

/// A required, non-empty list setting.
func requiredList(_ configuration: [String: String], _ key: String, for transform: String, of items: String = "field names")
    throws -> [String]
{
    let list = listSetting(configuration, key)
    guard !list.isEmpty else {
        throw ConfigException(key: key, "\(transform) needs \(key): a comma-separated list of \(items)")
    }
    return list
}

/// `schema` with new `fields`: name, version, doc, parameters and optionality are kept; the
/// default is dropped since it no longer fits (Kafka's `SchemaUtil.copySchemaBasics`).
func updatedStruct(_ schema: Schema, fields: [(String, Schema)]) throws -> Schema {
    try checkUniqueNames(fields, in: schema)
    return schema.with(defaultValue: .some(nil), fields: fields)
}
