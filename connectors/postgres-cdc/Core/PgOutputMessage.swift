/// One decoded pgoutput logical replication message (protocol version 1), as described in the
/// PostgreSQL docs, "Logical Replication Message Formats".
///
/// LSNs are `UInt64` (the protocol's Int64 read as the unsigned WAL position), OIDs and
/// transaction ids are `UInt32`, and timestamps are microseconds since 2000-01-01 00:00 UTC (see
/// `PgOutputMessage.unixMicros(fromPostgresMicros:)`).
public enum PgOutputMessage: Sendable, Equatable {
    /// `B`: a transaction starts.
    case begin(Begin)
    /// `C`: a transaction commits.
    case commit(Commit)
    /// `O`: the transaction came from another replication origin.
    case origin(Origin)
    /// `R`: a table's column layout; always sent before the first change that uses it.
    case relation(Relation)
    /// `Y`: a (non-built-in) data type used by a following Relation.
    case type(TypeInfo)
    /// `I`: a row was inserted.
    case insert(Insert)
    /// `U`: a row was updated.
    case update(Update)
    /// `D`: a row was deleted.
    case delete(Delete)
    /// `T`: one or more tables were truncated.
    case truncate(Truncate)
    /// `M`: a logical decoding message (`pg_logical_emit_message`).
    case message(LogicalMessage)

    /// Microseconds between the Unix epoch and the PostgreSQL epoch (2000-01-01 00:00 UTC).
    public static let postgresEpochOffsetMicros: Int64 = 946_684_800_000_000

    /// Converts a pgoutput timestamp (µs since 2000-01-01) to µs since 1970-01-01.
    public static func unixMicros(fromPostgresMicros micros: Int64) -> Int64 { micros + postgresEpochOffsetMicros }

    /// The relation (table) OID a Relation, Insert, Update or Delete message is about; `nil` for
    /// other messages (a Truncate can name several, see `Truncate.relationIds`).
    public var relationId: UInt32? {
        switch self {
        case .insert(let insert): insert.relationId
        case .update(let update): update.relationId
        case .delete(let delete): delete.relationId
        case .relation(let relation): relation.id
        default: nil
        }
    }
}

extension PgOutputMessage {
    /// `B` — Begin: final LSN of the transaction, commit timestamp, xid.
    public struct Begin: Sendable, Equatable {
        public var finalLSN: UInt64
        /// Commit time, µs since 2000-01-01 UTC.
        public var commitTimestamp: Int64
        public var xid: UInt32

        public init(finalLSN: UInt64, commitTimestamp: Int64, xid: UInt32) {
            self.finalLSN = finalLSN
            self.commitTimestamp = commitTimestamp
            self.xid = xid
        }
    }

    /// `C` — Commit: flags (currently unused, 0), commit LSN, end LSN, commit timestamp.
    public struct Commit: Sendable, Equatable {
        public var flags: UInt8
        public var commitLSN: UInt64
        public var endLSN: UInt64
        /// Commit time, µs since 2000-01-01 UTC.
        public var commitTimestamp: Int64

        public init(flags: UInt8, commitLSN: UInt64, endLSN: UInt64, commitTimestamp: Int64) {
            self.flags = flags
            self.commitLSN = commitLSN
            self.endLSN = endLSN
            self.commitTimestamp = commitTimestamp
        }
    }

    /// `O` — Origin: the commit LSN on the origin server and the origin's name.
    public struct Origin: Sendable, Equatable {
        public var commitLSN: UInt64
        public var name: String

        public init(commitLSN: UInt64, name: String) {
            self.commitLSN = commitLSN
            self.name = name
        }
    }

    /// `Y` — Type: a data type's OID, namespace and name.
    public struct TypeInfo: Sendable, Equatable {
        public var id: UInt32
        /// The schema; empty means `pg_catalog`.
        public var namespace: String
        public var name: String

        public init(id: UInt32, namespace: String, name: String) {
            self.id = id
            self.namespace = namespace
            self.name = name
        }
    }

    /// `M` — Message: emitted by `pg_logical_emit_message(transactional, prefix, content)`.
    public struct LogicalMessage: Sendable, Equatable {
        /// Raw flags; bit 0 set means transactional.
        public var flags: UInt8
        public var lsn: UInt64
        public var prefix: String
        public var content: [UInt8]

        public var isTransactional: Bool { flags & 1 != 0 }

        public init(flags: UInt8, lsn: UInt64, prefix: String, content: [UInt8]) {
            self.flags = flags
            self.lsn = lsn
            self.prefix = prefix
            self.content = content
        }
    }
}
