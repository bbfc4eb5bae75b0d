import CLibPQ
import Foundation
import Glibc
import Logging
import SluiceSupport
import Synchronization

/// What `IDENTIFY_SYSTEM` reports.
public struct SystemIdentity: Sendable, Equatable {
    public var systemID: String
    public var timeline: Int
    /// The server's current WAL flush position.
    public var xLogPosition: LSN
    public var database: String?
}

/// A logical replication slot as `CREATE_REPLICATION_SLOT` created it.
public struct CreatedSlot: Sendable, Equatable {
    public var name: String
    /// Changes committed after this point stream from the slot; everything before it is in the
    /// exported snapshot.
    public var consistentPoint: LSN
    /// The exported snapshot (valid until this connection runs its next command).
    public var snapshotName: String?
    public var outputPlugin: String
}

/// A logical replication connection (`replication=database`): walsender commands and the
/// CopyBoth stream of `START_REPLICATION`.
///
/// Positions: the owner reports how far it has durably processed with `confirm(flush:)`; the
/// stream sends that in every standby status update — when the server asks (keepalive with
/// reply requested), every `statusInterval`, and on `sendStatus()`. The server's
/// `confirmed_flush_lsn` never moves past what was confirmed here.
public final class ReplicationConnection: Sendable {
    private struct Positions {
        var write = LSN.zero
        var flush = LSN.zero
        var lastStatus = ContinuousClock.now
        var streaming = false
        var serverWALEnd = LSN.zero
    }

    private let connection: PostgresConnection
    private let positions = Mutex(Positions())
    /// How often a status update goes out even if nothing changed (keep under wal_sender_timeout).
    public let statusInterval: Duration
    /// A batch `read` returns once no message arrived for this long…
    static let batchGap: Duration = .milliseconds(5)
    /// …or once its first message is this old (or `maxMessages` are in).
    static let batchAge: Duration = .milliseconds(200)

    private init(connection: PostgresConnection, statusInterval: Duration) {
        self.connection = connection
        self.statusInterval = statusInterval
    }

    /// Opens a replication connection.
    public static func connect(
        _ configuration: PostgresConfiguration, statusInterval: Duration = .seconds(10), logger: Logger
    ) async throws(PostgresError) -> ReplicationConnection {
        let connection = try await PostgresConnection.connect(configuration, replication: true, logger: logger)
        return ReplicationConnection(connection: connection, statusInterval: statusInterval)
    }

    /// `IDENTIFY_SYSTEM`.
    public func identifySystem() async throws(PostgresError) -> SystemIdentity {
        let rows = try await connection.execute("IDENTIFY_SYSTEM")
        guard rows.rows.count == 1, let system = rows.value(0, "systemid"),
            let position = rows.value(0, "xlogpos").flatMap(LSN.init)
        else { throw PostgresError(code: .protocolViolation, message: "unexpected IDENTIFY_SYSTEM answer: \(rows.rows)") }
        return SystemIdentity(
            systemID: system, timeline: Int(rows.value(0, "timeline") ?? "") ?? 0, xLogPosition: position,
            database: rows.value(0, "dbname"))
    }

    /// `CREATE_REPLICATION_SLOT name [TEMPORARY] LOGICAL plugin (SNAPSHOT 'export'|'nothing')`.
    /// With `exportSnapshot`, another connection can `SET TRANSACTION SNAPSHOT` to read exactly
    /// the data before `consistentPoint` — until this connection runs its next command.
    public func createSlot(
        _ name: String, plugin: String = "pgoutput", temporary: Bool = false, exportSnapshot: Bool = true
    ) async throws(PostgresError) -> CreatedSlot {
        let sql =
            "CREATE_REPLICATION_SLOT \(PostgresConnection.quoteIdentifier(name))\(temporary ? " TEMPORARY" : "") LOGICAL "
            + "\(PostgresConnection.quoteIdentifier(plugin)) (SNAPSHOT '\(exportSnapshot ? "export" : "nothing")')"
        let rows = try await connection.execute(sql)
        guard rows.rows.count == 1, let point = rows.value(0, "consistent_point").flatMap(LSN.init) else {
            throw PostgresError(code: .protocolViolation, message: "unexpected CREATE_REPLICATION_SLOT answer: \(rows.rows)")
        }
        return CreatedSlot(
            name: rows.value(0, "slot_name") ?? name, consistentPoint: point, snapshotName: rows.value(0, "snapshot_name"),
            outputPlugin: rows.value(0, "output_plugin") ?? plugin)
    }

