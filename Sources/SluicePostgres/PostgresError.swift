/// A Postgres failure with its SQLSTATE (when the server sent one) and a readable message.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Could not reach the server, or the connection broke.
        case connection
        /// Wrong user or password, or pg_hba refused the client.
        case authentication
        /// A statement failed (see `sqlState`).
        case query
        /// The replication slot is held by another process (SQLSTATE 55006).
        case slotInUse
        /// The replication slot does not exist (SQLSTATE 42704 on a slot command).
        case slotMissing
        /// The server sent something the replication decoder could not read.
        case protocolViolation
        /// The connection was closed by Sluice.
        case closed
    }

    public var code: Code
    /// The five-character SQLSTATE, e.g. `28P01`.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?

    public init(code: Code, sqlState: String? = nil, message: String, detail: String? = nil, hint: String? = nil) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    /// Connection and replication-stream breaks are worth a reconnect; the rest are not.
    public var isTransient: Bool { code == .connection }

    public var description: String {
        var text = "Postgres \(code.rawValue) error"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let detail { text += " — \(detail)" }
        if let hint { text += " (hint: \(hint))" }
        return text
    }
}
