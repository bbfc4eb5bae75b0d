import CLibPQ
import Foundation
import Logging
import SluiceSupport

/// Rows returned by a query, in text format.
public struct PostgresRows: Sendable {
    public var columns: [String]
    /// Each column's type OID and type modifier (`PQftype` / `PQfmod`).
    public var columnTypes: [(oid: UInt32, modifier: Int32)] = []
    public var rows: [[String?]]
    /// Rows affected by INSERT/UPDATE/DELETE (0 otherwise).
    public var affected: Int

    /// The value in `row` of column `name` (`nil` for NULL, a missing row or a missing column).
    public func value(_ row: Int, _ name: String) -> String? {
        guard rows.indices.contains(row), let column = columns.firstIndex(of: name) else { return nil }
        return rows[row][column]
    }
}

/// One libpq connection, owned by this object and closed in `deinit`. Every call runs on the
/// connection's own blocking executor (libpq connections are single-threaded).
public final class PostgresConnection: @unchecked Sendable {
    let connection: OpaquePointer
    let executor: BlockingExecutor
    let logger: Logger
    public let configuration: PostgresConfiguration
    private let noticeBox: Unmanaged<NoticeSink>

    /// Connects (blocking work runs on a dedicated queue). `replication` opens a logical
    /// replication connection (`replication=database`) that accepts walsender commands.
    public static func connect(
        _ configuration: PostgresConfiguration, replication: Bool = false, logger: Logger
    ) async throws(PostgresError) -> PostgresConnection {
        let executor = BlockingExecutor(label: replication ? "sluice.pg.replication" : "sluice.pg")
        let parameters = configuration.parameters(replication: replication)
        let raw = try await executor.run { () throws(PostgresError) -> UncheckedPointer in
            let keywords = parameters.map { strdup($0.0) }
            let values = parameters.map { strdup($0.1) }
            defer { for pointer in keywords + values { free(pointer) } }
            let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
            let valuePointers = values.map { UnsafePointer($0) } + [nil]
            guard let connection = PQconnectdbParams(keywordPointers, valuePointers, 1) else {
                throw PostgresError(code: .connection, message: "libpq could not allocate a connection")
            }
            guard PQstatus(connection) == CONNECTION_OK else {
                let message = Self.trimmed(PQerrorMessage(connection))
                PQfinish(connection)
                throw Self.connectError(message, configuration: configuration)
            }
            return UncheckedPointer(connection)
        }
        return PostgresConnection(raw.value, executor: executor, configuration: configuration, logger: logger)
    }

    private init(_ connection: OpaquePointer, executor: BlockingExecutor, configuration: PostgresConfiguration, logger: Logger) {
        self.connection = connection
        self.executor = executor
        self.configuration = configuration
        self.logger = logger
        self.noticeBox = Unmanaged.passRetained(NoticeSink(logger: logger))
        PQsetNoticeProcessor(connection, postgresNoticeProcessor, noticeBox.toOpaque())
    }

    deinit {
        PQfinish(connection)
        noticeBox.release()
    }

    /// The server's version number (e.g. 150018).
    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// Runs one statement with `$1…$n` text parameters (never spliced into the SQL).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) async throws(PostgresError) -> PostgresRows {
        let connection = UncheckedPointer(self.connection)
        return try await executor.run { () throws(PostgresError) -> PostgresRows in
            let copies: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
            defer { for copy in copies { free(copy) } }
            let pointers: [UnsafePointer<CChar>?] = copies.map { copy in copy.flatMap { UnsafePointer($0) } }
            let result = PQexecParams(connection.value, sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
            return try Self.rows(from: result, connection: connection.value)
        }
    }

    /// Runs SQL text as-is (several statements, or a walsender command) and returns the last
    /// result's rows.
    @discardableResult
    public func execute(_ sql: String) async throws(PostgresError) -> PostgresRows {
        let connection = UncheckedPointer(self.connection)
        return try await executor.run { () throws(PostgresError) -> PostgresRows in
            try Self.rows(from: PQexec(connection.value, sql), connection: connection.value)
        }
    }

    /// Quotes an identifier for SQL (`PQescapeIdentifier`): a hostile name stays one identifier.
    public func quoteIdentifier(_ name: String) -> String { Self.quoteIdentifier(name) }

    /// Quotes an identifier the way `PQescapeIdentifier` does, without needing a connection.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Quotes a string literal (standard_conforming_strings on): `'` doubled, wrapped in `'…'`.
    public static func quoteLiteral(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "''") + "'" }

    // MARK: Result handling (on the executor)

    static func rows(from result: OpaquePointer?, connection: OpaquePointer) throws(PostgresError) -> PostgresRows {
        guard let result else { throw PostgresError(code: .connection, message: trimmed(PQerrorMessage(connection))) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_SINGLE_TUPLE:
            let columnCount = Int(PQnfields(result))
            let columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
            let rows: [[String?]] = (0..<Int(PQntuples(result))).map { row in
                (0..<columnCount).map { column in
                    PQgetisnull(result, Int32(row), Int32(column)) == 1
                        ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
                }
            }
            var parsed = PostgresRows(columns: columns, rows: rows, affected: Int(String(cString: PQcmdTuples(result))) ?? 0)
            parsed.columnTypes = (0..<columnCount).map { (UInt32(PQftype(result, Int32($0))), PQfmod(result, Int32($0))) }
            return parsed
        default:
            throw error(from: result, connection: connection)
        }
    }

    static func error(from result: OpaquePointer, connection: OpaquePointer) -> PostgresError {
        func field(_ code: Int32) -> String? { PQresultErrorField(result, code).map { String(cString: $0) } }
        let sqlState = field(Int32(UInt8(ascii: "C")))
        let message = field(Int32(UInt8(ascii: "M"))) ?? trimmed(PQresultErrorMessage(result))
        let code: PostgresError.Code =
            switch sqlState {
            case "55006": .slotInUse
            case "42704" where message.contains("replication slot"): .slotMissing
            case "28P01", "28000": .authentication
            case let state? where state.hasPrefix("08") || state == "57P01": .connection
            case nil where PQstatus(connection) != CONNECTION_OK: .connection
            default: .query
            }
        return PostgresError(
            code: code, sqlState: sqlState, message: message, detail: field(Int32(UInt8(ascii: "D"))),
            hint: field(Int32(UInt8(ascii: "H"))))
    }

    static func connectError(_ message: String, configuration: PostgresConfiguration) -> PostgresError {
        let lowered = message.lowercased()
        if lowered.contains("password authentication failed") || lowered.contains("no password supplied")
            || lowered.contains("pg_hba.conf")
        {
            return PostgresError(
                code: .authentication, sqlState: "28P01", message: message,
                hint:
                    "check database.user / database.password for \(configuration.user)@\(configuration.host):\(configuration.port)"
            )
        }
        return PostgresError(
            code: .connection, message: message, hint: "check that Postgres runs at \(configuration.host):\(configuration.port)")
    }

    static func trimmed(_ text: UnsafePointer<CChar>?) -> String {
        (text.map { String(cString: $0) } ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Wraps a C pointer so it can cross into the executor's closure; only that executor touches it.
struct UncheckedPointer: @unchecked Sendable {
    let value: OpaquePointer
    init(_ value: OpaquePointer) { self.value = value }
}

private final class NoticeSink {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

private let postgresNoticeProcessor: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Void = { context, text in
    guard let context, let text else { return }
    let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
    sink.logger.info("postgres notice: \(PostgresConnection.trimmed(text))")
}
