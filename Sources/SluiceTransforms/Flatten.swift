import SluiceConnectSDK

/// `Flatten$Key` / `Flatten$Value`: flattens nested structs (with a schema) or nested maps
/// (schemaless) into one level, joining field names with `delimiter` (default `.`). With a
/// schema, arrays and maps are kept as they are, and fields under an optional struct become
/// optional.
public struct Flatten: Transformation {
    let part: RecordPart
    let delimiter: String

    /// The `$Value` variant.
    public init(configuration: [String: String]) throws { try self.init(part: .value, configuration: configuration) }

    public init(part: RecordPart, configuration: [String: String]) throws {
        self.part = part
        delimiter = configuration["delimiter"] ?? "."
        if delimiter.isEmpty {
            throw ConfigException(key: "delimiter", "Flatten's delimiter must not be empty; leave it out to use '.'")
        }
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        let value = part.value(of: record)
        guard let schema = part.schema(of: record) else {
            guard value != .null else { return record }
            var flattened: [ConnectValue.MapEntry] = []
            try flatten(try requireMap(value, purpose: "flattening"), prefix: nil, into: &flattened)
            return part.replacing(in: record, schema: nil, value: .map(flattened))
        }
        let original: ConnectStruct? = value == .null ? nil : try requireStruct(value, schema: schema, purpose: "flattening")
        guard schema.type == .struct else { throw DataException("Flatten needs a struct schema, got \(schema)") }
        var fields: [(String, Schema)] = []
        flatten(schema, prefix: nil, optional: schema.isOptional, into: &fields)
        let updatedSchema = try updatedStruct(schema, fields: fields)
        guard let original else { return part.replacing(in: record, schema: updatedSchema, value: .null) }
        var values: [ConnectValue] = []
        flatten(schema, original, into: &values)
        return part.replacing(in: record, schema: updatedSchema, value: .struct(makeStruct(updatedSchema, values)))
    }

    func name(_ prefix: String?, _ field: String) -> String { prefix.map { $0 + delimiter + field } ?? field }

    func flatten(_ schema: Schema, prefix: String?, optional: Bool, into fields: inout [(String, Schema)]) {
        for field in schema.fields {
            let isOptional = optional || field.schema.isOptional
            if field.schema.type == .struct {
                flatten(field.schema, prefix: name(prefix, field.name), optional: isOptional, into: &fields)
            } else {
                fields.append((name(prefix, field.name), isOptional ? field.schema.optional : field.schema))
            }
        }
    }

    /// Leaf values in schema order; everything under a null struct is null.
    func flatten(_ schema: Schema, _ value: ConnectStruct?, into values: inout [ConnectValue]) {
        for field in schema.fields {
            let fieldValue = value?[field.name] ?? .null
            if field.schema.type == .struct {
                flatten(field.schema, fieldValue.structValue, into: &values)
            } else {
                values.append(fieldValue)
            }
        }
    }

    func flatten(_ entries: [ConnectValue.MapEntry], prefix: String?, into flattened: inout [ConnectValue.MapEntry]) throws {
        for entry in entries {
            let key = name(prefix, try stringKey(entry))
            switch entry.value {
            case .map(let nested): try flatten(nested, prefix: key, into: &flattened)
            case .struct:
                throw DataException(
                    "Flatten transformation does not support struct for record without schemas (for field \(key)).")
            default: flattened.set(key, entry.value)
            }
        }
    }
}
