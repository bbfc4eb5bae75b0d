import SluiceConnectSDK

/// A standalone worker's settings (Kafka Connect's `connect-standalone.properties` keys).
/// Unknown keys are an error naming the key; `producer.*`, `consumer.*`, `admin.*` and
/// `*.converter.*` settings pass through to the clients and converters.
public struct WorkerConfig: Sendable {
    public var bootstrapServers: String
    public var keyConverter: String
    public var valueConverter: String
    public var headerConverter: String
    /// `key.converter.*`, `value.converter.*`, `header.converter.*` settings (prefix removed).
    public var keyConverterSettings: [String: String]
    public var valueConverterSettings: [String: String]
    public var headerConverterSettings: [String: String]
    /// Where standalone offsets are stored (file checkpoint store) unless `offsetStorageTopic` is set.
    public var offsetStorageFile: String
    /// A compacted Kafka topic in Kafka Connect's offsets format; when set it is the checkpoint store.
    public var offsetStorageTopic: String?
    public var offsetStoragePartitions: Int32
    public var offsetStorageReplicationFactor: Int32
    public var offsetFlushInterval: Duration
    public var pluginPath: [String]
    public var producerSettings: [String: String]
    public var consumerSettings: [String: String]
    /// This worker's id (in checkpoint provenance and logs).
    public var workerID: String
    /// Enabled config providers (`config.providers`).
    public var configProviders: [String]
    /// `config.providers.<name>.class` and `config.providers.<name>.param.*` (prefix removed).
    public var providerSettings: [String: String]
    /// What to do with a PASSWORD key given inline instead of as a provider reference.
    public var secretsInlinePolicy: String
    /// Failed tasks restart automatically with this backoff (Kafka Connect never restarts them).
    public var taskRestartEnabled: Bool
    public var taskRestartInitialBackoff: Duration
    public var taskRestartMaxBackoff: Duration
    /// The audit trail: JSON-lines file with a hash chain, Kafka topic, failure policy.
    public var auditFile: String?
    public var auditKafkaTopic: String?
    public var auditKafkaBootstrapServers: String?
    public var auditFailurePolicy: AuditLog.FailurePolicy
    public var auditCheckpointSummaryInterval: Duration
    /// The region this worker runs in, as its operator declares it (in audit events).
    public var workerRegion: String?
    /// Where connector configs and target states are kept (`config.storage.file`).
    public var configStorageFile: String
    /// The REST listener, TLS and authentication (`listeners`, `rest.*`).
    public var rest: RESTSettings
    /// Named locations (`locations.<name>.*`) and state-class defaults (`state.<class>.location`).
    public var locations: Locations
    /// Entries of history kept per connector by stores that can bound it (`checkpoint.history.max`).
    public var checkpointHistoryMax: Int
    /// How long a location's verification is trusted before a commit re-verifies it.
    public var residencyVerificationTTL: Duration
    /// The residency policy file checked at task start and on every commit (`residency.policy.file`).
    public var residencyPolicyFile: String?

