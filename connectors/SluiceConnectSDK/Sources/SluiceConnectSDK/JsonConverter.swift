import Foundation

/// `org.apache.kafka.connect.json.JsonConverter`, wire-compatible: with `schemas.enable=true`
/// (the default) every message is `{"schema": …, "payload": …}`; without, plain JSON whose
/// schema is inferred on read (objects become string-keyed maps, integers int64).
/// `decimal.format` is `BASE64` (default) or `NUMERIC`.
public struct JsonConverter: Converter, HeaderConverter {
    public let schemasEnabled: Bool
    public let decimalNumeric: Bool
    /// Serialized schemas by schema object: a connector reuses a handful of schemas for millions of
    /// records, and the envelope repeats the schema in every message.
    private let schemaCache = SchemaBytesCache()

    public init(configuration: [String: String], isKey: Bool) throws {
        let enabled = configuration["schemas.enable"]?.lowercased() ?? "true"
        guard enabled == "true" || enabled == "false" else {
            throw ConfigException(key: "schemas.enable", "schemas.enable must be true or false, got '\(enabled)'")
        }
        let format = configuration["decimal.format"]?.uppercased() ?? "BASE64"
        guard format == "BASE64" || format == "NUMERIC" else {
            throw ConfigException(key: "decimal.format", "decimal.format must be BASE64 or NUMERIC, got '\(format)'")
        }
        schemasEnabled = enabled == "true"
        decimalNumeric = format == "NUMERIC"
    }

    public init(configuration: [String: String]) throws { try self.init(configuration: configuration, isKey: false) }

    public func fromConnectData(topic: String, schema: Schema?, value: ConnectValue) throws -> [UInt8]? {
        if schema == nil && value.isNull { return nil }
        if let schema { try ConnectValue.validate(value, against: schema) }
        var out: [UInt8] = []
        guard schemasEnabled else {
            Self.writePayload(schema: schema, value: value, decimalNumeric: decimalNumeric, to: &out)
            return out
        }
        guard let schema else {
            out += #"{"schema":null,"payload":"#.utf8
            Self.writePayload(schema: nil, value: value, decimalNumeric: decimalNumeric, to: &out)
            out.append(UInt8(ascii: "}"))
            return out
        }
        // Sized from the largest record of this schema so far (up to 64 KiB, so one huge record does
        // not make every later one reserve as much): an array grown by doubling would hold up to
        // twice its bytes while the record waits for the producer.
        let (schemaBytes, sizeHint) = schemaCache.bytes(for: schema)
        out.reserveCapacity(min(sizeHint, 64 << 10))
        out += #"{"schema":"#.utf8
        out += schemaBytes
        out += #","payload":"#.utf8
        Self.writePayload(schema: schema, value: value, decimalNumeric: decimalNumeric, to: &out)
        out.append(UInt8(ascii: "}"))
        if out.count > sizeHint { schemaCache.noteSize(out.count, for: schema) }
        return out
    }

    public func toConnectData(topic: String, bytes: [UInt8]?) throws -> SchemaAndValue {
        guard let bytes else { return .null }
        // Schemaless JSON goes straight to Connect values (what `schemaless` makes of the JSON tree).
        guard schemasEnabled else { return SchemaAndValue(schema: nil, value: try Self.parse(bytes, topic: topic)) }
        let json: JSONValue = try Self.parse(bytes, topic: topic)
        guard let object = json.objectValue, object.count == 2, let schemaJSON = object["schema"], let payload = object["payload"]
        else {
            throw DataException(
                "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. "
                    + "If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration."
            )
        }
        if schemaJSON == .null { return SchemaAndValue(schema: nil, value: Self.schemaless(payload)) }
        let schema = try Self.schema(from: schemaJSON)
        return SchemaAndValue(schema: schema, value: try Self.value(from: payload, schema: schema))
    }

    public func fromConnectHeader(topic: String, key: String, schema: Schema?, value: ConnectValue) throws -> [UInt8]? {
        try fromConnectData(topic: topic, schema: schema, value: value)
    }

    public func toConnectHeader(topic: String, key: String, bytes: [UInt8]?) throws -> SchemaAndValue {
        try toConnectData(topic: topic, bytes: bytes)
    }

    // MARK: Schema ⇄ JSON

