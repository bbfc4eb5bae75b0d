import PostgresCDCCore
import SluicePostgres

/// Reads table metadata the replication stream does not carry: nullability and primary keys.
struct Catalog {
    let connection: PostgresConnection

    struct Table: Sendable {
        var oid: UInt32
        var schema: String
        var name: String
        var qualifiedName: String { "\(schema).\(name)" }
    }

    struct ColumnInfo: Sendable {
        var name: String
        var oid: UInt32
        var modifier: Int32
        var nullable: Bool
        var isPrimaryKey: Bool
        /// `format_type` text, for casts in snapshot queries.
        var typeName: String
        /// For an enum column or an array of enums: the labels in sort order.
        var enumType: PostgresEnumType?
    }

    /// The enum columns among `columns`, by name.
    static func enumTypes(_ columns: [ColumnInfo]) -> [String: PostgresEnumType] {
        Dictionary(columns.compactMap { column in column.enumType.map { (column.name, $0) } }) { first, _ in first }
    }

    /// Ordinary and partitioned tables outside the system schemas, sorted by qualified name.
    func tables() async throws -> [Table] {
        let rows = try await connection.query(
            """
            select c.oid::int8 as oid, n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where c.relkind in ('r', 'p') and not c.relispartition and n.nspname not in ('pg_catalog', 'information_schema')
              and n.nspname not like 'pg_toast%' order by 2, 3
            """)
        return rows.rows.indices.map { index in
            Table(
                oid: UInt32(rows.value(index, "oid") ?? "0") ?? 0, schema: rows.value(index, "schema") ?? "",
                name: rows.value(index, "name") ?? "")
        }
    }

    /// Columns of table `oid` in attribute order.
    func columns(of oid: UInt32) async throws -> [ColumnInfo] {
        let rows = try await connection.query(
            """
            select a.attname as name, a.atttypid::int8 as oid, a.atttypmod as modifier, a.attnotnull as notnull,
                   coalesce(a.attnum = any(i.indkey), false) as pk, format_type(a.atttypid, a.atttypmod) as type,
                   (select string_agg(e.enumlabel, ',' order by e.enumsortorder) from pg_enum e
                    where e.enumtypid = case when t.typcategory = 'A' then t.typelem else t.oid end) as enum_labels,
                   t.typcategory = 'A' as is_array
            from pg_attribute a join pg_type t on t.oid = a.atttypid
            left join pg_index i on i.indrelid = a.attrelid and i.indisprimary
            where a.attrelid = $1::oid and a.attnum > 0 and not a.attisdropped order by a.attnum
            """, [String(oid)])
        return rows.rows.indices.map { index in
            ColumnInfo(
                name: rows.value(index, "name") ?? "", oid: UInt32(rows.value(index, "oid") ?? "0") ?? 0,
                modifier: Int32(rows.value(index, "modifier") ?? "-1") ?? -1, nullable: rows.value(index, "notnull") != "t",
                isPrimaryKey: rows.value(index, "pk") == "t", typeName: rows.value(index, "type") ?? "text",
                enumType: rows.value(index, "enum_labels").map {
                    PostgresEnumType(labels: $0, isArray: rows.value(index, "is_array") == "t")
                })
        }
    }

    /// The table model for `table`, with key columns from the primary key or `message.key.columns`.
    func model(schema: String, table: String, oid: UInt32, config: PostgresCDCConfig) async throws -> (TableModel, [ColumnInfo]) {
        let columns = try await self.columns(of: oid)
        let keys = config.messageKeyColumns["\(schema).\(table)"] ?? columns.filter(\.isPrimaryKey).map(\.name)
        let model = TableModel(
            schema: schema, table: table, columns: columns.map { ($0.name, $0.oid, $0.modifier, $0.nullable) }, keyColumns: keys,
            enums: Self.enumTypes(columns),
            config: config)
        return (model, columns)
    }
}
