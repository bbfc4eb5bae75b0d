extension PgOutputMessage {
    /// `I` — Insert: the new row.
    public struct Insert: Sendable, Equatable {
        public var relationId: UInt32
        public var newTuple: PgTuple

        public init(relationId: UInt32, newTuple: PgTuple) {
            self.relationId = relationId
            self.newTuple = newTuple
        }
    }

    /// `U` — Update: the new row, and the old key (`K`) or old row (`O`) when the server sends one
    /// (only if the key changed, or with `REPLICA IDENTITY FULL`).
    public struct Update: Sendable, Equatable {
        public var relationId: UInt32
        public var oldTuple: PgOldTuple?
        public var newTuple: PgTuple

        public init(relationId: UInt32, oldTuple: PgOldTuple?, newTuple: PgTuple) {
            self.relationId = relationId
            self.oldTuple = oldTuple
            self.newTuple = newTuple
        }
    }

    /// `D` — Delete: the old key (`K`) or, with `REPLICA IDENTITY FULL`, the old row (`O`).
    public struct Delete: Sendable, Equatable {
        public var relationId: UInt32
        public var oldTuple: PgOldTuple

        public init(relationId: UInt32, oldTuple: PgOldTuple) {
            self.relationId = relationId
            self.oldTuple = oldTuple
        }
    }

    /// `T` — Truncate: the truncated tables and the TRUNCATE options.
    public struct Truncate: Sendable, Equatable {
        /// Raw option bits: 1 = CASCADE, 2 = RESTART IDENTITY.
        public var options: UInt8
        public var relationIds: [UInt32]

        public var cascade: Bool { options & 1 != 0 }
        public var restartIdentity: Bool { options & 2 != 0 }

        public init(options: UInt8, relationIds: [UInt32]) {
            self.options = options
            self.relationIds = relationIds
        }
    }
}

/// The old row of an Update or Delete: either only the replica identity key columns (`K`, the
/// other columns are null) or the whole row (`O`, `REPLICA IDENTITY FULL`).
public struct PgOldTuple: Sendable, Equatable {
    /// Which kind of old tuple the server sent.
    public enum Kind: Sendable, Equatable {
        /// `K`: key columns only.
        case key
        /// `O`: the full old row.
        case full
    }

    public var kind: Kind
    public var tuple: PgTuple

    public init(kind: Kind, tuple: PgTuple) {
        self.kind = kind
        self.tuple = tuple
    }
}

/// A pgoutput TupleData: one value per column of the relation, in the Relation's column order.
public struct PgTuple: Sendable, Equatable {
    public var values: [PgTupleValue]

    public init(_ values: [PgTupleValue]) { self.values = values }
}

/// One column value in a TupleData.
public enum PgTupleValue: Sendable, Equatable {
    /// `n`: SQL NULL.
    case null
    /// `u`: an unchanged TOASTed value; the server did not send it.
    case unchangedToast
    /// `t`: the value's text form (the type's output function), decoded as UTF-8.
    case text(String)
    /// `b`: the value's binary form (only with the `binary` publication option).
    case binary([UInt8])

    /// The text form, if this is a `t` value.
    public var text: String? { if case .text(let text) = self { text } else { nil } }
}