    /// Kafka Connect's JSON form of a schema.
    public static func schemaJSON(_ schema: Schema) -> JSONValue {
        var object = JSONObject()
        object["type"] = .string(jsonTypeName(schema.type))
        switch schema.type {
        case .struct:
            object["fields"] = .array(
                schema.fields.map { field in
                    guard case .object(var entry) = schemaJSON(field.schema) else { return .null }
                    entry["field"] = .string(field.name)
                    return .object(entry)
                })
        case .array:
            if let element = schema.valueSchema { object["items"] = schemaJSON(element) }
        case .map:
            if let key = schema.keySchema { object["keys"] = schemaJSON(key) }
            if let value = schema.valueSchema { object["values"] = schemaJSON(value) }
        default: break
        }
        object["optional"] = .bool(schema.isOptional)
        if let name = schema.name { object["name"] = .string(name) }
        if let version = schema.version { object["version"] = .int(Int64(version)) }
        if let doc = schema.doc { object["doc"] = .string(doc) }
        if !schema.parameters.isEmpty {
            object["parameters"] = .object(
                JSONObject(schema.parameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
        }
        if let defaultValue = schema.defaultValue {
            object["default"] = payload(schema: schema.with(defaultValue: .some(nil)), value: defaultValue, decimalNumeric: false)
        }
        return .object(object)
    }

    /// The type names of Kafka Connect's `JsonSchema`: `float` and `double` for the two floating
    /// point types (not `float32`/`float64`, Kafka's enum names), the others as they are.
    static func jsonTypeName(_ type: Schema.SchemaType) -> String {
        switch type {
        case .float32: "float"
        case .float64: "double"
        default: type.rawValue
        }
    }

    /// Reads Kafka Connect's JSON form of a schema (`float32`/`float64` are accepted besides
    /// `float`/`double`).
    public static func schema(from json: JSONValue) throws -> Schema {
        guard let object = json.objectValue, let typeName = object["type"]?.stringValue,
            let type = typeName == "float" ? .float32 : typeName == "double" ? .float64 : Schema.SchemaType(rawValue: typeName)
        else { throw DataException("schema must be an object with a known \"type\", got \(json.jsonString)") }
        let optional = object["optional"]?.boolValue ?? false
        let name = object["name"]?.stringValue
        let version = object["version"]?.intValue.map { Int($0) }
        let doc = object["doc"]?.stringValue
        var parameters: [String: String] = [:]
        for entry in object["parameters"]?.objectValue ?? JSONObject() {
            parameters[entry.key] = entry.value.stringValue ?? entry.value.jsonString
        }
        var fields: [(String, Schema)] = []
        var keySchema: Schema?
        var valueSchema: Schema?
        switch type {
        case .struct:
            for field in object["fields"]?.arrayValue ?? [] {
                guard let fieldName = field["field"]?.stringValue else {
                    throw DataException("struct field without \"field\" name")
                }
                fields.append((fieldName, try schema(from: field)))
            }
        case .array:
            guard let items = object["items"] else { throw DataException("array schema without \"items\"") }
            valueSchema = try schema(from: items)
        case .map:
            guard let keys = object["keys"], let values = object["values"] else {
                throw DataException("map schema without \"keys\"/\"values\"")
            }
            keySchema = try schema(from: keys)
            valueSchema = try schema(from: values)
        default: break
        }
        let base = Schema(
            type: type, optional: optional, name: name, version: version, doc: doc, parameters: parameters, fields: fields,
            keySchema: keySchema, valueSchema: valueSchema)
        if let defaultJSON = object["default"] {
            return base.with(defaultValue: .some(try value(from: defaultJSON, schema: base)))
        }
        return base
    }

    static func parse<Tree: JSONTree>(_ bytes: [UInt8], topic: String) throws -> Tree {
        do {
            return try JSONValue.parseTree(bytes)
        } catch {
            throw DataException(
                "Converting byte[] to Kafka Connect data failed due to serialization error of topic \(topic): \(error)")
        }
    }

    // MARK: Value ⇄ JSON

    /// The JSON payload for a value (schema-directed when there is a schema).
    public static func payload(schema: Schema?, value: ConnectValue, decimalNumeric: Bool) -> JSONValue {
        let resolved = value.isNull ? (schema?.defaultValue ?? .null) : value
        switch resolved {
        case .null: return .null
        case .boolean(let flag): return .bool(flag)
        case .int8(let v): return .int(Int64(v))
        case .int16(let v): return .int(Int64(v))
        case .int32(let v): return .int(Int64(v))
        case .int64(let v): return .int(v)
        case .date(let v): return .int(Int64(v))
        case .time(let v): return .int(Int64(v))
        case .timestamp(let v): return .int(v)
        case .float32(let v): return .double(Double(v))
        case .float64(let v): return .double(v)
        case .string(let text): return .string(text)
        case .bytes(let bytes): return .string(Data(bytes).base64EncodedString())
        case .decimal(let decimal):
            return decimalNumeric
                ? (Double(decimal.description).map { .double($0) } ?? .string(decimal.description))
                : .string(Data(decimal.unscaled).base64EncodedString())
        case .array(let items):
            return .array(items.map { payload(schema: schema?.valueSchema, value: $0, decimalNumeric: decimalNumeric) })
        case .map(let entries):
            let stringKeys = schema.map { $0.keySchema?.type == .string } ?? entries.allSatisfy { $0.key.stringValue != nil }
            if stringKeys {
                return .object(
                    JSONObject(
                        entries.map {
                            (
                                $0.key.stringValue ?? StringConverter.text(of: $0.key),
                                payload(schema: schema?.valueSchema, value: $0.value, decimalNumeric: decimalNumeric)
                            )
                        }))
            }
            return .array(
                entries.map {
                    .array([
                        payload(schema: schema?.keySchema, value: $0.key, decimalNumeric: decimalNumeric),
                        payload(schema: schema?.valueSchema, value: $0.value, decimalNumeric: decimalNumeric),
                    ])
                })
        case .struct(let value):
            return .object(
                JSONObject(
                    value.schema.fields.map {
                        ($0.name, payload(schema: $0.schema, value: value[$0], decimalNumeric: decimalNumeric))
                    }))
        }
    }

    /// Appends the JSON text of `payload(schema:value:decimalNumeric:)` to `out` without building
    /// the JSON tree for structs, string-keyed maps and arrays (the converters' and sinks' hot path).
    public static func writePayload(schema: Schema?, value: ConnectValue, decimalNumeric: Bool, to out: inout [UInt8]) {
        let resolved = value.isNull ? (schema?.defaultValue ?? .null) : value
        switch resolved {
        // Scalars as `payload` renders them, without the JSON value in between.
        case .null: out += "null".utf8
        case .boolean(let flag): out += (flag ? "true" : "false").utf8
        case .int8(let v): JSONValue.writeInteger(Int64(v), to: &out)
        case .int16(let v): JSONValue.writeInteger(Int64(v), to: &out)
        case .int32(let v): JSONValue.writeInteger(Int64(v), to: &out)
        case .int64(let v): JSONValue.writeInteger(v, to: &out)
        case .date(let v): JSONValue.writeInteger(Int64(v), to: &out)
        case .time(let v): JSONValue.writeInteger(Int64(v), to: &out)
        case .timestamp(let v): JSONValue.writeInteger(v, to: &out)
        case .float32(let v): JSONValue.writeDouble(Double(v), to: &out)
        case .float64(let v): JSONValue.writeDouble(v, to: &out)
        case .string(let text): JSONValue.writeString(text, to: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writePayload(schema: schema?.valueSchema, value: item, decimalNumeric: decimalNumeric, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .struct(let value) where value.schema.hasUniqueFieldNames:
            out.append(UInt8(ascii: "{"))
            for field in value.schema.fields {
                if field.index > 0 { out.append(UInt8(ascii: ",")) }
                out += value.schema.jsonFieldKeys[field.index]
                writePayload(schema: field.schema, value: value[field], decimalNumeric: decimalNumeric, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case .map(let entries)
        where schema.map({ $0.keySchema?.type == .string }) ?? true
            && entries.allSatisfy({ $0.key.stringValue != nil }) && Self.uniqueKeys(entries):
            // Keys that are all strings and distinct: an object written entry by entry (other maps
            // take the general path, which merges duplicate keys and writes non-string keys as pairs).
            out.append(UInt8(ascii: "{"))
            for (index, entry) in entries.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(entry.key.stringValue!, to: &out)
                out.append(UInt8(ascii: ":"))
                writePayload(schema: schema?.valueSchema, value: entry.value, decimalNumeric: decimalNumeric, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        default:
            payload(schema: schema, value: resolved, decimalNumeric: decimalNumeric).write(to: &out)
        }
    }

    private static func uniqueKeys(_ entries: [ConnectValue.MapEntry]) -> Bool {
        if entries.count < 2 { return true }
        if entries.count <= 8 {
            for i in 1..<entries.count where entries[..<i].contains(where: { $0.key == entries[i].key }) { return false }
            return true
        }
        return Set(entries.map(\.key)).count == entries.count
    }

    /// Reads a payload by its schema.
    public static func value(from json: JSONValue, schema: Schema) throws -> ConnectValue {
        if json == .null {
            if let defaultValue = schema.defaultValue { return defaultValue }
            guard schema.isOptional else { throw DataException("got null for a required \(schema.type.rawValue) value") }
            return .null
        }
        func integer() throws -> Int64 {
            guard let number = json.intValue else {
                throw DataException("expected an integer for \(schema.type.rawValue), got \(json.jsonString)")
            }
            return number
        }
        switch (schema.type, schema.name) {
        case (.bytes, LogicalType.decimalName):
            let scale = Int32(schema.parameters[LogicalType.scaleParameter] ?? "0") ?? 0
            if let text = json.stringValue, let data = Data(base64Encoded: text) {
                return .decimal(ConnectDecimal(unscaled: Array(data), scale: scale))
            }
            if let number = json.doubleValue, let decimal = ConnectDecimal(String(format: "%.\(max(scale, 0))f", number)) {
                return .decimal(decimal)
            }
            throw DataException("invalid Decimal payload \(json.jsonString)")
        case (.int32, LogicalType.dateName): return .date(Int32(truncatingIfNeeded: try integer()))
        case (.int32, LogicalType.timeName): return .time(Int32(truncatingIfNeeded: try integer()))
        case (.int64, LogicalType.timestampName): return .timestamp(try integer())
        case (.int8, _): return .int8(Int8(truncatingIfNeeded: try integer()))
        case (.int16, _): return .int16(Int16(truncatingIfNeeded: try integer()))
        case (.int32, _): return .int32(Int32(truncatingIfNeeded: try integer()))
        case (.int64, _): return .int64(try integer())
        case (.float32, _):
            guard let number = json.doubleValue else { throw DataException("expected a number, got \(json.jsonString)") }
            return .float32(Float(number))
        case (.float64, _):
            guard let number = json.doubleValue else { throw DataException("expected a number, got \(json.jsonString)") }
            return .float64(number)
        case (.boolean, _):
            guard let flag = json.boolValue else { throw DataException("expected a boolean, got \(json.jsonString)") }
            return .boolean(flag)
        case (.string, _):
            guard let text = json.stringValue else { throw DataException("expected a string, got \(json.jsonString)") }
            return .string(text)
        case (.bytes, _):
            guard let text = json.stringValue, let data = Data(base64Encoded: text) else {
                throw DataException("expected base64 bytes, got \(json.jsonString)")
            }
            return .bytes(Array(data))
        case (.array, _):
            guard let items = json.arrayValue, let element = schema.valueSchema else {
                throw DataException("expected an array, got \(json.jsonString)")
            }
            return .array(try items.map { try value(from: $0, schema: element) })
        case (.map, _):
            guard let keySchema = schema.keySchema, let valueSchema = schema.valueSchema else {
                throw DataException("map schema lacks key/value schemas")
            }
            if let object = json.objectValue {
                return .map(
                    try object.map {
                        .init(try value(from: .string($0.key), schema: keySchema), try value(from: $0.value, schema: valueSchema))
                    })
            }
            guard let pairs = json.arrayValue else { throw DataException("expected a map, got \(json.jsonString)") }
            return .map(
                try pairs.map { pair in
                    guard let kv = pair.arrayValue, kv.count == 2 else {
                        throw DataException("map entries must be [key, value] pairs")
                    }
                    return .init(try value(from: kv[0], schema: keySchema), try value(from: kv[1], schema: valueSchema))
                })
        case (.struct, _):
            guard let object = json.objectValue else {
                throw DataException("expected an object for a struct, got \(json.jsonString)")
            }
            var result = ConnectStruct(schema: schema)
            for field in schema.fields { result[field] = try value(from: object[field.name] ?? .null, schema: field.schema) }
            return .struct(result)
        }
    }

    /// Schemaless JSON → Connect value (objects become string-keyed maps, integers int64).
    public static func schemaless(_ json: JSONValue) -> ConnectValue {
        switch json {
        case .null: .null
        case .bool(let flag): .boolean(flag)
        case .int(let number): .int64(number)
        case .double(let number): .float64(number)
        case .string(let text): .string(text)
        case .array(let items): .array(items.map(schemaless))
        case .object(let object): .map(object.map { .init(.string($0.key), schemaless($0.value)) })
        }
    }
}

/// Serialized JSON schemas keyed by schema object (schemas are immutable classes). Bounded: it is
/// cleared when it grows past a few thousand entries.
final class SchemaBytesCache: @unchecked Sendable {
    private var entries: [ObjectIdentifier: (schema: Schema, bytes: [UInt8], sizeHint: Int)] = [:]
    private let lock = NSLock()

    /// The schema's JSON and the size of the largest enveloped record written with it so far.
    func bytes(for schema: Schema) -> (bytes: [UInt8], sizeHint: Int) {
        let key = ObjectIdentifier(schema)
        lock.lock()
        defer { lock.unlock() }
        if let entry = entries[key], entry.schema === schema { return (entry.bytes, entry.sizeHint) }
        if entries.count > 4096 { entries.removeAll() }
        let bytes = JsonConverter.schemaJSON(schema).jsonBytes
        entries[key] = (schema, bytes, 0)
        return (bytes, 0)
    }

    func noteSize(_ size: Int, for schema: Schema) {
        let key = ObjectIdentifier(schema)
        lock.lock()
        defer { lock.unlock() }
        if let entry = entries[key], entry.schema === schema, entry.sizeHint < size { entries[key]?.sizeHint = size }
    }
}
