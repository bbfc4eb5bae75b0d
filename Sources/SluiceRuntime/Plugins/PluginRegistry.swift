import SluiceConnectSDK
import SluiceTransforms

/// Every class the worker can instantiate — built-ins plus loaded plugins — by class name or
/// alias. Duplicate names are an error at registration.
public struct PluginRegistry: Sendable {
    public private(set) var connectors: [String: ConnectorPlugin] = [:]
    public private(set) var transformations: [String: TransformationPlugin] = [:]
    public private(set) var predicates: [String: PredicatePlugin] = [:]
    /// Which plugin file each class came from ("built-in" for the worker's own).
    public private(set) var origins: [String: String] = [:]

    public init() {}

    /// The worker's built-in transformations and predicates (converters: `converter(named:)`).
    public static func builtIn() -> PluginRegistry {
        var registry = PluginRegistry()
        do {
            try registry.register(BuiltinTransforms.manifest, origin: "built-in")
        } catch {
            preconditionFailure("built-in classes collide: \(error)")
        }
        return registry
    }

    /// Adds every class of `manifest`.
    public mutating func register(_ manifest: PluginManifest, origin: String) throws(PluginError) {
        for plugin in manifest.connectors {
            for name in [plugin.className] + plugin.aliases {
                try claim(name, origin: origin, existing: connectors[name] != nil)
                connectors[name] = plugin
            }
        }
        for plugin in manifest.transformations {
            for name in [plugin.className] + plugin.aliases {
                try claim(name, origin: origin, existing: transformations[name] != nil)
                transformations[name] = plugin
            }
        }
        for plugin in manifest.predicates {
            for name in [plugin.className] + plugin.aliases {
                try claim(name, origin: origin, existing: predicates[name] != nil)
                predicates[name] = plugin
            }
        }
    }

    private mutating func claim(_ name: String, origin: String, existing: Bool) throws(PluginError) {
        if existing {
            throw PluginError(
                code: .duplicate,
                message:
                    "class \(name) is provided by both \(origins[name] ?? "?") and \(origin); remove one of them from plugin.path"
            )
        }
        origins[name] = origin
    }

    public func connector(_ name: String) throws(PluginError) -> ConnectorPlugin {
        guard let plugin = connectors[name] else {
            let known = Set(connectors.values.map(\.className)).sorted()
            throw PluginError(
                code: .unknownClass,
                message:
                    "Failed to find any class that implements Connector and which name matches \(name), available connectors are: "
                    + (known.isEmpty ? "(none; check plugin.path)" : known.joined(separator: ", ")))
        }
        return plugin
    }

    public func transformation(_ name: String) throws(PluginError) -> TransformationPlugin {
        guard let plugin = transformations[name] else {
            let known = Set(transformations.values.map(\.className)).sorted().joined(separator: ", ")
            throw PluginError(code: .unknownClass, message: "unknown transformation class \(name); available: \(known)")
        }
        return plugin
    }

    public func predicate(_ name: String) throws(PluginError) -> PredicatePlugin {
        guard let plugin = predicates[name] else {
            let known = Set(predicates.values.map(\.className)).sorted().joined(separator: ", ")
            throw PluginError(code: .unknownClass, message: "unknown predicate class \(name); available: \(known)")
        }
        return plugin
    }

    /// The converter classes every worker provides (`GET /connector-plugins?connectorsOnly=false`).
    public static let converterClasses = [
        "org.apache.kafka.connect.converters.ByteArrayConverter", "org.apache.kafka.connect.json.JsonConverter",
        "org.apache.kafka.connect.storage.SimpleHeaderConverter", "org.apache.kafka.connect.storage.StringConverter",
    ]

    /// A key or value converter by class name.
    public static func converter(named name: String, configuration: [String: String], isKey: Bool) throws -> any Converter {
        switch name {
        case "org.apache.kafka.connect.json.JsonConverter", "JsonConverter":
            return try JsonConverter(configuration: configuration, isKey: isKey)
        case "org.apache.kafka.connect.storage.StringConverter", "StringConverter":
            return StringConverter(configuration: configuration, isKey: isKey)
        case "org.apache.kafka.connect.converters.ByteArrayConverter", "ByteArrayConverter":
            return ByteArrayConverter(configuration: configuration, isKey: isKey)
        default:
            throw PluginError(
                code: .unknownClass,
                message: "unknown converter class \(name); available: org.apache.kafka.connect.json.JsonConverter, "
                    + "org.apache.kafka.connect.storage.StringConverter, org.apache.kafka.connect.converters.ByteArrayConverter")
        }
    }

    /// A header converter by class name.
    public static func headerConverter(named name: String, configuration: [String: String]) throws -> any HeaderConverter {
        switch name {
        case "org.apache.kafka.connect.storage.SimpleHeaderConverter", "SimpleHeaderConverter":
            return SimpleHeaderConverter(configuration: configuration)
        case "org.apache.kafka.connect.json.JsonConverter", "JsonConverter":
            return try JsonConverter(configuration: configuration)
        case "org.apache.kafka.connect.storage.StringConverter", "StringConverter":
            return StringConverter(configuration: configuration)
        default:
            throw PluginError(code: .unknownClass, message: "unknown header converter class \(name)")
        }
    }
}
