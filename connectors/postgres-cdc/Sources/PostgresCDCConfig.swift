import PostgresCDCCore
import SluiceConnectSDK
import SluicePostgres

/// The Postgres CDC source's settings, with Debezium's PostgreSQL connector key names.
struct PostgresCDCConfig: Sendable {
    enum SnapshotMode: String, Sendable, CaseIterable {
        case initial, always
        case initialOnly = "initial_only"
        case noData = "no_data"
        case whenNeeded = "when_needed"
    }

    enum PublicationAutocreate: String, Sendable {
        case allTables = "all_tables"
        case filtered, disabled
    }

    var connection: PostgresConfiguration
    var topicPrefix: String
    var tableInclude: [Pattern]
    var tableExclude: [Pattern]
    var columnInclude: [Pattern]
    var columnExclude: [Pattern]
    var publication: String
    var publicationAutocreate: PublicationAutocreate
    var slot: String
    var slotDropOnStop: Bool
    var snapshotMode: SnapshotMode
    var snapshotFetchSize: Int
    var heartbeatInterval: Duration?
    var heartbeatActionQuery: String?
    var mapper: PostgresTypeMapper
    var tombstonesOnDelete: Bool
    var provideTransactionMetadata: Bool
    var messagePrefixInclude: [Pattern]
    var messagePrefixExclude: [Pattern]
    var skippedOperations: Set<String>
    /// `schema.table:col1,col2;…` → key columns per table.
    var messageKeyColumns: [String: [String]]
    var maxBatchSize: Int
    var maxQueueSize: Int
    var pollInterval: Duration
    var unavailableValuePlaceholder: String

