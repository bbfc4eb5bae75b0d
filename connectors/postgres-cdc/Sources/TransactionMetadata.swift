import SluiceConnectSDK

/// Debezium's transaction metadata (`provide.transaction.metadata=true`): a `transaction` block in
/// every data event and BEGIN/END events on `<topic.prefix>.transaction`.
///
/// A BEGIN is emitted just before a transaction's first captured event and an END after its commit,
/// so transactions that touch no captured table produce neither. The context travels in each
/// event's source offset (`transaction_id` and `transaction_data_collection_order_<table>`, Debezium's
/// keys); an END's offset carries none. After a restart in the middle of a transaction the stored
/// context is restored, so the orders continue and the BEGIN is not sent again; after a restart at
/// an END the replayed transaction is skipped whole.
struct TransactionContext: Sendable, Equatable {
    /// `<xid>:<commit LSN>`, as Debezium's PostgreSQL connector writes it.
    let id: String
    /// Events emitted so far per data collection (`schema.table`).
    private(set) var perCollection: [String: Int64] = [:]

    init(xid: UInt32, commitLSN: UInt64) {
        id = "\(xid):\(commitLSN)"
    }

    /// Events emitted so far in the whole transaction.
    var totalOrder: Int64 { perCollection.values.reduce(0, +) }

    /// Counts one more event of `collection`; returns the event's `transaction` block.
    mutating func count(_ collection: String, schema: Schema) -> ConnectStruct {
        perCollection[collection, default: 0] += 1
        return ConnectStruct(
            schema: schema,
            [
                "id": .string(id), "total_order": .int64(totalOrder),
                "data_collection_order": .int64(perCollection[collection] ?? 0),
            ])
    }

    // MARK: Offsets

    static let idKey = "transaction_id"
    static let collectionKeyPrefix = "transaction_data_collection_order_"

    /// The context's entries for a source offset.
    var offsetEntries: [(String, JSONValue)] {
        [(Self.idKey, .string(id))]
            + perCollection.sorted { $0.key < $1.key }.map { (Self.collectionKeyPrefix + $0.key, .int($0.value)) }
    }

    /// The context stored in `offset`, or nil when the offset lies between transactions.
    init?(offset: JSONObject) {
        guard let id = offset[Self.idKey]?.stringValue else { return nil }
        self.id = id
        for (key, value) in offset where key.hasPrefix(Self.collectionKeyPrefix) {
            perCollection[String(key.dropFirst(Self.collectionKeyPrefix.count))] = value.intValue ?? 0
        }
    }

    // MARK: BEGIN / END events

    static let keySchema = Schema.struct(
        name: "io.debezium.connector.common.TransactionMetadataKey", version: 1, [("id", .string)])

    static let collectionSchema = Schema.struct(
        name: "event.collection", version: 1, [("data_collection", .string), ("event_count", .int64)])

    static let valueSchema = Schema.struct(
        name: "io.debezium.connector.common.TransactionMetadataValue", version: 1,
        [
            ("status", .string), ("id", .string), ("event_count", .optionalInt64),
            ("data_collections", .array(collectionSchema, optional: true)), ("ts_ms", .int64),
        ])

    /// A BEGIN (`ended == false`) or END event for this transaction on `<prefix>.transaction`.
    func event(
        ended: Bool, prefix: String, commitMillis: Int64, partition: JSONObject, offset: JSONObject
    ) -> SourceRecord {
        var value = ConnectStruct(schema: Self.valueSchema)
        value["status"] = .string(ended ? "END" : "BEGIN")
        value["id"] = .string(id)
        value["ts_ms"] = .int64(commitMillis)
        if ended {
            value["event_count"] = .int64(totalOrder)
            value["data_collections"] = .array(
                perCollection.sorted { $0.key < $1.key }.map {
                    .struct(
                        ConnectStruct(
                            schema: Self.collectionSchema, ["data_collection": .string($0.key), "event_count": .int64($0.value)]))
                })
        }
        return SourceRecord(
            sourcePartition: partition, sourceOffset: offset, topic: "\(prefix).transaction", keySchema: Self.keySchema,
            key: .struct(ConnectStruct(schema: Self.keySchema, ["id": .string(id)])), valueSchema: Self.valueSchema,
            value: .struct(value), timestamp: commitMillis)
    }
}

/// Debezium's logical decoding message events (`pg_logical_emit_message`): op `m` on
/// `<topic.prefix>.message`, keyed by the message prefix, with the content as bytes.
enum LogicalMessageEvent {
    static let keySchema = Schema.struct(
        name: "io.debezium.connector.postgresql.MessageKey", version: 1, [("prefix", .optionalString)])

    static let blockSchema = Schema.struct(
        name: "io.debezium.connector.postgresql.Message", version: 1, [("prefix", .optionalString), ("content", .optionalBytes)])

    static let valueSchema = Schema.struct(
        name: "io.debezium.connector.postgresql.MessageValue", version: 1,
        [("op", .string), ("ts_ms", .optionalInt64), ("source", DebeziumSource.schema), ("message", blockSchema)])

    static func record(
        prefix: String, content: [UInt8], source: ConnectStruct, topicPrefix: String, nowMillis: Int64, partition: JSONObject,
        offset: JSONObject
    ) -> SourceRecord {
        var value = ConnectStruct(schema: valueSchema)
        value["op"] = .string("m")
        value["ts_ms"] = .int64(nowMillis)
        value["source"] = .struct(source)
        value["message"] = .struct(ConnectStruct(schema: blockSchema, ["prefix": .string(prefix), "content": .bytes(content)]))
        return SourceRecord(
            sourcePartition: partition, sourceOffset: offset, topic: "\(topicPrefix).message", keySchema: keySchema,
            key: .struct(ConnectStruct(schema: keySchema, ["prefix": .string(prefix)])), valueSchema: valueSchema,
            value: .struct(value), timestamp: nowMillis)
    }
}
