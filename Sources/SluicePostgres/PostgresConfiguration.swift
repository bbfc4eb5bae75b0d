/// How to reach a Postgres server. `description` never shows the password.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    public var connectTimeout: Duration
    public var applicationName: String
    /// A libpq connection string or URI; when set, its settings are the base and the fields
    /// above that were given explicitly override it.
    public var dsn: String?

    public init(
        host: String = "127.0.0.1", port: Int = 5432, user: String, password: String? = nil, database: String,
        sslMode: SSLMode = .prefer, connectTimeout: Duration = .seconds(10), applicationName: String = "sluice",
        dsn: String? = nil
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.sslMode = sslMode
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
        self.dsn = dsn
    }

    /// libpq keyword/value pairs (passed as arrays: nothing is spliced into a string, so no
    /// quoting mistakes and no password in a connection string).
    func parameters(replication: Bool) -> [(String, String)] {
        var pairs: [(String, String)]
        if let dsn {
            // expand_dbname: the DSN's own settings apply; the password (if any) and replication mode are added.
            pairs = [("dbname", dsn), ("application_name", applicationName)]
        } else {
            pairs = [
                ("host", host), ("port", String(port)), ("user", user), ("dbname", database), ("sslmode", sslMode.rawValue),
                ("connect_timeout", String(max(1, connectTimeout.components.seconds))),
                ("application_name", applicationName), ("keepalives", "1"), ("keepalives_idle", "30"),
            ]
        }
        if let password { pairs.append(("password", password)) }
        if replication { pairs.append(("replication", "database")) }
        return pairs
    }

    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(sslMode.rawValue)\(password == nil ? "" : " (password: [hidden])")"
    }
}
