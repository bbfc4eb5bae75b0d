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
            single("TimestampRouter") { try TimestampRouter(configuration: $0) },
            single("ValueToKey") { try ValueToKey(configuration: $0) },
            single("InsertHeader") { try InsertHeader(configuration: $0) },
            single("DropHeaders") { try DropHeaders(configuration: $0) },
        ]
            + keyValue("InsertField") { try InsertField(part: $0, configuration: $1) }
            + keyValue("ReplaceField") { try ReplaceField(part: $0, configuration: $1) }
            + keyValue("MaskField") { try MaskField(part: $0, configuration: $1) }
            + keyValue("ExtractField") { try ExtractField(part: $0, configuration: $1) }
            + keyValue("Cast") { try Cast(part: $0, configuration: $1) }
            + keyValue("TimestampConverter") { try TimestampConverter(part: $0, configuration: $1) }
            + keyValue("Flatten") { try Flatten(part: $0, configuration: $1) }
            + keyValue("HoistField") { try HoistField(part: $0, configuration: $1) }
            + keyValue("HeaderFrom") { try HeaderFrom(part: $0, configuration: $1) },
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

/// A compiled user regex that transformations can keep. `Regex<AnyRegexOutput>` is not `Sendable`
/// (its output type could hold anything), but one built from a pattern string only captures
/// substrings and is never mutated after compilation, so sharing it across tasks is safe.
struct CompiledRegex: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>

    func wholeMatch(in text: String) throws -> Regex<AnyRegexOutput>.Match? { try regex.wholeMatch(in: text) }
}

/// Compiles a user regex or throws a `ConfigException` naming the key.
func compileRegex(_ pattern: String, key: String) throws -> CompiledRegex {
    do {
        return CompiledRegex(regex: try Regex(pattern))
    } catch {
        throw ConfigException(key: key, "\(key) is not a valid regular expression: \(pattern)")
    }
}

/// Java's `Matcher.matches()`: the whole string must match.
func wholeMatch(_ regex: CompiledRegex, _ text: String) -> Bool { (try? regex.wholeMatch(in: text)) != nil }
