import Foundation
import Logging
import PostgresCDCCore
import SluiceConnectSDK
import SluicePostgres

/// Reads every captured table in key-ordered chunks inside one REPEATABLE READ transaction that
/// uses the slot's exported snapshot, so the snapshot and the stream from the slot's consistent
/// point meet with no gap and no overlap. Each record's offset records progress (table and last
/// key), so a restart resumes from the last chunk instead of from zero; a resumed snapshot reads
/// the remaining chunks with a fresh snapshot, and the stream from the consistent point replays
/// anything that changed meanwhile (at-least-once, never a gap).
struct Snapshotter: Sendable {
    let query: PostgresConnection
    let config: PostgresCDCConfig
    let consistentPoint: LSN
    let logger: Logger
    /// Tables still to read, in qualified-name order; the first is the current one.
    var tables: [Catalog.Table]
    var lastKey: [String?]?
    /// The current table's model and catalog columns (by table oid).
    var current: (oid: UInt32, model: TableModel, columns: [Catalog.ColumnInfo])?
    var emittedAny = false
    var rowsDone: Int
    var estimatedTotal: Int
    var tablesDone: Int
    private(set) var isDone = false

    static func begin(
        snapshotName: String?, consistentPoint: LSN, query: PostgresConnection, config: PostgresCDCConfig, logger: Logger
    ) async throws -> Snapshotter {
        try await query.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if let snapshotName {
            try await query.execute("SET TRANSACTION SNAPSHOT \(PostgresConnection.quoteLiteral(snapshotName))")
        }
        let tables = try await Catalog(connection: query).tables().filter { config.captures($0.qualifiedName) }
        return Snapshotter(
            query: query, config: config, consistentPoint: consistentPoint, logger: logger, tables: tables, lastKey: nil,
            rowsDone: 0,
            estimatedTotal: try await estimate(tables, query: query), tablesDone: 0)
    }

    /// Continues an interrupted snapshot from the offset of its last emitted record.
    static func resume(from offset: JSONObject, query: PostgresConnection, config: PostgresCDCConfig, logger: Logger) async throws
        -> Snapshotter
    {
        let point = offset["lsn"].flatMap(PostgresCDCTask.lsn) ?? .zero
        try await query.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        let all = try await Catalog(connection: query).tables().filter { config.captures($0.qualifiedName) }
        let current = offset["table"]?.stringValue ?? ""
        let remaining = all.filter { $0.qualifiedName >= current }
        let lastKey = offset["last_key"]?.arrayValue?.map { $0.stringValue }
        return Snapshotter(
            query: query, config: config, consistentPoint: point, logger: logger, tables: remaining,
            lastKey: remaining.first?.qualifiedName == current ? lastKey : nil, emittedAny: true,
            rowsDone: Int(offset["rows"]?.intValue ?? 0), estimatedTotal: try await estimate(all, query: query),
            tablesDone: all.count - remaining.count)
    }

    static func estimate(_ tables: [Catalog.Table], query: PostgresConnection) async throws -> Int {
        guard !tables.isEmpty else { return 0 }
        let rows = try await query.query(
            "select coalesce(sum(greatest(reltuples, 0)), 0)::int8 as n from pg_class where oid = any($1::oid[])",
            ["{" + tables.map { String($0.oid) }.joined(separator: ",") + "}"])
        return Int(rows.value(0, "n") ?? "0") ?? 0
    }

