import PostgresCDCCore
import Testing

@Suite("PgOutputDecoder malformed input")
struct PgOutputMalformedTests {
    let decoder = PgOutputDecoder()

    private func decodingError(_ bytes: [UInt8]) -> PgOutputDecodingError? {
        do {
            _ = try decoder.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func truncatedBeginNamesMessageAndOffset() throws {
        let bytes = MessageBytes("B")
        bytes.uint64(1).raw([0, 0, 0, 0])  // timestamp cut after 4 of its 8 bytes
        let error = try #require(decodingError(bytes.bytes))
        #expect(error == PgOutputDecodingError(message: "Begin", offset: 9, reason: .truncated(needed: 8, available: 4)))
        #expect(error.description == "cannot decode pgoutput Begin at byte 9: truncated: needed 8 byte(s), 4 left")
    }

    @Test func truncatedTupleValue() throws {
        let bytes = MessageBytes("I")
        bytes.uint32(1).byte("N").int16(1).byte("t").int32(10).raw(Array("abc".utf8))
        let error = try #require(decodingError(bytes.bytes))
        #expect(error.message == "Insert")
        #expect(error.offset == 13)
        #expect(error.reason == .truncated(needed: 10, available: 3))
    }

    @Test func unknownTag() throws {
        let error = try #require(decodingError([UInt8(ascii: "Z"), 1, 2]))
        #expect(error.offset == 0)
        #expect(error.reason == .unknownMessageType(UInt8(ascii: "Z")))
        #expect(error.description.contains("'Z'"))
    }

    @Test func emptyMessage() {
        #expect(decodingError([])?.reason == .empty)
    }

    @Test func unterminatedString() throws {
        let bytes = MessageBytes("O")
        bytes.uint64(1).raw(Array("no-nul".utf8))
        let error = try #require(decodingError(bytes.bytes))
        #expect(error == PgOutputDecodingError(message: "Origin", offset: 9, reason: .unterminatedString))
    }

    @Test func invalidColumnKind() throws {
        let bytes = MessageBytes("I")
        bytes.uint32(1).byte("N").int16(2).byte("n").byte("x")
        let error = try #require(decodingError(bytes.bytes))
        #expect(error == PgOutputDecodingError(message: "Insert", offset: 9, reason: .invalidColumnKind(UInt8(ascii: "x"))))
    }

    @Test func wrongTupleMarkers() throws {
        let insert = MessageBytes("I")
        insert.uint32(1).byte("K").tuple([.null])
        #expect(decodingError(insert.bytes)?.reason == .invalidTupleMarker(UInt8(ascii: "K")))
        let delete = MessageBytes("D")
        delete.uint32(1).byte("N").tuple([.null])
        #expect(
            decodingError(delete.bytes) == PgOutputDecodingError(message: "Delete", offset: 5, reason: .invalidTupleMarker(78)))
        let update = MessageBytes("U")
        update.uint32(1).byte("K").tuple([.null]).byte("K").tuple([.null])
        #expect(decodingError(update.bytes)?.message == "Update")
    }

    @Test func negativeLengths() throws {
        let truncate = MessageBytes("T")
        truncate.int32(-1).uint8(0)
        #expect(
            decodingError(truncate.bytes) == PgOutputDecodingError(message: "Truncate", offset: 1, reason: .invalidLength(-1)))
        let message = MessageBytes("M")
        message.uint8(0).uint64(1).cString("p").int32(-4)
        #expect(decodingError(message.bytes)?.reason == .invalidLength(-4))
    }

    @Test func hugeTruncateCountFailsFast() throws {
        let bytes = MessageBytes("T")
        bytes.int32(Int32.max).uint8(0).uint32(1)
        #expect(decodingError(bytes.bytes)?.reason == .truncated(needed: Int(Int32.max) * 4, available: 4))
    }

    @Test func trailingBytes() throws {
        let bytes = MessageBytes("C")
        bytes.uint8(0).uint64(1).uint64(2).int64(3).uint8(0xEE)
        #expect(
            decodingError(bytes.bytes) == PgOutputDecodingError(message: "Commit", offset: 26, reason: .trailingBytes(count: 1)))
    }

    @Test func everyPrefixOfAValidMessageThrows() throws {
        let bytes = MessageBytes("U")
        bytes.uint32(7).byte("O").tuple([.text("1"), .null]).byte("N").tuple([.text("2"), .toast, .binary([1])])
        _ = try decoder.decode(bytes.bytes)
        for length in 0..<bytes.bytes.count {
            #expect(decodingError(Array(bytes.bytes.prefix(length))) != nil, "prefix of \(length) bytes")
        }
    }
}
