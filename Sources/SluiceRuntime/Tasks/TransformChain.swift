import SluiceConnectSDK

/// The connector's `transforms` in order, each optionally guarded by a predicate (with
/// `negate`), built from `transforms.<alias>.*` and `predicates.<alias>.*` settings.
public struct TransformChain: Sendable {
    struct Stage: Sendable {
        var alias: String
        var transformation: any Transformation
        var predicate: (any Predicate)?
        var negate: Bool
    }

    let stages: [Stage]

    public static let empty = TransformChain(stages: [])

    /// No transformation (and so none that looks at a record's value).
    public var isEmpty: Bool { stages.isEmpty }

    init(stages: [Stage]) { self.stages = stages }

    /// Builds the chain; errors name the offending key.
    public init(config: ConnectorConfig, registry: PluginRegistry) throws {
        var predicates: [String: any Predicate] = [:]
        for alias in config.predicates {
            let settings = config.settings(withPrefix: "predicates.\(alias).")
            guard let type = settings["type"] else {
                throw ConfigException(key: "predicates.\(alias).type", "predicate \(alias) needs predicates.\(alias).type")
            }
            predicates[alias] = try registry.predicate(type).make(settings)
        }
        stages = try config.transforms.map { alias in
            let settings = config.settings(withPrefix: "transforms.\(alias).")
            guard let type = settings["type"] else {
                throw ConfigException(key: "transforms.\(alias).type", "transformation \(alias) needs transforms.\(alias).type")
            }
            var predicate: (any Predicate)? = nil
            if let name = settings["predicate"] {
                guard let found = predicates[name] else {
                    throw ConfigException(
                        key: "transforms.\(alias).predicate",
                        "transforms.\(alias).predicate names \(name), which is not listed in predicates")
                }
                predicate = found
            }
            return Stage(
                alias: alias, transformation: try registry.transformation(type).make(settings), predicate: predicate,
                negate: settings["negate"]?.lowercased() == "true")
        }
    }

    /// Applies every stage; `nil` when a stage dropped the record.
    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        var current = record
        for stage in stages {
            if let predicate = stage.predicate, predicate.test(current) == stage.negate { continue }
            guard let next = try stage.transformation.apply(current) else { return nil }
            current = next
        }
        return current
    }
}
