import SluiceConnectSDK

/// `HeaderFrom$Key` / `HeaderFrom$Value`: adds a header for each of `fields` (named by the
/// matching entry of `headers`) holding that field's value and schema. `operation=copy` leaves
/// the fields in place; `move` removes them (with a schema, from a new schema too).
public struct HeaderFrom: Transformation {
    enum Operation: String, Sendable {
        case copy, move
    }

    let part: RecordPart
    let fields: [String]
    let headers: [String]
    let operation: Operation

    /// The `$Value` variant.
    public init(configuration: [String: String]) throws { try self.init(part: .value, configuration: configuration) }

    public init(part: RecordPart, configuration: [String: String]) throws {
        self.part = part
        fields = try requiredList(configuration, "fields", for: "HeaderFrom")
        headers = try requiredList(configuration, "headers", for: "HeaderFrom", of: "header names")
        guard fields.count == headers.count else {
            throw ConfigException(
                key: "headers",
                "headers must have as many entries as fields (\(headers.count) headers for \(fields.count) fields); "
                    + "list one header per field")
        }
        let operationText = try required(configuration, "operation", for: "HeaderFrom")
        guard let operation = Operation(rawValue: operationText.lowercased()) else {
            throw ConfigException(key: "operation", "operation must be copy or move, got '\(operationText)'")
        }
        self.operation = operation
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        let value = part.value(of: record)
        guard value != .null else { return record }
        var updated = record
        guard let schema = part.schema(of: record) else {
            var entries = try requireMap(value, purpose: "header \(operation.rawValue)")
            for (field, header) in zip(fields, headers) {
                updated.headers.append(ConnectHeader(key: header, schema: nil, value: entries.value(forKey: field) ?? .null))
            }
            if operation == .move { entries.removeAll { $0.key.stringValue.map(fields.contains) == true } }
            return part.replacing(in: updated, schema: nil, value: .map(entries))
        }
        let original = try requireStruct(value, schema: schema, purpose: "header \(operation.rawValue)")
        for (field, header) in zip(fields, headers) {
            guard let fieldSchema = original.schema.field(field)?.schema else {
                throw DataException("\(field) is not a valid field name in \(original.schema)")
            }
            updated.headers.append(ConnectHeader(key: header, schema: fieldSchema, value: try fieldValue(original, field)))
        }
        guard operation == .move else { return updated }
        let kept = schema.fields.filter { !fields.contains($0.name) }
        let updatedSchema = try updatedStruct(schema, fields: kept.map { ($0.name, $0.schema) })
        let values = try kept.map { try fieldValue(original, $0.name) }
        return part.replacing(in: updated, schema: updatedSchema, value: .struct(makeStruct(updatedSchema, values)))
    }
}
