import SluiceConnectSDK

/// The transformations and predicates every worker has, under Kafka Connect's class names (so
/// existing connector configs work unchanged) and their short names.
public enum BuiltinTransforms {
    static let kafkaPackage = "org.apache.kafka.connect.transforms."
    static let predicatePackage = "org.apache.kafka.connect.transforms.predicates."

    /// Registers a transformation that exists as `$Key` and `$Value` variants.
    static func keyValue(
        _ simpleName: String, make: @escaping @Sendable (RecordPart, [String: String]) throws -> any Transformation
    )
        -> [TransformationPlugin]
    {
        [RecordPart.key, .value].map { part in
            TransformationPlugin(
                className: "\(kafkaPackage)\(simpleName)$\(part.rawValue)", aliases: ["\(simpleName)$\(part.rawValue)"],
                make: { try make(part, $0) })
        }
    }

    /// Registers a transformation without key/value variants.
    static func single(_ simpleName: String, make: @escaping @Sendable ([String: String]) throws -> any Transformation)
        -> TransformationPlugin
    {
        TransformationPlugin(className: "\(kafkaPackage)\(simpleName)", aliases: [simpleName], make: make)
    }

    /// Everything built in, as a manifest the registry takes like any plugin's.
    public static let manifest = PluginManifest(
        name: "sluice-builtin",
        transformations: [
            single("RegexRouter") { try RegexRouter(configuration: $0) },
            single("Filter") { try Filter(configuration: $0) },
        ],
        predicates: [
            PredicatePlugin(className: "\(predicatePackage)TopicNameMatches", aliases: ["TopicNameMatches"]) {
                try TopicNameMatches(configuration: $0)
            },
            PredicatePlugin(className: "\(predicatePackage)HasHeaderKey", aliases: ["HasHeaderKey"]) {
                try HasHeaderKey(configuration: $0)
            },
            PredicatePlugin(className: "\(predicatePackage)RecordIsTombstone", aliases: ["RecordIsTombstone"]) {
                try RecordIsTombstone(configuration: $0)
            },
        ])
}

/// Reads a required setting or throws a `ConfigException` naming it.
func required(_ configuration: [String: String], _ key: String, for transform: String) throws -> String {
    guard let value = configuration[key], !value.isEmpty else {
        throw ConfigException(key: key, "\(transform) needs \(key)")
    }
    return value
}

/// Compiles a user regex or throws a `ConfigException` naming the key.
func compileRegex(_ pattern: String, key: String) throws -> Regex<AnyRegexOutput> {
    do {
        return try Regex(pattern)
    } catch {
        throw ConfigException(key: key, "\(key) is not a valid regular expression: \(pattern)")
    }
}

/// Java's `Matcher.matches()`: the whole string must match.
func wholeMatch(_ regex: Regex<AnyRegexOutput>, _ text: String) -> Bool { (try? regex.wholeMatch(in: text)) != nil }