    static let definition = ConfigDef()
        .define(
            "database.hostname", .string, validator: .nonEmpty, importance: .high, documentation: "Postgres host.",
            group: "Connection"
        )
        .define(
            "database.port", .int, default: "5432", validator: .range(min: 1, max: 65535), importance: .high,
            documentation: "Postgres port.", group: "Connection"
        )
        .define(
            "database.user", .string, validator: .nonEmpty, importance: .high,
            documentation: "User with REPLICATION and SELECT on captured tables.", group: "Connection"
        )
        .define(
            "database.password", .password, default: "", importance: .high,
            documentation: "Password; supply it from a secrets provider (${provider:path:key}).", group: "Connection"
        )
        .define(
            "database.dbname", .string, validator: .nonEmpty, importance: .high, documentation: "Database to capture.",
            group: "Connection"
        )
        .define(
            "database.sslmode", .string, default: "prefer",
            validator: .oneOf(PostgresConfiguration.SSLMode.allCases.map(\.rawValue)),
            importance: .medium, documentation: "libpq sslmode.", group: "Connection"
        )
        .define(
            "topic.prefix", .string, validator: .nonEmpty, importance: .high,
            documentation: "Logical server name: topics are <prefix>.<schema>.<table>.", group: "Connector"
        )
        .define(
            "table.include.list", .list, default: "", importance: .high, documentation: "Regexes of schema.table to capture.",
            group: "Filters"
        )
        .define(
            "table.exclude.list", .list, default: "", importance: .medium, documentation: "Regexes of schema.table to skip.",
            group: "Filters"
        )
        .define(
            "column.include.list", .list, default: "", importance: .medium,
            documentation: "Regexes of schema.table.column to keep.", group: "Filters"
        )
        .define(
            "column.exclude.list", .list, default: "", importance: .medium,
            documentation: "Regexes of schema.table.column to drop.", group: "Filters"
        )
        .define(
            "publication.name", .string, default: "dbz_publication", importance: .medium, documentation: "Publication to stream.",
            group: "Replication"
        )
        .define(
            "publication.autocreate.mode", .string, default: "all_tables",
            validator: .oneOf(["all_tables", "filtered", "disabled"]),
            importance: .medium, documentation: "Create the publication for all tables, for the filtered tables, or never.",
            group: "Replication"
        )
        .define(
            "slot.name", .string, default: "debezium", importance: .medium, documentation: "Logical replication slot.",
            group: "Replication"
        )
        .define(
            "slot.drop.on.stop", .boolean, default: "false", importance: .low,
            documentation: "Drop the slot when the task stops.", group: "Replication"
        )
        .define(
            "snapshot.mode", .string, default: "initial", validator: .oneOf(SnapshotMode.allCases.map(\.rawValue)),
            importance: .high,
            documentation: "initial, always, initial_only, no_data or when_needed.", group: "Snapshot"
        )
        .define(
            "snapshot.fetch.size", .int, default: "10240", validator: .range(min: 1, max: nil), importance: .medium,
            documentation: "Rows per snapshot chunk (key-ordered).", group: "Snapshot"
        )
        .define(
            "heartbeat.interval.ms", .long, default: "0", validator: .range(min: 0, max: nil), importance: .medium,
            documentation: "Emit heartbeats so the slot advances when captured tables are idle; 0 disables.", group: "Replication"
        )
        .define(
            "heartbeat.action.query", .string, default: "", importance: .low, documentation: "SQL run with each heartbeat.",
            group: "Replication"
        )
        .define(
            "decimal.handling.mode", .string, default: "precise", validator: .oneOf(["precise", "double", "string"]),
            importance: .medium,
            documentation: "How numeric columns are represented.", group: "Types"
        )
        .define(
            "time.precision.mode", .string, default: "adaptive", validator: .oneOf(["adaptive", "connect"]), importance: .medium,
            documentation: "How temporal columns are represented.", group: "Types"
        )
        .define(
            "tombstones.on.delete", .boolean, default: "true", importance: .medium,
            documentation: "Emit a tombstone after each delete.", group: "Events"
        )
        .define(
            "provide.transaction.metadata", .boolean, default: "false", importance: .low,
            documentation: "Add transaction blocks and BEGIN/END events on <prefix>.transaction.", group: "Events"
        )
        .define(
            "message.prefix.include.list", .list, default: "", importance: .low,
            documentation: "Regexes of logical decoding message prefixes to emit on <prefix>.message (default: all).",
            group: "Events"
        )
        .define(
            "message.prefix.exclude.list", .list, default: "", importance: .low,
            documentation: "Regexes of logical decoding message prefixes not to emit.", group: "Events"
        )
        .define(
            "skipped.operations", .list, default: "t", validator: .listOf(["c", "u", "d", "t", "none"]), importance: .low,
            documentation: "Operations not emitted (c, u, d, t; none).", group: "Events"
        )
        .define(
            "message.key.columns", .string, default: "", importance: .low,
            documentation: "Key columns for tables without a primary key: schema.table:col1,col2;…", group: "Events"
        )
        .define(
            "max.batch.size", .int, default: "2048", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "Most records per poll.", group: "Performance"
        )
        .define(
            "max.queue.size", .int, default: "8192", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "Largest internal queue.", group: "Performance"
        )
        .define(
            "poll.interval.ms", .long, default: "500", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "Longest wait for changes per poll.", group: "Performance"
        )
        .define(
            "unavailable.value.placeholder", .string, default: "__debezium_unavailable_value", importance: .low,
            documentation: "Stands in for unchanged TOAST values.", group: "Events")

