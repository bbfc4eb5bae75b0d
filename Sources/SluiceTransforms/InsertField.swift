import SluiceConnectSDK

/// `InsertField$Key` / `InsertField$Value`: adds the record's topic (`topic.field`), partition
/// (`partition.field`), offset (`offset.field`, sink records only), timestamp (`timestamp.field`)
/// and/or a constant (`static.field` = `static.value`) as fields. A field name ending in `!` makes
/// the field required, `?` (the default) optional. Structs get a new schema with the extra fields
/// appended; schemaless maps get extra entries. Null (tombstone) keys/values pass through.
public struct InsertField: Transformation {
    /// One field to insert: its name and whether its schema is optional.
    struct Spec: Sendable {
        let name: String
        let optional: Bool

        /// Parses `name`, `name!` or `name?` from `key`; `nil` when the key is absent.
        static func parse(_ configuration: [String: String], _ key: String) throws -> Spec? {
            guard var name = configuration[key] else { return nil }
            var optional = true
            if name.hasSuffix("!") {
                optional = false
                name.removeLast()
            } else if name.hasSuffix("?") {
                name.removeLast()
            }
            guard !name.isEmpty else {
                throw ConfigException(
                    key: key, "\(key) must be a field name, optionally followed by ! (required) or ? (optional)")
            }
            return Spec(name: name, optional: optional)
        }
    }

    /// A field about to be inserted into one record.
    struct Insertion {
        let spec: Spec
        let schema: Schema
        /// The value in a struct (`.null` when the record has none, e.g. no timestamp).
        let structValue: ConnectValue
        /// The value in a schemaless map (`.null` means: do not insert).
        let mapValue: ConnectValue
    }

    let part: RecordPart
    let topicField: Spec?
    let partitionField: Spec?
    let offsetField: Spec?
    let timestampField: Spec?
    let staticField: Spec?
    let staticValue: String?

    /// The `$Value` variant.
    public init(configuration: [String: String]) throws { try self.init(part: .value, configuration: configuration) }

    public init(part: RecordPart, configuration: [String: String]) throws {
        self.part = part
        topicField = try Spec.parse(configuration, "topic.field")
        partitionField = try Spec.parse(configuration, "partition.field")
        offsetField = try Spec.parse(configuration, "offset.field")
        timestampField = try Spec.parse(configuration, "timestamp.field")
        staticField = try Spec.parse(configuration, "static.field")
        staticValue = configuration["static.value"]
        if staticField != nil && staticValue == nil {
            throw ConfigException(
                key: "static.value", "InsertField has static.field but no static.value; set static.value to the text to insert")
        }
    }

    var isApplicable: Bool {
        topicField != nil || partitionField != nil || offsetField != nil || timestampField != nil || staticField != nil
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        let value = part.value(of: record)
        guard isApplicable, value != .null else { return record }
        let insertions = try self.insertions(for: record)
        guard let schema = part.schema(of: record) else {
            var entries = try requireMap(value, purpose: "field insertion")
            for insertion in insertions where insertion.mapValue != .null { entries.set(insertion.spec.name, insertion.mapValue) }
            return part.replacing(in: record, schema: nil, value: .map(entries))
        }
        let original = try requireStruct(value, schema: schema, purpose: "field insertion")
        let fields = schema.fields.map { ($0.name, $0.schema) } + insertions.map { ($0.spec.name, $0.schema) }
        let updatedSchema = try updatedStruct(schema, fields: fields)
        var values = try schema.fields.map { try fieldValue(original, $0.name) }
        for insertion in insertions {
            if insertion.structValue == .null && !insertion.spec.optional {
                throw DataException("required field \(insertion.spec.name) has no value for this record")
            }
            values.append(insertion.structValue)
        }
        return part.replacing(in: record, schema: updatedSchema, value: .struct(makeStruct(updatedSchema, values)))
    }

    func insertions<R: ConnectRecord>(for record: R) throws -> [Insertion] {
        var result: [Insertion] = []
        func add(_ spec: Spec?, _ schema: Schema, _ structValue: ConnectValue, _ mapValue: ConnectValue) {
            guard let spec else { return }
            result.append(
                Insertion(
                    spec: spec, schema: spec.optional ? schema.optional : schema, structValue: structValue, mapValue: mapValue))
        }
        add(topicField, .string, .string(record.topic), .string(record.topic))
        let partition = record.kafkaPartition.map { ConnectValue.int32($0) } ?? .null
        add(partitionField, .int32, partition, partition)
        if offsetField != nil {
            guard let sink = record as? SinkRecord else {
                throw DataException("Offset insertion is only supported for sink connectors, record is of type: \(R.self)")
            }
            add(offsetField, .int64, .int64(sink.kafkaOffset), .int64(sink.kafkaOffset))
        }
        add(
            timestampField, LogicalType.timestamp(), record.timestamp.map { .timestamp($0) } ?? .null,
            record.timestamp.map { .int64($0) } ?? .null)
        let constant = staticValue.map { ConnectValue.string($0) } ?? .null
        add(staticField, .string, constant, constant)
        return result
    }
}