    /// `DROP_REPLICATION_SLOT name [WAIT]`.
    public func dropSlot(_ name: String, wait: Bool = false) async throws(PostgresError) {
        try await connection.execute("DROP_REPLICATION_SLOT \(PostgresConnection.quoteIdentifier(name))\(wait ? " WAIT" : "")")
    }

    /// `START_REPLICATION SLOT name LOGICAL lsn (options)` — enters streaming mode. For pgoutput
    /// pass `proto_version` and `publication_names`. Positions start at `lsn` (already durable).
    public func startReplication(slot: String, from lsn: LSN, options: [(String, String)]) async throws(PostgresError) {
        let renderedOptions =
            options.isEmpty
            ? ""
            : " ("
                + options.map { "\(PostgresConnection.quoteIdentifier($0.0)) \(PostgresConnection.quoteLiteral($0.1))" }.joined(
                    separator: ", ") + ")"
        let sql = "START_REPLICATION SLOT \(PostgresConnection.quoteIdentifier(slot)) LOGICAL \(lsn)\(renderedOptions)"
        let connection = UncheckedPointer(self.connection.connection)
        try await self.connection.executor.run { () throws(PostgresError) in
            guard let result = PQexec(connection.value, sql) else {
                throw PostgresError(code: .connection, message: PostgresConnection.trimmed(PQerrorMessage(connection.value)))
            }
            defer { PQclear(result) }
            guard PQresultStatus(result) == PGRES_COPY_BOTH else {
                throw PostgresConnection.error(from: result, connection: connection.value)
            }
        }
        positions.withLock {
            $0.write = max($0.write, lsn)
            $0.flush = max($0.flush, lsn)
            $0.streaming = true
        }
    }

    /// Records that everything up to `flush` is durable downstream; sent with the next status
    /// update. Never moves backwards.
    public func confirm(flush: LSN) {
        positions.withLock {
            $0.flush = max($0.flush, flush)
            $0.write = max($0.write, $0.flush)
        }
    }

    /// The server's end of WAL as last reported by a keepalive (where the slot could advance to
    /// when nothing captured is pending).
    public var serverWALEnd: LSN { positions.withLock { $0.serverWALEnd } }

    /// The positions this connection reports to the server.
    public var reportedPositions: (write: LSN, flush: LSN) { positions.withLock { ($0.write, $0.flush) } }

    /// Sends a standby status update now (write, flush and apply = the confirmed positions).
    public func sendStatus(replyRequested: Bool = false) async throws(PostgresError) {
        let connection = UncheckedPointer(self.connection.connection)
        try await self.connection.executor.run { () throws(PostgresError) in
            try self.sendStatusOnExecutor(connection.value, replyRequested: replyRequested)
        }
    }

    /// Reads up to `maxMessages` messages: waits up to `timeout` for the first, then returns what
    /// is already buffered. Keepalives are answered here; only XLogData is returned. An empty
    /// array means the timeout passed. Throws `.connection` when the stream breaks.
    public func read(maxMessages: Int = 1000, timeout: Duration = .seconds(1)) async throws(PostgresError)
        -> [ReplicationMessage.XLogData]
    {
        let connection = UncheckedPointer(self.connection.connection)
        return try await self.connection.executor.run { () throws(PostgresError) -> [ReplicationMessage.XLogData] in
            try self.readOnExecutor(connection.value, maxMessages: maxMessages, timeout: timeout)
        }
    }

    /// Closes the connection (the server ends the walsender and frees the slot).
    public func close() async {
        let connection = UncheckedPointer(self.connection.connection)
        await self.connection.executor.run {
            if PQstatus(connection.value) == CONNECTION_OK, self.positions.withLock({ $0.streaming }) {
                _ = PQputCopyEnd(connection.value, nil)
                _ = PQflush(connection.value)
            }
        }
    }

    // MARK: On the executor

