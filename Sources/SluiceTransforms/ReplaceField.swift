import SluiceConnectSDK

/// `ReplaceField$Key` / `ReplaceField$Value`: keeps only the fields in `include` (all when
/// empty), drops those in `exclude`, and renames with `renames` (`old:new,…`). The deprecated
/// `whitelist`/`blacklist` keys are accepted when `include`/`exclude` are not set. Works on
/// structs (a new schema) and schemaless maps; null keys/values pass through.
public struct ReplaceField: Transformation {
    let part: RecordPart
    let include: Set<String>
    let exclude: Set<String>
    let renames: [String: String]

    /// The `$Value` variant.
    public init(configuration: [String: String]) throws { try self.init(part: .value, configuration: configuration) }

    public init(part: RecordPart, configuration: [String: String]) throws {
        self.part = part
        include = Set(listSetting(configuration, configuration["include"] == nil ? "whitelist" : "include"))
        exclude = Set(listSetting(configuration, configuration["exclude"] == nil ? "blacklist" : "exclude"))
        var renames: [String: String] = [:]
        for mapping in listSetting(configuration, "renames") {
            let parts = mapping.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ConfigException(key: "renames", "renames entries must look like old:new, got '\(mapping)'")
            }
            renames[String(parts[0])] = String(parts[1])
        }
        self.renames = renames
    }

    /// Kafka's `filter`: not excluded, and included when `include` is given.
    func keeps(_ name: String) -> Bool { !exclude.contains(name) && (include.isEmpty || include.contains(name)) }

    func renamed(_ name: String) -> String { renames[name] ?? name }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        let value = part.value(of: record)
        guard value != .null else { return record }
        guard let schema = part.schema(of: record) else {
            var updated: [ConnectValue.MapEntry] = []
            for entry in try requireMap(value, purpose: "field replacement") {
                let name = try stringKey(entry)
                if keeps(name) { updated.set(renamed(name), entry.value) }
            }
            return part.replacing(in: record, schema: nil, value: .map(updated))
        }
        let original = try requireStruct(value, schema: schema, purpose: "field replacement")
        let kept = schema.fields.filter { keeps($0.name) }
        let fields = kept.map { (renamed($0.name), $0.schema) }
        let updatedSchema = try updatedStruct(schema, fields: fields)
        let values = try kept.map { try fieldValue(original, $0.name) }
        return part.replacing(in: record, schema: updatedSchema, value: .struct(makeStruct(updatedSchema, values)))
    }
}
