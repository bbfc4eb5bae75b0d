/// Remembers the latest Relation message per table OID and resolves change-message tuples into
/// named, typed column values. A value type: copy it freely; `observe` the decoded stream to keep
/// it current (the server re-sends a Relation whenever a table's layout changes).
public struct RelationCache: Sendable, Equatable {
    private var relations: [UInt32: PgOutputMessage.Relation] = [:]

    public init() {}

    /// Number of relations known.
    public var count: Int { relations.count }

    /// Stores (or replaces) a relation.
    public mutating func store(_ relation: PgOutputMessage.Relation) { relations[relation.id] = relation }

    /// Stores `message` if it is a Relation; ignores everything else.
    public mutating func observe(_ message: PgOutputMessage) {
        if case .relation(let relation) = message { store(relation) }
    }

    /// Forgets a relation.
    public mutating func remove(_ relationId: UInt32) { relations[relationId] = nil }

    /// The relation with `relationId`, or `nil`.
    public subscript(relationId: UInt32) -> PgOutputMessage.Relation? { relations[relationId] }

    /// The relation with `relationId`; an unknown OID is an error (a Relation message was missed).
    public func relation(_ relationId: UInt32) throws(RelationCacheError) -> PgOutputMessage.Relation {
        guard let relation = relations[relationId] else { throw .unknownRelation(relationId) }
        return relation
    }

    /// Pairs each tuple value with its column. The tuple must have exactly one value per column.
    public func resolve(_ tuple: PgTuple, relationId: UInt32) throws(RelationCacheError) -> ResolvedTuple {
        let relation = try relation(relationId)
        guard tuple.values.count == relation.columns.count else {
            throw .columnCountMismatch(
                relationId: relationId, table: relation.qualifiedName, expected: relation.columns.count,
                actual: tuple.values.count)
        }
        let columns = zip(relation.columns, tuple.values).map { ResolvedColumn(column: $0, value: $1) }
        return ResolvedTuple(relation: relation, columns: columns)
    }
}

/// A tuple's values paired with their Relation columns, in column order.
public struct ResolvedTuple: Sendable, Equatable {
    public var relation: PgOutputMessage.Relation
    public var columns: [ResolvedColumn]

    public init(relation: PgOutputMessage.Relation, columns: [ResolvedColumn]) {
        self.relation = relation
        self.columns = columns
    }

    /// The value of the column named `name`, or `nil` if there is no such column.
    public subscript(name: String) -> PgTupleValue? { columns.first { $0.name == name }?.value }
}

/// One column of a resolved tuple: name, type information, key flag and value (text form,
/// `.null`, `.unchangedToast`, or `.binary` with the binary publication option).
public struct ResolvedColumn: Sendable, Equatable {
    public var name: String
    public var typeOid: UInt32
    public var typeModifier: Int32
    public var isKey: Bool
    public var value: PgTupleValue

    public init(column: PgOutputMessage.Column, value: PgTupleValue) {
        self.name = column.name
        self.typeOid = column.typeOid
        self.typeModifier = column.typeModifier
        self.isKey = column.isKey
        self.value = value
    }
}

/// A tuple that cannot be resolved against the known relations.
public enum RelationCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No Relation message was seen for this OID.
    case unknownRelation(UInt32)
    /// The tuple has a different number of values than the relation has columns.
    case columnCountMismatch(relationId: UInt32, table: String, expected: Int, actual: Int)

    public var description: String {
        switch self {
        case .unknownRelation(let id):
            "unknown relation OID \(id): no Relation message was received for it"
        case .columnCountMismatch(let id, let table, let expected, let actual):
            "tuple for relation \(table) (OID \(id)) has \(actual) value(s) but the relation has \(expected) column(s)"
        }
    }
}

extension PgOutputMessage.Relation {
    /// `schema.table`, with `pg_catalog` for an empty namespace.
    public var qualifiedName: String { "\(namespace.isEmpty ? "pg_catalog" : namespace).\(name)" }
}
