extension PgOutputMessage {
    /// `R` — Relation: a table's identity and column layout. Tuples of later change messages
    /// list their values in this column order.
    public struct Relation: Sendable, Equatable {
        /// The table's OID.
        public var id: UInt32
        /// The schema; empty means `pg_catalog`.
        public var namespace: String
        public var name: String
        public var replicaIdentity: ReplicaIdentity
        public var columns: [Column]

        public init(id: UInt32, namespace: String, name: String, replicaIdentity: ReplicaIdentity, columns: [Column]) {
            self.id = id
            self.namespace = namespace
            self.name = name
            self.replicaIdentity = replicaIdentity
            self.columns = columns
        }

        /// The columns that are part of the replica identity key.
        public var keyColumns: [Column] { columns.filter(\.isKey) }
    }

    /// A table's `REPLICA IDENTITY` setting (`relreplident`).
    public enum ReplicaIdentity: Sendable, Equatable {
        /// `d`: the primary key.
        case `default`
        /// `n`: nothing.
        case nothing
        /// `f`: all columns.
        case full
        /// `i`: a chosen unique index.
        case index
        /// Any other byte a future server might send.
        case other(UInt8)

        public init(byte: UInt8) {
            switch byte {
            case UInt8(ascii: "d"): self = .default
            case UInt8(ascii: "n"): self = .nothing
            case UInt8(ascii: "f"): self = .full
            case UInt8(ascii: "i"): self = .index
            default: self = .other(byte)
            }
        }

        /// The byte as sent on the wire.
        public var byte: UInt8 {
            switch self {
            case .default: UInt8(ascii: "d")
            case .nothing: UInt8(ascii: "n")
            case .full: UInt8(ascii: "f")
            case .index: UInt8(ascii: "i")
            case .other(let byte): byte
            }
        }
    }

    /// One column of a Relation message.
    public struct Column: Sendable, Equatable {
        /// Raw flags; bit 0 (value 1) marks the column as part of the key.
        public var flags: UInt8
        public var name: String
        /// The column type's OID (`pg_type.oid`).
        public var typeOid: UInt32
        /// `atttypmod`: type-specific data such as varchar length or numeric precision/scale; -1 if none.
        public var typeModifier: Int32

        public var isKey: Bool { flags & 1 != 0 }

        public init(flags: UInt8, name: String, typeOid: UInt32, typeModifier: Int32) {
            self.flags = flags
            self.name = name
            self.typeOid = typeOid
            self.typeModifier = typeModifier
        }
    }
}
