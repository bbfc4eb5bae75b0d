import Foundation
import Logging
import SluiceConnectSDK
import SluicePostgres

/// A checkpoint store in a Postgres table: one row per committed entry with its provenance and
/// hash chain; the latest offset of a partition is its row with the highest sequence.
///
/// Table (created with its schema if missing; names are quoted, so any name stays one identifier):
///
///     connector text, sequence bigint, partition_json text, offset_json text NULL (tombstone),
///     task integer NULL, worker_id text, commit_time bigint (ms), location text,
///     previous_hash text, hash text, PRIMARY KEY (connector, sequence)
///
/// `partition_json` and `offset_json` hold canonical JSON (sorted keys), the form the hash covers.
/// The primary key makes a stale writer (one that reuses a sequence another writer already
/// committed) fail instead of forking the chain. History is pruned to the last `historyLimit`
/// entries per connector, always keeping each partition's latest row.
public actor PostgresCheckpointStore: CheckpointStore {
    public nonisolated let location: CheckpointLocation
    public let schema: String
    public let table: String
    public let historyLimit: Int
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private var connection: PostgresConnection?
    private var chains: [String: CheckpointChain] = [:]

    /// Connects and creates the schema and table if they are missing.
    public init(
        configuration: PostgresConfiguration, schema: String, table: String, location: CheckpointLocation,
        historyLimit: Int = CheckpointHistory.defaultLimit, logger: Logger
    ) async throws {
        self.configuration = configuration
        self.schema = schema
        self.table = table
        self.location = location
        self.historyLimit = max(1, historyLimit)
        self.logger = logger
        let connection = try await Self.open(configuration, location: location.name, logger: logger)
        self.connection = connection
        let index = PostgresConnection.quoteIdentifier(String("\(table)_partition_idx".prefix(63)))
        do {
            try await connection.execute(
                """
                CREATE SCHEMA IF NOT EXISTS \(PostgresConnection.quoteIdentifier(schema));
                CREATE TABLE IF NOT EXISTS \(qualifiedName) (
                    connector text NOT NULL,
                    sequence bigint NOT NULL,
                    partition_json text NOT NULL,
                    offset_json text,
                    task integer,
                    worker_id text NOT NULL,
                    commit_time bigint NOT NULL,
                    location text NOT NULL,
                    previous_hash text NOT NULL,
                    hash text NOT NULL,
                    PRIMARY KEY (connector, sequence));
                CREATE INDEX IF NOT EXISTS \(index) ON \(qualifiedName) (connector, partition_json, sequence DESC);
                """)
        } catch {
            throw CheckpointStoreError(location: location.name, "cannot create checkpoint table \(schema).\(table): \(error)")
        }
    }

    /// `"schema"."table"`, quoted.
    public nonisolated var qualifiedName: String {
        PostgresConnection.quoteIdentifier(schema) + "." + PostgresConnection.quoteIdentifier(table)
    }

    public func offsets(connector: String) async throws -> [JSONObject: JSONObject] {
        let rows = try await run(
            """
            SELECT DISTINCT ON (partition_json) partition_json, offset_json FROM \(qualifiedName)
            WHERE connector = $1 ORDER BY partition_json, sequence DESC
            """, [connector], what: "reading offsets of \(connector)")
        var result: [JSONObject: JSONObject] = [:]
        for index in rows.rows.indices {
            guard let offsetText = rows.value(index, "offset_json") else { continue }
            guard let partition = try? JSONValue.parse(rows.value(index, "partition_json") ?? "").objectValue,
                let offset = try? JSONValue.parse(offsetText).objectValue
            else {
                throw CheckpointStoreError(
                    location: location.name, "\(qualifiedName) holds a row of \(connector) that is not JSON")
            }
            result[partition] = offset
        }
        return result
    }

    public func history(connector: String) async throws -> [CheckpointEntry] {
        let rows = try await run(
            """
            SELECT connector, sequence, partition_json, offset_json, task, worker_id, commit_time, location,
                   previous_hash, hash
            FROM \(qualifiedName) WHERE connector = $1 ORDER BY sequence
            """, [connector], what: "reading the history of \(connector)")
        return try rows.rows.indices.map { index in
            guard let sequence = rows.value(index, "sequence").flatMap({ Int64($0) }),
                let partition = try? JSONValue.parse(rows.value(index, "partition_json") ?? "").objectValue
            else {
                throw CheckpointStoreError(location: location.name, "\(qualifiedName) holds a malformed row of \(connector)")
            }
            return CheckpointEntry(
                connector: connector, partition: partition,
                offset: rows.value(index, "offset_json").flatMap { try? JSONValue.parse($0).objectValue },
                workerID: rows.value(index, "worker_id") ?? "", taskID: rows.value(index, "task").flatMap { Int($0) },
                sequence: sequence, time: rows.value(index, "commit_time").flatMap { Int64($0) } ?? 0,
                location: rows.value(index, "location") ?? "", previousHash: rows.value(index, "previous_hash") ?? "",
                hash: rows.value(index, "hash") ?? "")
        }
    }

    public func commit(
        connector: String, offsets changes: [(partition: JSONObject, offset: JSONObject?)], provenance: CommitProvenance
    ) async throws {
        guard !changes.isEmpty else { return }
        var chain = try await chain(for: connector)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let sealed = changes.map { change in
            chain.append(
                connector: connector, partition: change.partition, offset: change.offset, provenance: provenance, time: now,
                location: location.name)
        }
        try await insert(connector: connector, sealed)
        chains[connector] = chain
    }

    public func importEntries(connector: String, entries imported: [CheckpointEntry]) async throws {
        let sorted = imported.sorted { $0.sequence < $1.sequence }
        var chain = try await chain(for: connector)
        try sorted.checkImport(after: chain, connector: connector, location: location.name)
        for entry in sorted { chain.advance(past: entry) }
        try await insert(connector: connector, sorted)
        chains[connector] = chain
    }

    private func chain(for connector: String) async throws -> CheckpointChain {
        if let chain = chains[connector] { return chain }
        let rows = try await run(
            "SELECT sequence, hash FROM \(qualifiedName) WHERE connector = $1 ORDER BY sequence DESC LIMIT 1", [connector],
            what: "reading the chain head of \(connector)")
        let chain = CheckpointChain(
            head: rows.value(0, "hash") ?? "", sequence: rows.value(0, "sequence").flatMap { Int64($0) } ?? 0)
        chains[connector] = chain
        return chain
    }

    /// Inserts the entries and prunes old history in one transaction.
    private func insert(connector: String, _ entries: [CheckpointEntry]) async throws {
        let connection = try await connected()
        do {
            try await connection.execute("BEGIN")
            for chunk in stride(from: 0, to: entries.count, by: 500).map({ entries[$0..<min($0 + 500, entries.count)] }) {
                var placeholders: [String] = []
                var parameters: [String?] = []
                for entry in chunk {
                    let base = parameters.count
                    placeholders.append("(" + (1...10).map { "$\(base + $0)" }.joined(separator: ",") + ")")
                    parameters += [
                        entry.connector, String(entry.sequence), entry.partition.canonicalString,
                        entry.offset.map(\.canonicalString), entry.taskID.map { String($0) }, entry.workerID, String(entry.time),
                        entry.location, entry.previousHash, entry.hash,
                    ]
                }
                try await connection.query(
                    """
                    INSERT INTO \(qualifiedName) (connector, sequence, partition_json, offset_json, task, worker_id,
                        commit_time, location, previous_hash, hash) VALUES \(placeholders.joined(separator: ","))
                    """, parameters)
            }
            if let last = entries.last, last.sequence > Int64(historyLimit) {
                try await connection.query(
                    """
                    DELETE FROM \(qualifiedName) WHERE connector = $1 AND sequence <= $2 AND sequence NOT IN (
                        SELECT DISTINCT ON (partition_json) sequence FROM \(qualifiedName)
                        WHERE connector = $1 ORDER BY partition_json, sequence DESC)
                    """, [connector, String(last.sequence - Int64(historyLimit))])
            }
            try await connection.execute("COMMIT")
        } catch {
            _ = try? await connection.execute("ROLLBACK")
            chains.removeValue(forKey: connector)
            if error.sqlState == "23505" {
                throw CheckpointStoreError(
                    location: location.name,
                    "\(qualifiedName) already holds sequence \(entries.first?.sequence ?? 0) of \(connector): another writer "
                        + "committed newer checkpoints, so this writer is stale and must not overwrite them")
            }
            throw storeError("writing checkpoints of \(connector) to \(qualifiedName) failed", error)
        }
    }

    private func run(_ sql: String, _ parameters: [String?], what: String) async throws -> PostgresRows {
        let connection = try await connected()
        do {
            return try await connection.query(sql, parameters)
        } catch {
            throw storeError("\(what) from \(qualifiedName) failed", error)
        }
    }

    /// The store error for a failed statement. A lost connection is dropped (the next call
    /// reconnects) and makes the failure transient.
    private func storeError(_ what: String, _ error: PostgresError) -> CheckpointStoreError {
        guard case .connection = error.code else { return CheckpointStoreError(location: location.name, "\(what): \(error)") }
        connection = nil
        return .unavailable(location: location.name, "\(what): \(error)")
    }

    private func connected() async throws -> PostgresConnection {
        if let connection { return connection }
        let connection = try await Self.open(configuration, location: location.name, logger: logger)
        self.connection = connection
        return connection
    }

    private static func open(_ configuration: PostgresConfiguration, location: String, logger: Logger) async throws
        -> PostgresConnection
    {
        do {
            return try await PostgresConnection.connect(configuration, logger: logger)
        } catch {
            throw CheckpointStoreError.unavailable(location: location, "cannot connect to \(configuration): \(error)")
        }
    }
}
