import SluiceConnectSDK

/// The settings every connector has (Kafka Connect's `ConnectorConfig`, `SinkConnectorConfig` and
/// error-handling keys), parsed from a connector's raw config.
public struct ConnectorConfig: Sendable {
    public enum ErrorTolerance: String, Sendable { case none, all }

    public var name: String
    public var connectorClass: String
    public var tasksMax: Int
    public var keyConverter: String?
    public var valueConverter: String?
    public var headerConverter: String?
    public var transforms: [String]
    public var predicates: [String]
    /// Sink only.
    public var topics: [String]
    public var topicsRegex: String?
    public var errorsRetryTimeout: Duration
    public var errorsRetryDelayMax: Duration
    public var errorsTolerance: ErrorTolerance
    public var errorsLogEnable: Bool
    public var errorsLogIncludeMessages: Bool
    public var deadLetterTopic: String?
    public var deadLetterContextHeaders: Bool
    /// The raw config (placeholders unresolved); connector-specific keys included.
    public var raw: [String: String]

    /// The common keys, merged into every connector's definition for validation.
    public static let definition = ConfigDef()
        .define(
            "name", .string, validator: .nonEmpty, importance: .high, documentation: "Globally unique connector name.",
            group: "Common"
        )
        .define(
            "connector.class", .string, validator: .nonEmpty, importance: .high,
            documentation: "The connector's class name or alias (see GET /connector-plugins).", group: "Common"
        )
        .define(
            "tasks.max", .int, default: "1", validator: .range(min: 1, max: nil), importance: .high,
            documentation: "Maximum number of tasks.", group: "Common"
        )
        .define(
            "key.converter", .class, optional: true, importance: .low, documentation: "Overrides the worker's key converter.",
            group: "Common"
        )
        .define(
            "value.converter", .class, optional: true, importance: .low, documentation: "Overrides the worker's value converter.",
            group: "Common"
        )
        .define(
            "header.converter", .class, optional: true, importance: .low,
            documentation: "Overrides the worker's header converter.", group: "Common"
        )
        .define(
            "transforms", .list, default: "", importance: .low, documentation: "Aliases of transformations, applied in order.",
            group: "Transforms"
        )
        .define(
            "predicates", .list, default: "", importance: .low, documentation: "Aliases of predicates for transformations.",
            group: "Predicates"
        )
        .define(
            "errors.retry.timeout", .long, default: "0", validator: .range(min: -1, max: nil), importance: .medium,
            documentation: "How long (ms) a failed operation is retried; -1 forever, 0 no retries.", group: "Error Handling"
        )
        .define(
            "errors.retry.delay.max.ms", .long, default: "60000", validator: .range(min: 1, max: nil), importance: .medium,
            documentation: "Longest delay between retries.", group: "Error Handling"
        )
        .define(
            "errors.tolerance", .string, default: "none", validator: .oneOf(["none", "all"]), importance: .medium,
            documentation: "none: an error fails the task; all: problem records are skipped (and sent to the DLQ if set).",
            group: "Error Handling"
        )
        .define(
            "errors.log.enable", .boolean, default: "false", importance: .medium, documentation: "Log each error.",
            group: "Error Handling"
        )
        .define(
            "errors.log.include.messages", .boolean, default: "false", importance: .medium,
            documentation: "Include record coordinates (never values) in error logs.", group: "Error Handling"
        )
        .define(
            "errors.deadletterqueue.topic.name", .string, default: "", importance: .medium,
            documentation: "Dead-letter topic for failed records (sources and sinks).", group: "Error Handling"
        )
        .define(
            "errors.deadletterqueue.context.headers.enable", .boolean, default: "true", importance: .medium,
            documentation: "Add __connect.errors.* headers to dead-letter records.", group: "Error Handling")

    /// Sink connectors also take `topics` or `topics.regex`.
    public static let sinkDefinition =
        definition
        .define("topics", .list, default: "", importance: .high, documentation: "Topics to consume.", group: "Common")
        .define(
            "topics.regex", .string, default: "", importance: .high, documentation: "Regex of topics to consume.", group: "Common"
        )

    public init(_ raw: [String: String], sink: Bool) throws(ConfigException) {
        let parsed = try (sink ? Self.sinkDefinition : Self.definition).parse(raw)
        name = parsed.string("name") ?? ""
        connectorClass = parsed.string("connector.class") ?? ""
        tasksMax = parsed.int("tasks.max")
        keyConverter = parsed.string("key.converter")
        valueConverter = parsed.string("value.converter")
        headerConverter = parsed.string("header.converter")
        transforms = parsed.list("transforms")
        predicates = parsed.list("predicates")
        topics = parsed.list("topics")
        let regex = parsed.string("topics.regex") ?? ""
        topicsRegex = regex.isEmpty ? nil : regex
        if sink && topics.isEmpty == (topicsRegex == nil) {
            throw ConfigException(key: "topics", "set exactly one of topics or topics.regex for a sink connector")
        }
        let retry = parsed.int("errors.retry.timeout")
        errorsRetryTimeout = retry < 0 ? .seconds(Int64(Int32.max)) : .milliseconds(retry)
        errorsRetryDelayMax = .milliseconds(parsed.int("errors.retry.delay.max.ms"))
        errorsTolerance = ErrorTolerance(rawValue: (parsed.string("errors.tolerance") ?? "none").lowercased()) ?? .none
        errorsLogEnable = parsed.bool("errors.log.enable")
        errorsLogIncludeMessages = parsed.bool("errors.log.include.messages")
        let dlq = parsed.string("errors.deadletterqueue.topic.name") ?? ""
        deadLetterTopic = dlq.isEmpty ? nil : dlq
        deadLetterContextHeaders = parsed.bool("errors.deadletterqueue.context.headers.enable")
        self.raw = raw
    }

    /// `prefix.*` settings with the prefix removed (e.g. `transforms.route.`).
    public func settings(withPrefix prefix: String) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in raw where key.hasPrefix(prefix) { out[String(key.dropFirst(prefix.count))] = value }
        return out
    }
}
