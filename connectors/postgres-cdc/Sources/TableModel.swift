import PostgresCDCCore
import SluiceConnectSDK

/// Everything needed to turn one table's rows into Debezium events: its topic, the key and value
/// schemas (`<prefix>.<schema>.<table>.Key` / `.Value`), the envelope schema, and the columns kept.
/// Rebuilt whenever the server sends a new Relation message (schema change mid-stream).
struct TableModel: Sendable {
    struct Column: Sendable {
        var name: String
        var typeOid: UInt32
        var typeModifier: Int32
        var nullable: Bool
        var schema: Schema
        /// A user-defined enum column (or array of one), as the catalog describes it.
        var enumType: PostgresEnumType?

        /// The column's value from Postgres's text form (`nil` is SQL NULL).
        func value(_ text: String?, mapper: PostgresTypeMapper) throws -> ConnectValue {
            try mapper.value(typeOid: typeOid, typeModifier: typeModifier, nullable: nullable, enumType: enumType, text: text)
        }
    }

    var schemaName: String
    var tableName: String
    var topic: String
    /// Kept columns, in table order.
    var columns: [Column]
    var keyColumns: [String]
    var keySchema: Schema?
    var valueSchema: Schema
    var envelopeSchema: Schema

    var qualifiedName: String { "\(schemaName).\(tableName)" }

    /// - Parameters:
    ///   - columns: every column as (name, type oid, typmod, nullable).
    ///   - keyColumns: primary-key (or `message.key.columns`) names; empty: no key.
    ///   - enums: columns of enum types (or arrays of them), which become `io.debezium.data.Enum`
    ///     strings with the labels as the `allowed` parameter, as in Debezium.
    init(
        schema: String, table: String, columns all: [(name: String, oid: UInt32, modifier: Int32, nullable: Bool)],
        keyColumns: [String], enums: [String: PostgresEnumType] = [:],
        config: PostgresCDCConfig
    ) {
        schemaName = schema
        tableName = table
        let prefix = "\(config.topicPrefix).\(schema).\(table)"
        topic = prefix
        let kept = all.filter { keyColumns.contains($0.name) || config.keeps(column: "\(schema).\(table).\($0.name)") }.map {
            column in
            Column(
                name: column.name, typeOid: column.oid, typeModifier: column.modifier, nullable: column.nullable,
                schema: config.mapper.schema(
                    typeOid: column.oid, typeModifier: column.modifier, nullable: column.nullable, enumType: enums[column.name]),
                enumType: enums[column.name])
        }
        let keys = keyColumns.filter { name in kept.contains { $0.name == name } }
        columns = kept
        self.keyColumns = keys
        keySchema =
            keys.isEmpty
            ? nil
            : Schema.struct(
                name: "\(prefix).Key", keys.compactMap { name in kept.first { $0.name == name }.map { ($0.name, $0.schema) } })
        let value = Schema.struct(name: "\(prefix).Value", optional: true, kept.map { ($0.name, $0.schema) })
        valueSchema = value
        envelopeSchema = Schema.struct(
            name: "\(prefix).Envelope", version: 2,
            [
                ("before", value), ("after", value), ("source", DebeziumSource.schema), ("op", .string),
                ("ts_ms", .optionalInt64), ("transaction", DebeziumSource.transactionSchema),
            ])
    }

    /// A Debezium envelope of this table, its values in `envelopeSchema`'s field order.
    func envelope(
        before: ConnectValue, after: ConnectValue, source: ConnectStruct, op: String, tsMillis: Int64,
        transaction: ConnectValue = .null
    ) -> ConnectStruct {
        ConnectStruct(
            schema: envelopeSchema, values: [before, after, .struct(source), .string(op), .int64(tsMillis), transaction])
    }
}

/// Debezium's `source` block and transaction block schemas.
enum DebeziumSource {
    static let version = "2.7.0.Final-sluice"

    static let snapshotSchema = Schema(
        type: .string, optional: true, defaultValue: .string("false"), name: DebeziumSchemas.enumName, version: 1,
        parameters: ["allowed": "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"])

    static let schema = Schema.struct(
        name: "io.debezium.connector.postgresql.Source",
        [
            ("version", .string), ("connector", .string), ("name", .string), ("ts_ms", .int64), ("snapshot", snapshotSchema),
            ("db", .string), ("sequence", .optionalString), ("ts_us", .optionalInt64), ("schema", .string), ("table", .string),
            ("txId", .optionalInt64), ("lsn", .optionalInt64), ("xmin", .optionalInt64),
        ])

    /// A source block, its values in `schema`'s field order (`sequence` and `xmin` are not used).
    static func block(
        name: String, tsMillis: Int64, tsMicros: Int64?, snapshot: String, database: String, schema: String, table: String,
        txId: Int64?, lsn: UInt64?
    ) -> ConnectStruct {
        ConnectStruct(
            schema: Self.schema,
            values: [
                .string(version), .string("postgresql"), .string(name), .int64(tsMillis), .string(snapshot), .string(database),
                .null, tsMicros.map { .int64($0) } ?? .null, .string(schema), .string(table), txId.map { .int64($0) } ?? .null,
                lsn.map { .int64(Int64(bitPattern: $0)) } ?? .null, .null,
            ])
    }

    static let transactionSchema = Schema.struct(
        name: "event.block", optional: true, version: 1,
        [("id", .string), ("total_order", .int64), ("data_collection_order", .int64)])
}
