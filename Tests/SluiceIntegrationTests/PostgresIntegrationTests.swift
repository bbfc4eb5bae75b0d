import Foundation
import SluicePostgres
import Testing

extension Integration {
    @Suite("Postgres client and logical replication")
    struct PostgresTests {
        let logger = TestStack.logger("pg-test")

        /// A table, a publication for it and a slot; dropped afterwards.
        struct Fixture {
            let table: String
            let publication: String
            let slot: String
        }

        func makeFixture(_ admin: PostgresConnection) async throws -> Fixture {
            let fixture = Fixture(
                table: TestStack.unique("items"), publication: TestStack.unique("pub"), slot: TestStack.unique("slot"))
            try await admin.execute(
                "create table \(fixture.table) (id bigserial primary key, name text not null, amount numeric)")
            try await admin.execute("create publication \(fixture.publication) for table \(fixture.table)")
            return fixture
        }

        func dropFixture(_ admin: PostgresConnection, _ fixture: Fixture) async throws {
            try await TestStack.eventually("slot \(fixture.slot) is released") {
                try await admin.query("select active from pg_replication_slots where slot_name = $1", [fixture.slot]).value(
                    0, "active") != "t"
            }
            try await admin.query(
                "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1", [fixture.slot])
            try await admin.execute("drop publication if exists \(fixture.publication); drop table if exists \(fixture.table)")
        }

        func confirmedFlush(_ admin: PostgresConnection, slot: String) async throws -> LSN {
            let text = try await admin.query(
                "select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = $1", [slot]
            )
            .value(0, "lsn")
            return try #require(text.flatMap(LSN.init))
        }

        @Test("10,000 inserted rows stream through pgoutput and a confirmed flush LSN advances the slot")
        func streamAndConfirm() async throws {
            let configuration = try TestStack.postgres()
            let admin = try await PostgresConnection.connect(configuration, logger: logger)
            let fixture = try await makeFixture(admin)

            let replication = try await ReplicationConnection.connect(configuration, statusInterval: .seconds(1), logger: logger)
            let system = try await replication.identifySystem()
            #expect(system.database == configuration.database)
            let slot = try await replication.createSlot(fixture.slot, exportSnapshot: true)
            #expect(slot.snapshotName?.isEmpty == false)
            #expect(slot.outputPlugin == "pgoutput")
            let initialFlush = try await confirmedFlush(admin, slot: fixture.slot)

            // 10 transactions of 1,000 rows each.
            for batch in 0..<10 {
                try await admin.query(
                    "insert into \(fixture.table) (name, amount) select 'row-' || g, g * 1.5 from generate_series($1::int, $2::int) g",
                    [String(batch * 1000 + 1), String(batch * 1000 + 1000)])
            }

            try await replication.startReplication(
                slot: fixture.slot, from: slot.consistentPoint,
                options: [("proto_version", "1"), ("publication_names", fixture.publication)])
            var inserts = 0
            var commits = 0
            var lastCommitEnd = LSN.zero
            let deadline = ContinuousClock.now + .seconds(60)
            while commits < 10 && ContinuousClock.now < deadline {
                for message in try await replication.read(maxMessages: 2000, timeout: .seconds(1)) {
                    switch message.data.first {
                    case UInt8(ascii: "I"): inserts += 1
                    case UInt8(ascii: "C"):
                        commits += 1
                        // Commit: tag, flags (1), commit LSN (8), end LSN (8), timestamp (8).
                        lastCommitEnd = message.data[10..<18].reduce(LSN.zero) { LSN($0.value << 8 | UInt64($1)) }
                    default: break
                    }
                }
            }
            #expect(inserts == 10_000)
            #expect(commits == 10)
            #expect(lastCommitEnd > initialFlush)

            replication.confirm(flush: lastCommitEnd)
            try await replication.sendStatus()
            try await TestStack.eventually("confirmed_flush_lsn reaches \(lastCommitEnd)") {
                _ = try await replication.read(maxMessages: 10, timeout: .milliseconds(200))
                return try await confirmedFlush(admin, slot: fixture.slot) >= lastCommitEnd
            }
            await replication.close()
            try await dropFixture(admin, fixture)
        }

