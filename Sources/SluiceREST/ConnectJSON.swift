import SluiceConnectSDK
import SluiceRuntime
import SluiceSupport

/// Kafka Connect's REST shapes (field names as in Kafka 4.1's spec, `docs/openapi.json`).
enum ConnectJSON {
    static func strings(_ map: [String: String]) -> JSONValue {
        var object: JSONObject = [:]
        for key in map.keys.sorted() { object[key] = .string(map[key]!) }
        return .object(object)
    }

    static func taskID(_ id: TaskID) -> JSONValue {
        .object(["connector": .string(id.connector), "task": .int(Int64(id.task))])
    }

    /// `ConnectorInfo`.
    static func info(_ info: ConnectorInfo) -> JSONValue {
        .object([
            "name": .string(info.name), "config": strings(info.config), "tasks": .array(info.tasks.map(taskID)),
            "type": .string(info.type.rawValue),
        ])
    }

    /// `ConnectorState` / `TaskState` fields.
    static func unit(_ status: UnitStatus, id: Int? = nil) -> JSONValue {
        var object: JSONObject = [:]
        if let id { object["id"] = .int(Int64(id)) }
        object["state"] = .string(status.state.rawValue)
        object["worker_id"] = .string(status.workerID)
        if let trace = status.trace { object["trace"] = .string(trace) }
        return .object(object)
    }

    /// `ConnectorStateInfo`.
    static func status(_ status: ConnectorStatus) -> JSONValue {
        .object([
            "name": .string(status.name), "connector": unit(status.connector),
            "tasks": .array(status.tasks.map { unit($0.status, id: $0.id) }), "type": .string(status.type.rawValue),
        ])
    }

    /// `ConnectorOffsets`.
    static func offsets(_ offsets: [(partition: JSONObject, offset: JSONObject)]) -> JSONValue {
        .object(["offsets": .array(offsets.map { .object(["partition": .object($0.partition), "offset": .object($0.offset)]) })])
    }

    /// `ConfigKeyInfo`.
    static func key(_ key: ConfigDef.Key) -> JSONValue {
        .object([
            "name": .string(key.name), "type": .string(key.type.rawValue.uppercased()), "required": .bool(key.isRequired),
            "default_value": key.defaultValue.map { key.type == .password ? .string(Redaction.placeholder) : .string($0) }
                ?? .null,
            "importance": .string(key.importance.rawValue.uppercased()), "documentation": .string(key.documentation),
            "group": key.group.map(JSONValue.string) ?? .null, "width": .string("NONE"),
            "display_name": .string(key.displayName), "dependents": .array(key.dependents.map(JSONValue.string)),
            "order": .int(Int64(key.orderInGroup)),
        ])
    }

    /// `ConfigInfos` for a validation.
    static func validation(plugin: ConnectorPlugin, definition: ConfigDef, reports: [ConfigValueReport]) -> JSONValue {
        var groups: [String] = []
        for key in definition.keys { if let group = key.group, !groups.contains(group) { groups.append(group) } }
        let configs: [JSONValue] = reports.map { report in
            let definitionKey =
                definition.key(report.name)
                ?? ConfigDef().define(report.name, .string, default: "", importance: .low, documentation: "").keys[0]
            return .object([
                "definition": key(definitionKey),
                "value": .object([
                    "name": .string(report.name), "value": report.value.map(JSONValue.string) ?? .null,
                    "recommended_values": .array(report.recommendedValues.map(JSONValue.string)),
                    "errors": .array(report.errors.map(JSONValue.string)), "visible": .bool(true),
                ]),
            ])
        }
        let errorCount = reports.reduce(0) { $0 + $1.errors.count }
        return .object([
            "name": .string(plugin.className), "error_count": .int(Int64(errorCount)),
            "groups": .array(groups.map(JSONValue.string)),
            "configs": .array(configs),
        ])
    }

    /// `PluginInfo`.
    static func plugin(className: String, type: String, version: String) -> JSONValue {
        .object(["class": .string(className), "type": .string(type), "version": .string(version)])
    }
}