    /// The worker keys and their documentation.
    public static let definition = ConfigDef()
        .define("bootstrap.servers", .list, importance: .high, documentation: "Kafka brokers to connect to.")
        .define(
            "key.converter", .class, default: "org.apache.kafka.connect.json.JsonConverter", importance: .high,
            documentation: "Default converter for record keys."
        )
        .define(
            "value.converter", .class, default: "org.apache.kafka.connect.json.JsonConverter", importance: .high,
            documentation: "Default converter for record values."
        )
        .define(
            "header.converter", .class, default: "org.apache.kafka.connect.storage.SimpleHeaderConverter", importance: .low,
            documentation: "Default converter for headers."
        )
        .define(
            "offset.storage.file.filename", .string, default: "/tmp/sluice.offsets", importance: .high,
            documentation: "File holding source offsets in standalone mode (the file checkpoint store)."
        )
        .define(
            "offset.storage.topic", .string, default: "", importance: .high,
            documentation: "Compacted topic for offsets (Kafka Connect's offsets-topic format); empty: use the offsets file."
        )
        .define(
            "offset.storage.partitions", .int, default: "5", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "Partitions of a newly created offsets topic."
        )
        .define(
            "offset.storage.replication.factor", .int, default: "1", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "Replication factor of a newly created offsets topic."
        )
        .define(
            "offset.flush.interval.ms", .long, default: "10000", validator: .range(min: 1, max: nil), importance: .medium,
            documentation: "How often task offsets are committed."
        )
        .define(
            "plugin.path", .list, default: "", importance: .medium,
            documentation: "Directories (or files) holding plugin .so files."
        )
        .define("worker.id", .string, default: "", importance: .low, documentation: "This worker's id; defaults to host:pid.")
        .define(
            "task.restart.enable", .boolean, default: "true", importance: .medium,
            documentation: "Restart FAILED tasks automatically with capped exponential backoff."
        )
        .define(
            "task.restart.backoff.initial.ms", .long, default: "1000", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "First automatic restart delay."
        )
        .define(
            "task.restart.backoff.max.ms", .long, default: "60000", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "Longest automatic restart delay."
        )
        .define(
            "config.providers", .list, default: "", importance: .high,
            documentation: "Config providers for ${name:path:key} placeholders: env, file, dir, vault, aws-secretsmanager."
        )
        .define(
            "secrets.inline.policy", .string, default: "warn", validator: .oneOf(["refuse", "warn", "allow"]), importance: .high,
            documentation: "A PASSWORD connector key given inline (not as a ${provider:…} reference): refuse, warn or allow."
        )
        .define(
            "config.storage.file", .string, default: "/tmp/sluice.connectors.json", importance: .high,
            documentation: "File keeping every connector's raw config and target state across restarts."
        )
        .define(
            "checkpoint.history.max", .int, default: "1000", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "Checkpoint entries (hash chain history) kept per connector by stores that can bound it."
        )
        .define(
            "residency.verification.ttl.ms", .long, default: "60000", validator: .range(min: 0, max: nil),
            importance: .medium,
            documentation: "How long a location's region verification is trusted before a commit re-verifies it."
        )
        .define(
            "residency.policy.file", .string, default: "", importance: .medium,
            documentation: "Residency policy (JSON) enforced at task start and on every checkpoint commit; empty: none."
        )
        .define(
            "audit.file", .string, default: "/tmp/sluice.audit.jsonl", importance: .high,
            documentation: "Append-only JSON-lines audit trail with a SHA-256 hash chain; empty: no file."
        )
        .define(
            "audit.kafka.topic", .string, default: "", importance: .medium,
            documentation: "Kafka topic receiving every audit event too (empty: none)."
        )
        .define(
            "audit.kafka.bootstrap.servers", .string, default: "", importance: .low,
            documentation: "Brokers of the audit topic when they differ from bootstrap.servers."
        )
        .define(
            "audit.failure.policy", .string, default: "block", validator: .oneOf(["block", "continue"]), importance: .high,
            documentation: "block: refuse a change (503) whose audit event cannot be written; continue: apply it and log the gap."
        )
        .define(
            "audit.checkpoint.summary.interval.ms", .long, default: "60000", validator: .range(min: 1000, max: nil),
            importance: .low, documentation: "How often checkpoint commits are summarised into one audit event per task."
        )
        .define(
            "worker.region", .string, default: "", importance: .medium,
            documentation: "The region this worker runs in (declared; carried by audit events)."
        )
        .merging(RESTSettings.definition)

    static let passThroughPrefixes = [
        "producer.", "consumer.", "admin.", "key.converter.", "value.converter.", "header.converter.",
    ]