    init(_ raw: [String: String]) throws {
        let parsed = try Self.definition.parse(raw)
        connection = PostgresConfiguration(
            host: parsed.string("database.hostname") ?? "", port: parsed.int("database.port"),
            user: parsed.string("database.user") ?? "",
            password: parsed.password("database.password").flatMap { $0.value.isEmpty ? nil : $0.value },
            database: parsed.string("database.dbname") ?? "",
            sslMode: PostgresConfiguration.SSLMode(rawValue: parsed.string("database.sslmode") ?? "prefer") ?? .prefer,
            applicationName: "sluice-cdc")
        topicPrefix = parsed.string("topic.prefix") ?? ""
        func regexes(_ key: String) throws -> [Pattern] {
            try parsed.list(key).map { pattern in
                do { return Pattern(regex: try Regex(pattern)) } catch {
                    throw ConfigException(key: key, "\(key): '\(pattern)' is not a valid regular expression")
                }
            }
        }
        tableInclude = try regexes("table.include.list")
        tableExclude = try regexes("table.exclude.list")
        columnInclude = try regexes("column.include.list")
        columnExclude = try regexes("column.exclude.list")
        if !tableInclude.isEmpty && !tableExclude.isEmpty {
            throw ConfigException(key: "table.exclude.list", "set table.include.list or table.exclude.list, not both")
        }
        publication = parsed.string("publication.name") ?? "dbz_publication"
        publicationAutocreate = PublicationAutocreate(rawValue: parsed.string("publication.autocreate.mode") ?? "") ?? .allTables
        slot = parsed.string("slot.name") ?? "debezium"
        guard slot.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "_" }), !slot.isEmpty, slot.count <= 63 else {
            throw ConfigException(
                key: "slot.name", "slot.name may contain only lower-case letters, digits and _ (at most 63), got '\(slot)'")
        }
        slotDropOnStop = parsed.bool("slot.drop.on.stop")
        snapshotMode = SnapshotMode(rawValue: parsed.string("snapshot.mode") ?? "") ?? .initial
        snapshotFetchSize = parsed.int("snapshot.fetch.size")
        let heartbeat = parsed.int("heartbeat.interval.ms")
        heartbeatInterval = heartbeat > 0 ? .milliseconds(heartbeat) : nil
        let action = parsed.string("heartbeat.action.query") ?? ""
        heartbeatActionQuery = action.isEmpty ? nil : action
        mapper = PostgresTypeMapper(
            decimalHandlingMode: PostgresTypeMapper.DecimalHandlingMode(rawValue: parsed.string("decimal.handling.mode") ?? "")
                ?? .precise,
            timePrecisionMode: PostgresTypeMapper.TimePrecisionMode(rawValue: parsed.string("time.precision.mode") ?? "")
                ?? .adaptive)
        tombstonesOnDelete = parsed.bool("tombstones.on.delete")
        provideTransactionMetadata = parsed.bool("provide.transaction.metadata")
        messagePrefixInclude = try regexes("message.prefix.include.list")
        messagePrefixExclude = try regexes("message.prefix.exclude.list")
        if !messagePrefixInclude.isEmpty && !messagePrefixExclude.isEmpty {
            throw ConfigException(
                key: "message.prefix.exclude.list", "set message.prefix.include.list or message.prefix.exclude.list, not both")
        }
        skippedOperations = Set(parsed.list("skipped.operations").filter { $0 != "none" })
        var keys: [String: [String]] = [:]
        for entry in (parsed.string("message.key.columns") ?? "").split(separator: ";") {
            let parts = entry.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else {
                throw ConfigException(
                    key: "message.key.columns", "message.key.columns entries look like schema.table:col1,col2; got '\(entry)'")
            }
            keys[String(parts[0]).trimmedSpaces] = parts[1].split(separator: ",").map { String($0).trimmedSpaces }
        }
        messageKeyColumns = keys
        maxBatchSize = parsed.int("max.batch.size")
        maxQueueSize = parsed.int("max.queue.size")
        pollInterval = .milliseconds(parsed.int("poll.interval.ms"))
        unavailableValuePlaceholder = parsed.string("unavailable.value.placeholder") ?? "__debezium_unavailable_value"
    }

    /// Whether `schema.table` is captured.
    func captures(_ qualifiedTable: String) -> Bool {
        if !tableInclude.isEmpty { return tableInclude.contains { $0.matches(qualifiedTable) } }
        return !tableExclude.contains { $0.matches(qualifiedTable) }
    }

    /// Whether logical decoding messages with `prefix` are emitted.
    func emitsMessages(prefix: String) -> Bool {
        if !messagePrefixInclude.isEmpty { return messagePrefixInclude.contains { $0.matches(prefix) } }
        return !messagePrefixExclude.contains { $0.matches(prefix) }
    }

    /// Whether column `schema.table.column` is kept.
    func keeps(column qualified: String) -> Bool {
        if !columnInclude.isEmpty { return columnInclude.contains { $0.matches(qualified) } }
        return !columnExclude.contains { $0.matches(qualified) }
    }
}

extension String {
    var trimmedSpaces: String {
        var view = Substring(self)
        while view.first == " " { view.removeFirst() }
        while view.last == " " { view.removeLast() }
        return String(view)
    }
}

/// A compiled user regex, matched against whole names (Debezium's list semantics). Immutable after
/// compilation, so sharing it between tasks is safe.
struct Pattern: @unchecked Sendable {
    let regex: Regex<AnyRegexOutput>
    func matches(_ text: String) -> Bool { (try? regex.wholeMatch(in: text)) != nil }
}