    private func readOnExecutor(_ connection: OpaquePointer, maxMessages: Int, timeout: Duration) throws(PostgresError)
        -> [ReplicationMessage.XLogData]
    {
        var messages: [ReplicationMessage.XLogData] = []
        var deadline = ContinuousClock.now + timeout
        while messages.count < maxMessages {
            var buffer: UnsafeMutablePointer<CChar>? = nil
            let length = PQgetCopyData(connection, &buffer, 1)
            if length > 0, let buffer {
                defer { PQfreemem(buffer) }
                let message = try ReplicationMessage.parse(UnsafeRawBufferPointer(start: buffer, count: Int(length)))
                switch message {
                case .xLogData(let data):
                    positions.withLock { $0.write = max($0.write, $0.flush) }
                    if messages.isEmpty { deadline = min(deadline, ContinuousClock.now + Self.batchAge) }
                    messages.append(data)
                case .keepalive(let walEnd, _, let replyRequested):
                    positions.withLock { $0.serverWALEnd = max($0.serverWALEnd, walEnd) }
                    if replyRequested { try sendStatusOnExecutor(connection, replyRequested: false) }
                }
                continue
            }
            if length == 0 {
                try sendStatusIfDue(connection)
                let now = ContinuousClock.now
                if now >= deadline { break }
                // Once a batch has begun, it is topped up with whatever arrives without a pause longer
                // than `batchGap` (within `batchAge`), instead of returning one socket read's worth —
                // a few dozen messages — per call while the server is streaming.
                let wait = messages.isEmpty ? min(deadline - now, statusInterval) : min(deadline - now, Self.batchGap)
                let readable = try waitReadable(connection, timeout: wait)
                guard PQconsumeInput(connection) == 1 else {
                    throw PostgresError(code: .connection, message: PostgresConnection.trimmed(PQerrorMessage(connection)))
                }
                if !readable && !messages.isEmpty { break }
                continue
            }
            // -1: the server ended the copy; -2: error.
            if length == -1, let result = PQgetResult(connection) {
                defer { PQclear(result) }
                if PQresultStatus(result) != PGRES_COMMAND_OK {
                    throw PostgresConnection.error(from: result, connection: connection)
                }
            }
            positions.withLock { $0.streaming = false }
            throw PostgresError(
                code: .connection,
                message:
                    "replication stream ended: \(PostgresConnection.trimmed(PQerrorMessage(connection)).ifEmpty("server closed the stream"))"
            )
        }
        return messages
    }

    private func sendStatusIfDue(_ connection: OpaquePointer) throws(PostgresError) {
        let due = positions.withLock { ContinuousClock.now - $0.lastStatus >= statusInterval }
        if due { try sendStatusOnExecutor(connection, replyRequested: false) }
    }

    private func sendStatusOnExecutor(_ connection: OpaquePointer, replyRequested: Bool) throws(PostgresError) {
        let (write, flush) = positions.withLock { state in
            state.lastStatus = ContinuousClock.now
            return (state.write, state.flush)
        }
        let message = ReplicationMessage.statusUpdate(
            write: write, flush: flush, apply: flush,
            clock: ReplicationMessage.postgresClock(unixSeconds: Date().timeIntervalSince1970),
            replyRequested: replyRequested)
        let sent = message.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQputCopyData(connection, $0.baseAddress, Int32($0.count)) }
        }
        guard sent == 1, PQflush(connection) == 0 else {
            throw PostgresError(
                code: .connection,
                message: "could not send status update: \(PostgresConnection.trimmed(PQerrorMessage(connection)))")
        }
    }

    /// Waits until the socket is readable or `timeout` passes; whether it became readable.
    @discardableResult
    private func waitReadable(_ connection: OpaquePointer, timeout: Duration) throws(PostgresError) -> Bool {
        var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        guard descriptor.fd >= 0 else { throw PostgresError(code: .connection, message: "replication connection has no socket") }
        let result = poll(&descriptor, 1, Int32(clamping: max(1, timeout.milliseconds)))
        if result < 0 && errno != EINTR {
            throw PostgresError(code: .connection, message: "poll on replication socket failed: errno \(errno)")
        }
        return result > 0
    }
}

extension String {
    func ifEmpty(_ fallback: String) -> String { isEmpty ? fallback : self }
}