    /// Parses worker settings, expanding `${env:NAME}` placeholders.
    public init(settings raw: [String: String], environment: [String: String], hostDescription: String) throws(ConfigException) {
        var problems: [(String, String)] = []
        var settings: [String: String] = [:]
        for (key, value) in raw {
            do throws(ConfigException) {
                settings[key] = try EnvironmentPlaceholders.expand(value, environment: environment, key: key)
            } catch {
                problems += error.problems.map { ($0.key, $0.message) }
                settings[key] = value  // reported above; keep the key so it is not also "missing"
            }
        }
        for key in settings.keys.sorted()
        where Self.definition.key(key) == nil && !Self.passThroughPrefixes.contains(where: { key.hasPrefix($0) })
            && !key.hasPrefix("config.providers.") && !key.hasPrefix("locations.")
            && !(key.hasPrefix("state.") && key.hasSuffix(".location"))
        {
            problems.append(
                (
                    key,
                    "unknown worker setting \(key); known settings: \(Self.definition.keys.map(\.name).joined(separator: ", "))"
                ))
        }
        let (locations, locationProblems) = Locations.parse(settings)
        problems += locationProblems
        let parsed: ParsedConfig
        do throws(ConfigException) {
            parsed = try Self.definition.parse(
                settings.filter { !$0.key.hasPrefix("locations.") && !$0.key.hasPrefix("state.") })
        } catch {
            throw ConfigException(problems: problems + error.problems.map { ($0.key, $0.message) })
        }
        guard problems.isEmpty else { throw ConfigException(problems: problems) }
        func prefixed(_ prefix: String) -> [String: String] {
            var out: [String: String] = [:]
            for (key, value) in settings where key.hasPrefix(prefix) { out[String(key.dropFirst(prefix.count))] = value }
            return out
        }
        bootstrapServers = parsed.list("bootstrap.servers").joined(separator: ",")
        keyConverter = parsed.string("key.converter") ?? ""
        valueConverter = parsed.string("value.converter") ?? ""
        headerConverter = parsed.string("header.converter") ?? ""
        keyConverterSettings = prefixed("key.converter.")
        valueConverterSettings = prefixed("value.converter.")
        headerConverterSettings = prefixed("header.converter.")
        offsetStorageFile = parsed.string("offset.storage.file.filename") ?? ""
        let topic = parsed.string("offset.storage.topic") ?? ""
        offsetStorageTopic = topic.isEmpty ? nil : topic
        offsetStoragePartitions = Int32(parsed.int("offset.storage.partitions"))
        offsetStorageReplicationFactor = Int32(parsed.int("offset.storage.replication.factor"))
        offsetFlushInterval = .milliseconds(parsed.int("offset.flush.interval.ms"))
        pluginPath = parsed.list("plugin.path")
        producerSettings = prefixed("producer.")
        consumerSettings = prefixed("consumer.")
        let id = parsed.string("worker.id") ?? ""
        workerID = id.isEmpty ? hostDescription : id
        configProviders = parsed.list("config.providers")
        providerSettings = prefixed("config.providers.")
        secretsInlinePolicy = parsed.string("secrets.inline.policy") ?? "warn"
        taskRestartEnabled = parsed.bool("task.restart.enable")
        taskRestartInitialBackoff = .milliseconds(parsed.int("task.restart.backoff.initial.ms"))
        taskRestartMaxBackoff = .milliseconds(parsed.int("task.restart.backoff.max.ms"))
        configStorageFile = parsed.string("config.storage.file") ?? ""
        func optional(_ key: String) -> String? { parsed.string(key).flatMap { $0.isEmpty ? nil : $0 } }
        auditFile = optional("audit.file")
        auditKafkaTopic = optional("audit.kafka.topic")
        auditKafkaBootstrapServers = optional("audit.kafka.bootstrap.servers")
        auditFailurePolicy = AuditLog.FailurePolicy(rawValue: parsed.string("audit.failure.policy") ?? "") ?? .block
        auditCheckpointSummaryInterval = .milliseconds(parsed.int("audit.checkpoint.summary.interval.ms"))
        workerRegion = optional("worker.region")
        // The audit trail follows the audit state class's location when one is named, so the
        // residency policy's decision about `audit` is about where the events really go.
        if let location = try? locations.resolve(.audit) {
            switch location.kind {
            case .file, .audit:
                if let path = location["path"] { auditFile = path }
            case .kafka:
                auditKafkaTopic = location["topic"] ?? auditKafkaTopic ?? "sluice-audit"
                auditKafkaBootstrapServers = location["bootstrap.servers"] ?? auditKafkaBootstrapServers
            default:
                break
            }
        }
        rest = try RESTSettings(parsed)
        self.locations = locations
        checkpointHistoryMax = parsed.int("checkpoint.history.max")
        residencyVerificationTTL = .milliseconds(parsed.int("residency.verification.ttl.ms"))
        let policy = parsed.string("residency.policy.file") ?? ""
        residencyPolicyFile = policy.isEmpty ? nil : policy
    }
}