        @Test("the confirmed flush position never goes backwards and never passes what the owner confirmed")
        func flushNeverPassesConfirmed() async throws {
            let configuration = try TestStack.postgres()
            let admin = try await PostgresConnection.connect(configuration, logger: logger)
            let fixture = try await makeFixture(admin)
            let replication = try await ReplicationConnection.connect(
                configuration, statusInterval: .milliseconds(200), logger: logger)
            let slot = try await replication.createSlot(fixture.slot, exportSnapshot: false)
            try await admin.query("insert into \(fixture.table) (name) values ('a'), ('b')")
            try await replication.startReplication(
                slot: fixture.slot, from: slot.consistentPoint,
                options: [("proto_version", "1"), ("publication_names", fixture.publication)])
            var received = 0
            for _ in 0..<20 where received < 2 {
                received += try await replication.read(timeout: .milliseconds(300)).filter { $0.data.first == UInt8(ascii: "I") }
                    .count
            }
            #expect(received == 2)
            replication.confirm(flush: LSN(slot.consistentPoint.value - 1))  // an older position is ignored
            #expect(replication.reportedPositions.flush == slot.consistentPoint)
            // Several periodic status updates go out; the slot stays at the consistent point.
            for _ in 0..<5 { _ = try await replication.read(timeout: .milliseconds(250)) }
            #expect(try await confirmedFlush(admin, slot: fixture.slot) == slot.consistentPoint)
            await replication.close()
            try await dropFixture(admin, fixture)
        }

        @Test("a slot held by another connection is a typed slot-in-use error")
        func slotInUse() async throws {
            let configuration = try TestStack.postgres()
            let admin = try await PostgresConnection.connect(configuration, logger: logger)
            let fixture = try await makeFixture(admin)
            let first = try await ReplicationConnection.connect(configuration, logger: logger)
            let slot = try await first.createSlot(fixture.slot, exportSnapshot: false)
            let options = [("proto_version", "1"), ("publication_names", fixture.publication)]
            try await first.startReplication(slot: fixture.slot, from: slot.consistentPoint, options: options)

            let second = try await ReplicationConnection.connect(configuration, logger: logger)
            let error = await #expect(throws: PostgresError.self) {
                try await second.startReplication(slot: fixture.slot, from: slot.consistentPoint, options: options)
            }
            #expect(error?.code == .slotInUse)
            #expect(error?.sqlState == "55006")
            #expect(error?.message.contains(fixture.slot) == true)
            await first.close()
            try await dropFixture(admin, fixture)
        }

        @Test("a missing slot is a typed slot-missing error")
        func slotMissing() async throws {
            let replication = try await ReplicationConnection.connect(try TestStack.postgres(), logger: logger)
            let error = await #expect(throws: PostgresError.self) {
                try await replication.startReplication(
                    slot: "no_such_slot", from: .zero, options: [("proto_version", "1"), ("publication_names", "x")])
            }
            #expect(error?.code == .slotMissing)
        }

        @Test("a wrong password is a typed authentication error that does not echo the password")
        func wrongPassword() async throws {
            let error = await #expect(throws: PostgresError.self) {
                _ = try await PostgresConnection.connect(try TestStack.postgres(password: "definitely-wrong-pw"), logger: logger)
            }
            #expect(error?.code == .authentication)
            #expect(error.map { "\($0)".contains("definitely-wrong-pw") } == false)
        }

        @Test("an unreachable server is a typed connection error within the connect timeout")
        func unreachable() async throws {
            var configuration = try TestStack.postgres()
            configuration.port = 1
            let start = ContinuousClock.now
            let error = await #expect(throws: PostgresError.self) {
                _ = try await PostgresConnection.connect(configuration, logger: logger)
            }
            #expect(error?.code == .connection)
            #expect(ContinuousClock.now - start < .seconds(10))
        }

        @Test("parameters are bound, never spliced; NULLs come back as nil")
        func parameters() async throws {
            let connection = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let hostile = "x'); drop table pg_class; --"
            let rows = try await connection.query("select $1::text as v, $2::text as n, 41 + 1 as answer", [hostile, nil])
            #expect(rows.value(0, "v") == hostile)
            #expect(rows.rows[0][1] == nil)
            #expect(rows.value(0, "answer") == "42")
            let error = await #expect(throws: PostgresError.self) { try await connection.query("select * from no_such_table") }
            #expect(error?.sqlState == "42P01")
        }
    }
}
