import Foundation
import Logging
import PostgresCDCCore
import SluiceConnectSDK
import SluicePostgres

/// Captures changes from Postgres with logical replication (pgoutput) and emits Debezium-format
/// events: snapshot first (consistent, resumable), then the stream from the slot.
///
/// Durability (DESIGN.md §2): the slot's flush position is confirmed in `commit()`, which the
/// runtime calls only after every record returned so far is acknowledged by Kafka and its offset
/// is durable in the checkpoint store — and only up to the end of the last transaction whose
/// events were all returned.
public actor PostgresCDCTask: SourceTask {
    enum Phase {
        case snapshot(Snapshotter)
        case streaming
        case finished
    }

    private var config: PostgresCDCConfig!
    private var name = ""
    private var database = ""
    private var query: PostgresConnection!
    private var replication: ReplicationConnection?
    private var phase = Phase.streaming
    private let decoder = PgOutputDecoder()
    private var relations = RelationCache()
    private var models: [UInt32: TableModel] = [:]
    private var partition: JSONObject = [:]
    private var logger = Logger(label: "sluice.postgres-cdc")
    /// The transaction being decoded.
    private var transaction: OpenTransaction?
    /// Events up to here were emitted before a restart or reconnect.
    private var resumeAfter: StreamPosition?
    /// End LSN of the last transaction whose events have all been returned by `poll`.
    private var confirmable: UInt64?
    /// Wall-clock milliseconds when the current batch of stream messages was read.
    private var processedMillis: Int64 = 0
    /// The position `commit()` last confirmed to Postgres: durable in Kafka and the offset store.
    private var confirmed: UInt64?
    private var startLSN = LSN.zero
    private var lastHeartbeat = ContinuousClock.now
    /// The last event returned by `poll` — the resume point after a reconnect.
    private var lastEmitted: StreamPosition?
    /// Set when the stream broke; the next poll reconnects.
    private var needsReconnect = false
    /// Whether the server can send logical decoding messages (Postgres 14 and later).
    private var serverSendsMessages = false

    public init() {}

    // MARK: Lifecycle

    public func start(_ raw: [String: String], context: any SourceTaskContext) async throws {
        config = try PostgresCDCConfig(raw)
        name = context.connectorName
        logger[metadataKey: "connector"] = "\(name)"
        partition = ["server": .string(config.topicPrefix)]
        query = try await PostgresConnection.connect(config.connection, logger: logger)
        let level = try await query.query(
            "select current_setting('wal_level') as level, current_database() as db, "
                + "current_setting('server_version_num')::int as version")
        database = level.value(0, "db") ?? config.connection.database
        serverSendsMessages = (level.value(0, "version").flatMap { Int($0) } ?? 0) >= 140_000
        guard level.value(0, "level") == "logical" else {
            throw ConnectException(
                "Postgres wal_level is \(level.value(0, "level") ?? "?"); logical replication needs wal_level=logical "
                    + "(ALTER SYSTEM SET wal_level = logical; then restart Postgres)")
        }
        try await ensurePublication()
        let offset = try await context.offsetStorageReader.offset(for: partition)
        let slot = try await query.query(
            "select active, confirmed_flush_lsn::text as flushed from pg_replication_slots where slot_name = $1", [config.slot])
        let slotExists = !slot.rows.isEmpty
        if slot.value(0, "active") == "t" {
            throw ConnectException(
                "replication slot \(config.slot) is in use by another process; stop it or give this connector its own slot.name")
        }
        replication = try await ReplicationConnection.connect(config.connection, statusInterval: .seconds(10), logger: logger)

        if let offset, offset["snapshot"]?.boolValue == true {
            // A snapshot was interrupted: finish it from its last chunk, then stream from its consistent point.
            guard slotExists else { throw slotMissingError() }
            startLSN = offset["lsn"].flatMap { $0.stringValue.flatMap(LSN.init) ?? $0.intValue.map { LSN(UInt64($0)) } } ?? .zero
            phase = .snapshot(try await Snapshotter.resume(from: offset, query: query, config: config, logger: logger))
            logger.info("resuming snapshot", metadata: ["table": "\(offset["table"]?.stringValue ?? "?")", "lsn": "\(startLSN)"])
        } else if let offset {
            guard slotExists else {
                guard config.snapshotMode == .whenNeeded else { throw slotMissingError() }
                logger.warning("replication slot missing: taking a new snapshot (snapshot.mode=when_needed)")
                try await beginSnapshot(exported: true)
                return
            }
            startLSN = offset["lsn_commit"].flatMap(Self.lsn) ?? offset["lsn"].flatMap(Self.lsn) ?? .zero
            if let commit = offset["lsn_commit"].flatMap(Self.lsn), let index = offset["events_in_lsn"]?.intValue {
                resumeAfter = StreamPosition(commit: commit.value, index: index, context: TransactionContext(offset: offset))
            }
            if config.snapshotMode == .always {
                try await beginSnapshot(exported: false)
            } else {
                try await startStreaming()
            }
        } else {
            if slotExists {
                guard config.snapshotMode == .noData else {
                    throw ConnectException(
                        "replication slot \(config.slot) exists but this connector has no stored offsets, so a consistent snapshot cannot "
                            + "be taken from it. Drop the slot (SELECT pg_drop_replication_slot('\(config.slot)')) or set snapshot.mode=no_data"
                    )
                }
                startLSN = slot.value(0, "flushed").flatMap(LSN.init) ?? .zero
                try await startStreaming()
            } else if config.snapshotMode == .noData {
                let created = try await replication!.createSlot(config.slot, exportSnapshot: false)
                startLSN = created.consistentPoint
                try await startStreaming()
            } else {
                try await beginSnapshot(exported: true)
            }
        }
    }

    private func slotMissingError() -> ConnectException {
        ConnectException(
            "replication slot \(config.slot) does not exist, but this connector has stored offsets. Changes made since the slot "
                + "disappeared are lost to it. Choose: set snapshot.mode=when_needed to take a new snapshot (records may repeat), or "
                + "reset this connector's offsets to start over. Sluice never recreates a slot silently.")
    }

    /// Creates the slot (exporting its snapshot when asked) and starts snapshotting.
    private func beginSnapshot(exported: Bool) async throws {
        var snapshotName: String? = nil
        let slotRows = try await query.query("select 1 from pg_replication_slots where slot_name = $1", [config.slot])
        if slotRows.rows.isEmpty {
            let created = try await replication!.createSlot(config.slot, exportSnapshot: exported)
            startLSN = created.consistentPoint
            snapshotName = created.snapshotName
        }
        phase = .snapshot(
            try await Snapshotter.begin(
                snapshotName: snapshotName, consistentPoint: startLSN, query: query, config: config, logger: logger))
        logger.info("snapshot started", metadata: ["lsn": "\(startLSN)", "exported": "\(snapshotName != nil)"])
    }

    private func startStreaming() async throws {
        guard config.snapshotMode != .initialOnly || resumeAfter == nil else {
            phase = .finished
            return
        }
        try await replication!.startReplication(slot: config.slot, from: startLSN, options: replicationOptions)
        phase = .streaming
        logger.info("streaming changes", metadata: ["slot": "\(config.slot)", "from": "\(startLSN)"])
    }

    /// pgoutput's options: protocol 1, the publication, and logical decoding messages where the
    /// server has them.
    private var replicationOptions: [(String, String)] {
        [("proto_version", "1"), ("publication_names", config.publication)] + (serverSendsMessages ? [("messages", "true")] : [])
    }

    private func ensurePublication() async throws {
        let exists = try await query.query("select 1 from pg_publication where pubname = $1", [config.publication])
        guard exists.rows.isEmpty else { return }
        let quoted = PostgresConnection.quoteIdentifier(config.publication)
        switch config.publicationAutocreate {
        case .disabled:
            throw ConnectException(
                "publication \(config.publication) does not exist and publication.autocreate.mode=disabled; create it "
                    + "(CREATE PUBLICATION \(quoted) FOR TABLE …) or change the mode")
        case .allTables:
            try await query.execute("CREATE PUBLICATION \(quoted) FOR ALL TABLES")
        case .filtered:
            let tables = try await Catalog(connection: query).tables().filter { config.captures($0.qualifiedName) }
            guard !tables.isEmpty else { throw ConnectException("no table matches table.include.list; nothing to publish") }
            let list = tables.map {
                PostgresConnection.quoteIdentifier($0.schema) + "." + PostgresConnection.quoteIdentifier($0.name)
            }
            try await query.execute("CREATE PUBLICATION \(quoted) FOR TABLE \(list.joined(separator: ", "))")
        }
        logger.info(
            "created publication",
            metadata: ["publication": "\(config.publication)", "mode": "\(config.publicationAutocreate.rawValue)"])
    }

    public func stop() async {
        await replication?.close()
        if config?.slotDropOnStop == true, let query {
            try? await Task.sleep(for: .milliseconds(200))
            _ = try? await query.query("select pg_drop_replication_slot($1)", [config.slot])
        }
    }

    /// Confirms to Postgres everything up to the last complete transaction returned so far (the
    /// runtime calls this only after those records' offsets are durable).
    public func commit() async throws {
        guard let confirmable, let replication else { return }
        replication.confirm(flush: LSN(confirmable))
        confirmed = confirmable
    }

    // MARK: Poll

    public func poll() async throws -> [SourceRecord] {
        switch phase {
        case .finished:
            try await Task.sleep(for: .milliseconds(500))
            return []
        case .snapshot(var snapshotter):
            let records = try await snapshotter.nextChunk(prefix: config.topicPrefix, database: database, partition: partition)
            if snapshotter.isDone {
                try await startStreaming()
                if config.snapshotMode == .initialOnly { phase = .finished }
            } else {
                phase = .snapshot(snapshotter)
            }
            return records
        case .streaming:
            return try await pollStream()
        }
    }

    private func pollStream() async throws -> [SourceRecord] {
        if needsReconnect { try await reconnect() }
        guard let replication else { return [] }
        let messages: [ReplicationMessage.XLogData]
        do {
            messages = try await replication.read(maxMessages: config.maxBatchSize, timeout: config.pollInterval)
        } catch {
            guard error.isTransient else { throw error }
            needsReconnect = true
            logger.warning("replication stream interrupted; reconnecting", metadata: ["error": "\(error)"])
            throw RetriableException("replication stream interrupted: \(error)")
        }
        var records: [SourceRecord] = []
        // Debezium's envelope ts_ms: when the connector processed the event (one reading per batch).
        processedMillis = Int64(Date().timeIntervalSince1970 * 1000)
        for message in messages {
            let decoded: PgOutputMessage
            do {
                decoded = try decoder.decode(message.data)
            } catch {
                throw ConnectException("cannot decode pgoutput message at \(message.walStart): \(error)")
            }
            try await handle(decoded, at: message.walStart.value, into: &records)
        }
        if let heartbeat = try await heartbeatIfDue() { records.append(heartbeat) }
        return records
    }

    /// Reconnects after a Postgres restart or network cut and resumes streaming from the slot;
    /// events the server sends again (everything after the confirmed flush position) are skipped
    /// up to the last one already returned. Failures stay retriable (the runtime backs off).
    private func reconnect() async throws {
        await replication?.close()
        replication = nil
        transaction = nil
        do {
            query = try await PostgresConnection.connect(config.connection, logger: logger)
            let connection = try await ReplicationConnection.connect(
                config.connection, statusInterval: .seconds(10), logger: logger)
            // Only what commit() confirmed is durable: records polled since may still be on their way
            // to Kafka (the runner reads ahead), so the slot must not move past them here.
            let confirmed = LSN(self.confirmed ?? startLSN.value)
            if let lastEmitted { resumeAfter = lastEmitted }
            try await connection.startReplication(slot: config.slot, from: confirmed, options: replicationOptions)
            connection.confirm(flush: confirmed)
            replication = connection
            needsReconnect = false
            logger.info("replication stream resumed", metadata: ["from": "\(confirmed)"])
        } catch {
            guard error.isTransient else { throw error }
            throw RetriableException("cannot reconnect to Postgres yet: \(error)")
        }
    }

    private func handle(_ message: PgOutputMessage, at lsn: UInt64, into records: inout [SourceRecord]) async throws {
        switch message {
        case .relation(let relation):
            relations.store(relation)
            models[relation.id] = try await model(for: relation)
        case .begin(let begin):
            var open = OpenTransaction(
                xid: begin.xid, finalLSN: begin.finalLSN,
                micros: PgOutputMessage.unixMicros(fromPostgresMicros: begin.commitTimestamp))
            // Restarted inside this transaction: its BEGIN was sent, the orders continue.
            if config.provideTransactionMetadata, let resume = resumeAfter, resume.commit == begin.finalLSN {
                open.context = resume.context
            }
            transaction = open
        case .commit(let commit):
            if let open = transaction, let context = open.context {
                let offset = offset(lsn: commit.commitLSN, of: open, index: open.index, context: nil)
                records.append(
                    context.event(
                        ended: true, prefix: config.topicPrefix, commitMillis: open.micros / 1000, partition: partition,
                        offset: offset))
                lastEmitted = StreamPosition(commit: open.finalLSN, index: open.index, context: nil)
            }
            transaction = nil
            confirmable = commit.endLSN
            if let resume = resumeAfter, commit.commitLSN >= resume.commit { resumeAfter = nil }
        case .insert(let insert):
            try emit(op: "c", relationId: insert.relationId, before: nil, after: insert.newTuple, lsn: lsn, into: &records)
        case .update(let update):
            try emitUpdate(update, lsn: lsn, into: &records)
        case .delete(let delete):
            try emit(op: "d", relationId: delete.relationId, before: delete.oldTuple.tuple, after: nil, lsn: lsn, into: &records)
        case .truncate(let truncate):
            for relationId in truncate.relationIds {
                try emit(op: "t", relationId: relationId, before: nil, after: nil, lsn: lsn, into: &records)
            }
        case .message(let message):
            emitMessage(message, at: lsn, into: &records)
        case .origin, .type:
            break
        }
    }

    private func model(for relation: PgOutputMessage.Relation) async throws -> TableModel? {
        let qualified = "\(relation.namespace).\(relation.name)"
        guard config.captures(qualified) else { return nil }
        let catalog = try await Catalog(connection: query).columns(of: relation.id)
        let info = Dictionary(catalog.map { ($0.name, $0) }) { first, _ in first }
        // The key is the primary key (or message.key.columns), as in the snapshot and in Debezium: a
        // table without one has a null key, whatever its replica identity (FULL flags every column).
        let keys = config.messageKeyColumns[qualified] ?? catalog.filter(\.isPrimaryKey).map(\.name)
        return TableModel(
            schema: relation.namespace, table: relation.name,
            columns: relation.columns.map { ($0.name, $0.typeOid, $0.typeModifier, info[$0.name]?.nullable ?? true) },
            keyColumns: keys,
            enums: Catalog.enumTypes(catalog),
            config: config)
    }

    /// An update whose key changed becomes delete (+ tombstone) and create, as in Debezium.
    private func emitUpdate(_ update: PgOutputMessage.Update, lsn: UInt64, into records: inout [SourceRecord]) throws {
        if let old = update.oldTuple, let model = models[update.relationId] {
            let oldKey = try key(of: old.tuple, relationId: update.relationId, model: model)
            let newKey = try key(of: update.newTuple, relationId: update.relationId, model: model)
            if !oldKey.isNull && !newKey.isNull && oldKey != newKey {
                try emit(op: "d", relationId: update.relationId, before: old.tuple, after: nil, lsn: lsn, into: &records)
                try emit(op: "c", relationId: update.relationId, before: nil, after: update.newTuple, lsn: lsn, into: &records)
                return
            }
        }
        try emit(
            op: "u", relationId: update.relationId, before: update.oldTuple?.tuple, after: update.newTuple, lsn: lsn,
            into: &records)
    }

    /// Builds one Debezium event (and a tombstone after a delete) unless it is filtered, skipped
    /// or was already emitted before a restart.
    ///
    /// Every event and every tombstone takes the next index in its transaction whether or not it is
    /// emitted, so a replayed transaction numbers its events exactly as before and a resume point
    /// names one record (a key change's delete and create, and a delete's tombstone, each have
    /// their own).
    private func emit(
        op: String, relationId: UInt32, before: PgTuple?, after: PgTuple?, lsn: UInt64, into records: inout [SourceRecord]
    ) throws {
        guard var open = transaction else { return }
        let eventIndex = open.index + 1
        let hasTombstone = op == "d" && config.tombstonesOnDelete
        open.index += hasTombstone ? 2 : 1
        transaction = open
        guard let model = models[relationId], !config.skippedOperations.contains(op) else { return }
        let emitsEvent = !isReplayed(open.finalLSN, eventIndex)
        var emitsTombstone = hasTombstone && !isReplayed(open.finalLSN, eventIndex + 1)
        guard emitsEvent || emitsTombstone else { return }
        let keyTuple = after ?? before
        let keyValue = try keyTuple.map { try key(of: $0, relationId: relationId, model: model) } ?? .null
        // A truncate names no row: null key, no key schema (as in Debezium). A tombstone is for log
        // compaction, which needs a key: none for a table without one.
        let keySchema = keyValue.isNull ? nil : model.keySchema
        if keyValue.isNull { emitsTombstone = false }
        let timestamp = open.micros / 1000
        if emitsEvent {
            var envelope = model.envelope(
                before: try before.map { try row($0, relationId: relationId, model: model) } ?? .null,
                after: try after.map { try row($0, relationId: relationId, model: model) } ?? .null,
                source: sourceBlock(
                    schema: model.schemaName, table: model.tableName, snapshot: "false", commitMicros: open.micros,
                    txId: Int64(open.xid), lsn: lsn),
                op: op, tsMillis: processedMillis)
            if config.provideTransactionMetadata {
                var context: TransactionContext
                if let existing = open.context {
                    context = existing
                } else {
                    context = TransactionContext(xid: open.xid, commitLSN: open.finalLSN)
                    let beginOffset = offset(lsn: lsn, of: open, index: eventIndex - 1, context: context)
                    records.append(
                        context.event(
                            ended: false, prefix: config.topicPrefix, commitMillis: timestamp, partition: partition,
                            offset: beginOffset))
                }
                envelope["transaction"] = .struct(context.count(model.qualifiedName, schema: DebeziumSource.transactionSchema))
                open.context = context
                transaction = open
            }
            let eventOffset = offset(lsn: lsn, of: open, index: eventIndex, context: open.context)
            records.append(
                SourceRecord(
                    sourcePartition: partition, sourceOffset: eventOffset, topic: model.topic, keySchema: keySchema,
                    key: keyValue, valueSchema: model.envelopeSchema,
                    value: .struct(envelope), timestamp: timestamp))
            lastEmitted = StreamPosition(commit: open.finalLSN, index: eventIndex, context: open.context)
        }
        if emitsTombstone {
            records.append(
                SourceRecord(
                    sourcePartition: partition,
                    sourceOffset: offset(lsn: lsn, of: open, index: eventIndex + 1, context: open.context), topic: model.topic,
                    keySchema: keySchema, key: keyValue, valueSchema: nil, value: .null, timestamp: timestamp))
            lastEmitted = StreamPosition(commit: open.finalLSN, index: eventIndex + 1, context: open.context)
        }
    }

    /// A logical decoding message (`pg_logical_emit_message`) as a Debezium `op=m` event. A
    /// transactional one takes the next index in its transaction; a non-transactional one is its
    /// own position in the stream, at its LSN.
    private func emitMessage(_ message: PgOutputMessage.LogicalMessage, at lsn: UInt64, into records: inout [SourceRecord]) {
        let position: StreamPosition
        let txId: Int64?
        let micros: Int64
        var offset: JSONObject
        if message.isTransactional, var open = transaction {
            open.index += 1
            transaction = open
            position = StreamPosition(commit: open.finalLSN, index: open.index, context: open.context)
            txId = Int64(open.xid)
            micros = open.micros
            offset = self.offset(lsn: message.lsn, of: open, index: open.index, context: open.context)
        } else {
            position = StreamPosition(commit: message.lsn, index: 0, context: nil)
            txId = nil
            micros = Int64(Date().timeIntervalSince1970 * 1_000_000)
            offset = self.offset(lsn: message.lsn, commit: message.lsn, xid: nil, micros: micros, index: 0, context: nil)
        }
        guard config.emitsMessages(prefix: message.prefix), !isReplayed(position.commit, position.index) else { return }
        offset["message"] = .bool(true)
        let source = sourceBlock(schema: "", table: "", snapshot: "false", commitMicros: micros, txId: txId, lsn: message.lsn)
        records.append(
            LogicalMessageEvent.record(
                prefix: message.prefix, content: message.content, source: source, topicPrefix: config.topicPrefix,
                nowMillis: Int64(Date().timeIntervalSince1970 * 1000), partition: partition, offset: offset))
        lastEmitted = position
    }

    /// Whether the record at (`commit`, `index`) was emitted before the restart being resumed.
    private func isReplayed(_ commit: UInt64, _ index: Int64) -> Bool {
        guard let resume = resumeAfter else { return false }
        return commit < resume.commit || (commit == resume.commit && index <= resume.index)
    }

    /// The source offset of the record at `index` in `transaction` (DESIGN.md §2: enough to
    /// resume at exactly the next record).
    private func offset(lsn: UInt64, of transaction: OpenTransaction, index: Int64, context: TransactionContext?) -> JSONObject {
        offset(
            lsn: lsn, commit: transaction.finalLSN, xid: transaction.xid, micros: transaction.micros, index: index,
            context: context)
    }

    /// A source offset: `commit` is the position `index` counts from (a transaction's commit LSN,
    /// or a non-transactional message's own LSN, which has no `txId`).
    private func offset(
        lsn: UInt64, commit: UInt64, xid: UInt32?, micros: Int64, index: Int64, context: TransactionContext?
    ) -> JSONObject {
        var entries: [(key: String, value: JSONValue)] = [
            ("lsn", .int(Int64(bitPattern: lsn))), ("lsn_commit", .int(Int64(bitPattern: commit))),
            ("lsn_proc", .int(Int64(bitPattern: lsn))),
        ]
        if let xid { entries.append(("txId", .int(Int64(xid)))) }
        entries.append(("ts_usec", .int(micros)))
        entries.append(("events_in_lsn", .int(index)))
        // The transaction's keys (`transaction_…`) never meet the ones above.
        for (key, value) in context?.offsetEntries ?? [] { entries.append((key, value)) }
        return JSONObject(distinctKeys: entries)
    }

    private func row(_ tuple: PgTuple, relationId: UInt32, model: TableModel) throws -> ConnectValue {
        let resolved = try relations.resolve(tuple, relationId: relationId)
        var value = ConnectStruct(schema: model.valueSchema)
        let fields = model.valueSchema.fields  // one per kept column, in the same order
        // Kept columns appear in the tuple in the same order, so the search resumes where the last
        // one matched (one comparison per column when all are kept).
        var next = 0
        for (index, column) in model.columns.enumerated() {
            let cell: PgTupleValue?
            if let found = resolved.columns[next...].firstIndex(where: { $0.name == column.name }) {
                cell = resolved.columns[found].value
                next = found + 1
            } else {
                cell = resolved[column.name]
            }
            guard let cell else { continue }
            var converted = try convert(cell, column: column)
            // A key-only old tuple (REPLICA IDENTITY DEFAULT/INDEX) has no values for the other columns;
            // required ones get Debezium's fallback values so the event still fits its schema.
            if converted.isNull && !column.schema.isOptional { converted = Self.fallback(for: column.schema) }
            value[fields[index]] = converted
        }
        return .struct(value)
    }

    /// Debezium's fallback value for a required column whose value the server did not send.
    static func fallback(for schema: Schema) -> ConnectValue {
        switch (schema.type, schema.name) {
        case (.int32, LogicalType.dateName): .date(0)
        case (.int32, LogicalType.timeName): .time(0)
        case (.int64, LogicalType.timestampName): .timestamp(0)
        case (.bytes, LogicalType.decimalName):
            .decimal(ConnectDecimal(unscaled: [0], scale: Int32(schema.parameters["scale"] ?? "0") ?? 0))
        case (.int8, _): .int8(0)
        case (.int16, _): .int16(0)
        case (.int32, _): .int32(0)
        case (.int64, _): .int64(0)
        case (.float32, _): .float32(0)
        case (.float64, _): .float64(0)
        case (.boolean, _): .boolean(false)
        case (.string, _): .string("")
        case (.bytes, _): .bytes([])
        case (.array, _): .array([])
        case (.map, _): .map([])
        case (.struct, _): .struct(ConnectStruct(schema: schema))
        }
    }

    private func key(of tuple: PgTuple, relationId: UInt32, model: TableModel) throws -> ConnectValue {
        guard let keySchema = model.keySchema else { return .null }
        let resolved = try relations.resolve(tuple, relationId: relationId)
        var key = ConnectStruct(schema: keySchema)
        for name in model.keyColumns {
            guard let column = model.columns.first(where: { $0.name == name }), let cell = resolved[name] else { continue }
            key[name] = try convert(cell, column: column)
        }
        return key.values.allSatisfy(\.isNull) ? .null : .struct(key)
    }

    private func convert(_ cell: PgTupleValue, column: TableModel.Column) throws -> ConnectValue {
        switch cell {
        case .null: return .null
        case .unchangedToast:
            switch column.schema.type {
            case .string: return .string(config.unavailableValuePlaceholder)
            case .bytes: return .bytes(Array(config.unavailableValuePlaceholder.utf8))
            default: return .null
            }
        case .binary(let bytes): return .bytes(bytes)
        case .text(let text):
            do {
                return try column.value(text, mapper: config.mapper)
            } catch {
                throw DataException("column \(column.name): \(error)")
            }
        }
    }

    private func sourceBlock(schema: String, table: String, snapshot: String, commitMicros: Int64, txId: Int64?, lsn: UInt64?)
        -> ConnectStruct
    {
        DebeziumSource.block(
            name: config.topicPrefix, tsMillis: commitMicros / 1000, tsMicros: commitMicros, snapshot: snapshot,
            database: database, schema: schema, table: table, txId: txId, lsn: lsn)
    }

    // MARK: Heartbeats

    /// Debezium-style heartbeat: a record on `__debezium-heartbeat.<prefix>` whose offset is the
    /// server's WAL end, so the slot advances when captured tables are idle but the database is
    /// busy. Only between transactions, so no half-emitted transaction is skipped.
    private func heartbeatIfDue() async throws -> SourceRecord? {
        guard let interval = config.heartbeatInterval, ContinuousClock.now - lastHeartbeat >= interval, transaction == nil,
            let replication
        else { return nil }
        lastHeartbeat = ContinuousClock.now
        if let action = config.heartbeatActionQuery { try await query.execute(action) }
        // Ask the server where its WAL sender is (it answers with a keepalive at once); the answer is
        // used by the next heartbeat. The position is what the server has decoded and sent, so no
        // captured change before it can still be on its way.
        try await replication.sendStatus(replyRequested: true)
        let walEnd = replication.serverWALEnd
        guard walEnd.value > (confirmable ?? 0) else { return nil }
        confirmable = walEnd.value
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let keySchema = Schema.struct(name: "io.debezium.connector.common.ServerNameKey", [("serverName", .string)])
        let valueSchema = Schema.struct(name: "io.debezium.connector.common.Heartbeat", [("ts_ms", .int64)])
        return SourceRecord(
            sourcePartition: partition, sourceOffset: ["lsn": .int(Int64(bitPattern: walEnd.value)), "heartbeat": .bool(true)],
            topic: "__debezium-heartbeat.\(config.topicPrefix)", keySchema: keySchema,
            key: .struct(ConnectStruct(schema: keySchema, ["serverName": .string(config.topicPrefix)])), valueSchema: valueSchema,
            value: .struct(ConnectStruct(schema: valueSchema, ["ts_ms": .int64(now)])), timestamp: now)
    }

    static func lsn(_ value: JSONValue) -> LSN? {
        if let number = value.intValue { return LSN(UInt64(bitPattern: number)) }
        return value.stringValue.flatMap(LSN.init)
    }
}

/// A position in the change stream: a transaction's commit LSN and a record's index in it, with
/// the transaction metadata context at that record.
struct StreamPosition: Sendable {
    var commit: UInt64
    var index: Int64
    var context: TransactionContext?
}

/// The transaction being decoded: xid, commit LSN, commit time (µs), records so far, and its
/// metadata context once its BEGIN has been emitted (or restored after a restart).
struct OpenTransaction: Sendable {
    let xid: UInt32
    let finalLSN: UInt64
    let micros: Int64
    var index: Int64 = 0
    var context: TransactionContext?
}
