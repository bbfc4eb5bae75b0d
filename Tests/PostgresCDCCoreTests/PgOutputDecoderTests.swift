import PostgresCDCCore
import Testing

@Suite("PgOutputDecoder")
struct PgOutputDecoderTests {
    let decoder = PgOutputDecoder()

    @Test func begin() throws {
        let bytes = MessageBytes("B")
        bytes.uint64(0x0000_0001_6B37_4D48).int64(757_382_400_123_456).uint32(4_000_000_000)
        let message = try decoder.decode(bytes.bytes)
        #expect(message == .begin(.init(finalLSN: 0x1_6B37_4D48, commitTimestamp: 757_382_400_123_456, xid: 4_000_000_000)))
    }

    @Test func beginTimestampConvertsToUnixMicros() {
        // 2024-01-01T00:00:00Z is 757382400 s after 2000-01-01.
        #expect(PgOutputMessage.unixMicros(fromPostgresMicros: 757_382_400_000_000) == 1_704_067_200_000_000)
    }

    @Test func commit() throws {
        let bytes = MessageBytes("C")
        bytes.uint8(0).uint64(100).uint64(164).int64(-5)
        #expect(try decoder.decode(bytes.bytes) == .commit(.init(flags: 0, commitLSN: 100, endLSN: 164, commitTimestamp: -5)))
    }

    @Test func origin() throws {
        let bytes = MessageBytes("O")
        bytes.uint64(42).cString("pg_upstream")
        #expect(try decoder.decode(bytes.bytes) == .origin(.init(commitLSN: 42, name: "pg_upstream")))
    }

    @Test func relation() throws {
        let bytes = MessageBytes("R")
        bytes.uint32(16_384).cString("public").cString("orders").byte("d").int16(3)
        bytes.uint8(1).cString("id").uint32(23).int32(-1)
        bytes.uint8(0).cString("amount").uint32(1700).int32((10 << 16 | 2) + 4)
        bytes.uint8(0).cString("note").uint32(1043).int32(104)
        let expected = PgOutputMessage.Relation(
            id: 16_384, namespace: "public", name: "orders", replicaIdentity: .default,
            columns: [
                .init(flags: 1, name: "id", typeOid: 23, typeModifier: -1),
                .init(flags: 0, name: "amount", typeOid: 1700, typeModifier: 655_366),
                .init(flags: 0, name: "note", typeOid: 1043, typeModifier: 104),
            ])
        let message = try decoder.decode(bytes.bytes)
        #expect(message == .relation(expected))
        #expect(expected.keyColumns.map(\.name) == ["id"])
        #expect(message.relationId == 16_384)
    }

    @Test func relationReplicaIdentities() throws {
        for (byte, identity) in [("n", PgOutputMessage.ReplicaIdentity.nothing), ("f", .full), ("i", .index)] {
            let bytes = MessageBytes("R")
            bytes.uint32(1).cString("").cString("t").byte(Character(byte)).int16(0)
            guard case .relation(let relation) = try decoder.decode(bytes.bytes) else {
                Issue.record("not a relation")
                continue
            }
            #expect(relation.replicaIdentity == identity)
            #expect(relation.qualifiedName == "pg_catalog.t")
        }
    }

    @Test func type() throws {
        let bytes = MessageBytes("Y")
        bytes.uint32(90_001).cString("public").cString("mood")
        #expect(try decoder.decode(bytes.bytes) == .type(.init(id: 90_001, namespace: "public", name: "mood")))
    }

    @Test func insertWithEveryColumnKind() throws {
        let bytes = MessageBytes("I")
        bytes.uint32(16_384).byte("N").tuple([.text("42"), .null, .toast, .binary([0, 1, 0xFF]), .text("héllo")])
        let expected = PgTuple([.text("42"), .null, .unchangedToast, .binary([0, 1, 0xFF]), .text("héllo")])
        #expect(try decoder.decode(bytes.bytes) == .insert(.init(relationId: 16_384, newTuple: expected)))
    }

    @Test func updateWithoutOldTuple() throws {
        let bytes = MessageBytes("U")
        bytes.uint32(7).byte("N").tuple([.text("1"), .text("b")])
        let expected = PgOutputMessage.Update(relationId: 7, oldTuple: nil, newTuple: PgTuple([.text("1"), .text("b")]))
        #expect(try decoder.decode(bytes.bytes) == .update(expected))
    }

    @Test func updateWithOldKey() throws {
        let bytes = MessageBytes("U")
        bytes.uint32(7).byte("K").tuple([.text("1"), .null]).byte("N").tuple([.text("2"), .toast])
        let expected = PgOutputMessage.Update(
            relationId: 7, oldTuple: PgOldTuple(kind: .key, tuple: PgTuple([.text("1"), .null])),
            newTuple: PgTuple([.text("2"), .unchangedToast]))
        #expect(try decoder.decode(bytes.bytes) == .update(expected))
    }

    @Test func updateWithFullOldRow() throws {
        let bytes = MessageBytes("U")
        bytes.uint32(7).byte("O").tuple([.text("1"), .text("a")]).byte("N").tuple([.text("1"), .text("b")])
        guard case .update(let update) = try decoder.decode(bytes.bytes) else {
            Issue.record("not an update")
            return
        }
        #expect(update.oldTuple == PgOldTuple(kind: .full, tuple: PgTuple([.text("1"), .text("a")])))
    }

    @Test func deleteWithKeyAndFullRow() throws {
        let key = MessageBytes("D")
        key.uint32(9).byte("K").tuple([.text("5")])
        #expect(
            try decoder.decode(key.bytes)
                == .delete(.init(relationId: 9, oldTuple: PgOldTuple(kind: .key, tuple: PgTuple([.text("5")])))))
        let full = MessageBytes("D")
        full.uint32(9).byte("O").tuple([.text("5"), .text("x")])
        #expect(
            try decoder.decode(full.bytes)
                == .delete(.init(relationId: 9, oldTuple: PgOldTuple(kind: .full, tuple: PgTuple([.text("5"), .text("x")])))))
    }

    @Test func truncate() throws {
        let bytes = MessageBytes("T")
        bytes.int32(2).uint8(3).uint32(100).uint32(200)
        guard case .truncate(let truncate) = try decoder.decode(bytes.bytes) else {
            Issue.record("not a truncate")
            return
        }
        #expect(truncate.relationIds == [100, 200])
        #expect(truncate.cascade)
        #expect(truncate.restartIdentity)
        let plain = MessageBytes("T")
        plain.int32(1).uint8(0).uint32(5)
        #expect(try decoder.decode(plain.bytes) == .truncate(.init(options: 0, relationIds: [5])))
    }

    @Test func logicalMessage() throws {
        let bytes = MessageBytes("M")
        bytes.uint8(1).uint64(0xABCD).cString("sluice").int32(3).raw([0x61, 0x00, 0x62])
        let message = try decoder.decode(bytes.bytes)
        #expect(message == .message(.init(flags: 1, lsn: 0xABCD, prefix: "sluice", content: [0x61, 0x00, 0x62])))
        if case .message(let logical) = message { #expect(logical.isTransactional) }
    }
}
