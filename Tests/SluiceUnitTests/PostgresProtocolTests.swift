import SluicePostgres
import Testing

@Suite("Postgres replication protocol")
struct PostgresProtocolTests {
    @Test("LSN parses, prints and orders like pg_lsn")
    func lsn() throws {
        let lsn = try #require(LSN("16/B374D848"))
        #expect(lsn.value == 0x16_B374_D848)
        #expect(lsn.description == "16/B374D848")
        #expect(LSN("0/0") == .zero)
        #expect(LSN("1/0")! > LSN("0/FFFFFFFF")!)
        for bad in ["", "16", "x/1", "1/2/3", "123456789/0"] { #expect(LSN(bad) == nil, "\(bad)") }
    }

    @Test("XLogData and keepalive messages decode")
    func decode() throws {
        var bytes: [UInt8] = [UInt8(ascii: "w")]
        for value: UInt64 in [0x10, 0x20, 42] { withUnsafeBytes(of: value.bigEndian) { bytes += $0 } }
        bytes += [1, 2, 3]
        let message = try bytes.withUnsafeBytes { try ReplicationMessage.parse($0) }
        #expect(message == .xLogData(.init(walStart: LSN(0x10), walEnd: LSN(0x20), sendTime: 42, data: [1, 2, 3])))

        var keepalive: [UInt8] = [UInt8(ascii: "k")]
        for value: UInt64 in [0x30, 7] { withUnsafeBytes(of: value.bigEndian) { keepalive += $0 } }
        keepalive.append(1)
        #expect(
            try keepalive.withUnsafeBytes { try ReplicationMessage.parse($0) }
                == .keepalive(walEnd: LSN(0x30), sendTime: 7, replyRequested: true))
    }

    @Test("truncated and unknown messages are protocol errors")
    func malformed() {
        for bytes: [UInt8] in [[UInt8(ascii: "w"), 0, 0], [UInt8(ascii: "z")], []] {
            #expect(throws: PostgresError.self) { try bytes.withUnsafeBytes { try ReplicationMessage.parse($0) } }
        }
    }

    @Test("standby status update layout")
    func statusUpdate() {
        let bytes = ReplicationMessage.statusUpdate(write: LSN(1), flush: LSN(2), apply: LSN(3), clock: 4, replyRequested: true)
        #expect(bytes.count == 34)
        #expect(bytes[0] == UInt8(ascii: "r"))
        #expect(bytes[8] == 1 && bytes[16] == 2 && bytes[24] == 3 && bytes[32] == 4 && bytes[33] == 1)
        #expect(ReplicationMessage.postgresClock(unixSeconds: 946_684_801) == 1_000_000)
    }

    @Test("identifiers and literals are quoted so hostile names stay one token")
    func quoting() {
        #expect(PostgresConnection.quoteIdentifier("a\"; drop table x; --") == "\"a\"\"; drop table x; --\"")
        #expect(PostgresConnection.quoteLiteral("it's") == "'it''s'")
    }

    @Test("the configuration never prints the password")
    func redaction() {
        let configuration = PostgresConfiguration(user: "u", password: "pg-secret-123", database: "d")
        #expect(!"\(configuration)".contains("pg-secret-123"))
    }
}
