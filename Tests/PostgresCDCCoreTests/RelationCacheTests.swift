import PostgresCDCCore
import Testing

@Suite("RelationCache")
struct RelationCacheTests {
    let orders = PgOutputMessage.Relation(
        id: 16_384, namespace: "public", name: "orders", replicaIdentity: .default,
        columns: [
            .init(flags: 1, name: "id", typeOid: 23, typeModifier: -1),
            .init(flags: 0, name: "body", typeOid: 25, typeModifier: -1),
            .init(flags: 0, name: "note", typeOid: 1043, typeModifier: 36),
        ])

    @Test func resolvesTupleIntoNamedColumns() throws {
        var cache = RelationCache()
        cache.observe(.relation(orders))
        cache.observe(.begin(.init(finalLSN: 1, commitTimestamp: 0, xid: 1)))  // ignored
        #expect(cache.count == 1)
        let resolved = try cache.resolve(PgTuple([.text("7"), .unchangedToast, .null]), relationId: 16_384)
        #expect(resolved.relation == orders)
        #expect(resolved.columns.map(\.name) == ["id", "body", "note"])
        #expect(resolved.columns.map(\.isKey) == [true, false, false])
        #expect(resolved.columns[2].typeOid == 1043)
        #expect(resolved.columns[2].typeModifier == 36)
        #expect(resolved["id"] == .text("7"))
        #expect(resolved["body"] == .unchangedToast)
        #expect(resolved["note"] == PgTupleValue.null)
        #expect(resolved["missing"] == nil)
    }

    @Test func unknownRelationIsAnError() {
        let cache = RelationCache()
        #expect(throws: RelationCacheError.unknownRelation(99)) {
            try cache.resolve(PgTuple([]), relationId: 99)
        }
        #expect(RelationCacheError.unknownRelation(99).description.contains("99"))
    }

    @Test func columnCountMismatchIsAnError() {
        var cache = RelationCache()
        cache.store(orders)
        #expect(
            throws: RelationCacheError.columnCountMismatch(relationId: 16_384, table: "public.orders", expected: 3, actual: 1)
        ) {
            try cache.resolve(PgTuple([.text("1")]), relationId: 16_384)
        }
    }

    @Test func newerRelationReplacesOlder() throws {
        var cache = RelationCache()
        cache.store(orders)
        var altered = orders
        altered.columns.append(.init(flags: 0, name: "added", typeOid: 16, typeModifier: -1))
        cache.observe(.relation(altered))
        #expect(cache[16_384]?.columns.count == 4)
        #expect(try cache.resolve(PgTuple([.null, .null, .null, .text("t")]), relationId: 16_384)["added"] == .text("t"))
        cache.remove(16_384)
        #expect(cache[16_384] == nil)
    }

    @Test func decodedStreamEndToEnd() throws {
        let relation = MessageBytes("R")
        relation.uint32(5).cString("public").cString("t").byte("f").int16(2)
        relation.uint8(1).cString("k").uint32(20).int32(-1).uint8(0).cString("v").uint32(25).int32(-1)
        let insert = MessageBytes("I")
        insert.uint32(5).byte("N").tuple([.text("9000000000"), .text("hi")])
        let decoder = PgOutputDecoder()
        var cache = RelationCache()
        var rows: [ResolvedTuple] = []
        for bytes in [relation.bytes, insert.bytes] {
            let message = try decoder.decode(bytes)
            cache.observe(message)
            if case .insert(let change) = message {
                rows.append(try cache.resolve(change.newTuple, relationId: change.relationId))
            }
        }
        #expect(rows.count == 1)
        #expect(rows[0]["k"]?.text == "9000000000")
        #expect(rows[0].relation.replicaIdentity == .full)
    }
}