    /// The next chunk of snapshot records (`op=r`); at the end commits the snapshot transaction.
    mutating func nextChunk(prefix: String, database: String, partition: JSONObject) async throws -> [SourceRecord] {
        guard let table = tables.first else { return try await finish(partition: partition) }
        // The table's model is read from the catalog once per table, not once per chunk.
        if current?.oid != table.oid {
            let (model, columns) = try await Catalog(connection: query).model(
                schema: table.schema, table: table.name, oid: table.oid, config: config)
            current = (table.oid, model, columns)
        }
        guard let current else { return [] }
        let model = current.model
        let columns = current.columns
        let keyed =
            !model.keyColumns.isEmpty
            && model.keyColumns.allSatisfy { name in columns.contains { $0.name == name && $0.isPrimaryKey } }
        let limit = config.snapshotFetchSize
        let relation = PostgresConnection.quoteIdentifier(table.schema) + "." + PostgresConnection.quoteIdentifier(table.name)
        var sql: String
        var parameters: [String?] = []
        if keyed {
            let keyList = model.keyColumns.map(PostgresConnection.quoteIdentifier).joined(separator: ", ")
            sql = "SELECT * FROM \(relation)"
            if let lastKey {
                let casts = model.keyColumns.enumerated().map { index, name in
                    "$\(index + 1)::\(columns.first { $0.name == name }?.typeName ?? "text")"
                }
                sql += " WHERE (\(keyList)) > (\(casts.joined(separator: ", ")))"
                parameters = lastKey
            }
            sql += " ORDER BY \(keyList) LIMIT \(limit + 1)"
        } else {
            sql = "SELECT ctid::text AS \"__sluice_ctid\", * FROM \(relation)"
            if let lastKey {
                sql += " WHERE ctid > $1::tid"
                parameters = [lastKey.first ?? nil]
            }
            sql += " ORDER BY ctid LIMIT \(limit + 1)"
        }
        let result = try await query.query(sql, parameters)
        let more = result.rows.count > limit
        let rows = result.rows.prefix(limit)
        let lastTable = tables.count == 1
        var records: [SourceRecord] = []
        records.reserveCapacity(rows.count)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let columnIndex = Dictionary(result.columns.enumerated().map { ($1, $0) }) { first, _ in first }
        for (position, row) in rows.enumerated() {
            var value = ConnectStruct(schema: model.valueSchema)
            for column in model.columns {
                guard let index = columnIndex[column.name] else { continue }
                do {
                    value[column.name] = try column.value(row[index], mapper: config.mapper)
                } catch {
                    throw DataException("snapshot of \(table.qualifiedName), column \(column.name): \(error)")
                }
            }
            let rowKey: [String?] =
                keyed ? model.keyColumns.map { row[columnIndex[$0] ?? 0] } : [row[columnIndex["__sluice_ctid"] ?? 0]]
            let isFirstInTable = lastKey == nil && position == 0
            let isLastInTable = !more && position == rows.count - 1
            let marker: String =
                if !emittedAny && position == 0 { "first" } else if isLastInTable && lastTable { "last" } else if isFirstInTable {
                    "first_in_data_collection"
                } else if isLastInTable { "last_in_data_collection" } else { "true" }
            rowsDone += 1
            let completed = isLastInTable && lastTable
            let offset: JSONObject =
                completed
                ? ["lsn": .int(Int64(bitPattern: consistentPoint.value)), "snapshot_completed": .bool(true)]
                : [
                    "snapshot": .bool(true), "table": .string(table.qualifiedName),
                    "last_key": .array(rowKey.map { $0.map(JSONValue.string) ?? .null }),
                    "lsn": .int(Int64(bitPattern: consistentPoint.value)), "rows": .int(Int64(rowsDone)),
                ]
            let source = DebeziumSource.block(
                name: prefix, tsMillis: now, tsMicros: nil, snapshot: marker, database: database, schema: table.schema,
                table: table.name, txId: nil, lsn: consistentPoint.value)
            let envelope = model.envelope(before: .null, after: .struct(value), source: source, op: "r", tsMillis: now)
            var key: ConnectValue = .null
            if let keySchema = model.keySchema {
                var keyStruct = ConnectStruct(schema: keySchema)
                for name in model.keyColumns { keyStruct[name] = value[name] ?? .null }
                key = .struct(keyStruct)
            }
            records.append(
                SourceRecord(
                    sourcePartition: partition, sourceOffset: offset, topic: model.topic, keySchema: model.keySchema, key: key,
                    valueSchema: model.envelopeSchema, value: .struct(envelope), timestamp: now))
            emittedAny = true
            lastKey = rowKey
        }
        if !more {
            tables.removeFirst()
            tablesDone += 1
            lastKey = nil
        }
        logger.info(
            "snapshot progress",
            metadata: [
                "table": "\(table.qualifiedName)", "tables_done": "\(tablesDone)", "rows_done": "\(rowsDone)",
                "estimated_total": "\(estimatedTotal)",
            ])
        if tables.isEmpty && !records.isEmpty {
            try await query.execute("COMMIT")
            isDone = true
        }
        return records
    }

    /// Ends the snapshot; if it emitted nothing, a heartbeat record stores the completed offset so
    /// a restart streams instead of snapshotting again.
    private mutating func finish(partition: JSONObject) async throws -> [SourceRecord] {
        try await query.execute("COMMIT")
        isDone = true
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let schema = Schema.struct(name: "io.debezium.connector.common.Heartbeat", [("ts_ms", .int64)])
        return [
            SourceRecord(
                sourcePartition: partition,
                sourceOffset: ["lsn": .int(Int64(bitPattern: consistentPoint.value)), "snapshot_completed": .bool(true)],
                topic: "__debezium-heartbeat.\(config.topicPrefix)", valueSchema: schema,
                value: .struct(ConnectStruct(schema: schema, ["ts_ms": .int64(now)])), timestamp: now)
        ]
    }
}
