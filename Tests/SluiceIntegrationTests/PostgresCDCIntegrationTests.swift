import Foundation
import Glibc
import SluiceConnectSDK
import SluiceKafka
import SluicePostgres
import Testing

extension Integration {
    @Suite("Postgres CDC source connector")
    struct PostgresCDCTests {
        let logger = TestStack.logger("cdc-test")

        /// A fresh schema with three tables; returns the names used by the connector.
        struct Setup {
            let schema: String
            let prefix: String
            let slot: String
            let publication: String
        }

        func setUp(_ admin: PostgresConnection, seedRows: Int) async throws -> Setup {
            let id = UInt32.random(in: 0...UInt32.max)
            let setup = Setup(schema: "cdc_\(id)", prefix: "cdc\(id)", slot: "slot_\(id)", publication: "pub_\(id)")
            try await admin.execute(
                """
                create schema \(setup.schema);
                create table \(setup.schema).customers (id serial primary key, name text not null, version int not null default 1);
                create table \(setup.schema).orders (id bigserial primary key, customer_id int, amount numeric(10,2), note text,
                  created_at timestamptz not null default now(), version int not null default 1);
                create table \(setup.schema).events (id int not null, payload jsonb, version int not null default 1);
                alter table \(setup.schema).events replica identity full;
                insert into \(setup.schema).customers (name) select 'seed-' || g from generate_series(1, \(seedRows)) g;
                """)
            return setup
        }

        func connector(_ harness: WorkerHarness, _ setup: Setup, overrides: [String: String] = [:]) throws -> String {
            var settings = [
                "name": setup.prefix, "topic.prefix": setup.prefix, "table.include.list": "\(setup.schema)\\..*",
                "slot.name": setup.slot,
                "publication.name": setup.publication, "snapshot.fetch.size": "200",
            ]
            for (key, value) in overrides { settings[key] = value }
            return try harness.connector(from: "postgres-cdc-source.json", overrides: settings)
        }

        func cleanUp(_ admin: PostgresConnection, _ setup: Setup) async throws {
            try await TestStack.eventually("slot \(setup.slot) released") {
                try await admin.query("select active from pg_replication_slots where slot_name = $1", [setup.slot]).value(
                    0, "active") != "t"
            }
            try await admin.query(
                "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1", [setup.slot])
            try await admin.execute("drop publication if exists \(setup.publication); drop schema \(setup.schema) cascade")
        }

        /// Change events of `topic` per key (`id`), in topic order: (op, version). Tombstones are skipped.
        func events(topic: String, expected: Int) async throws -> [Int64: [(op: String, version: Int64)]] {
            var byKey: [Int64: [(op: String, version: Int64)]] = [:]
            for message in try await WorkerHarness.readAll(topic: topic, expected: expected, timeout: .seconds(120)) {
                guard let valueBytes = message.value else { continue }
                let envelope = try JSONValue.parse(valueBytes)
                let op = envelope["op"]?.stringValue ?? "?"
                let row = op == "d" ? envelope["before"] : envelope["after"]
                guard let id = row?["id"]?.intValue else { continue }
                byKey[id, default: []].append((op, row?["version"]?.intValue ?? 0))
            }
            return byKey
        }

        /// Checks one table's events against its final rows: every final version is there, versions
        /// per key never go back and skip none from the first one seen, a deleted key ends with its
        /// delete. Returns the problems and the number of repeated events.
        func verify(
            _ byKey: [Int64: [(op: String, version: Int64)]], final: [Int64: Int64], ordered: Bool
        ) -> (problems: [String], duplicates: Int) {
            var problems: [String] = []
            var duplicates = 0
            for (id, events) in byKey {
                var seen = Set<String>()
                var lastVersion: Int64 = 0
                for event in events {
                    if !seen.insert("\(event.op)\(event.version)").inserted {
                        duplicates += 1
                        continue
                    }
                    if ordered && event.op != "d" && event.version < lastVersion {
                        problems.append("key \(id): version \(event.version) after \(lastVersion)")
                    }
                    lastVersion = max(lastVersion, event.version)
                }
                if let version = final[id] {
                    let versions = Set(events.filter { $0.op != "d" }.map(\.version))
                    // The snapshot may already see a later version; from there on none may be missing.
                    let first = versions.min() ?? version
                    if versions.max() != version || versions != Set(first...version) {
                        problems.append("key \(id): versions \(versions.sorted()), database has \(version)")
                    }
                } else if ordered && events.last?.op != "d" {
                    problems.append("key \(id): deleted in the database but its last event is \(events.last?.op ?? "-")")
                } else if !events.contains(where: { $0.op == "d" }) {
                    problems.append("key \(id): deleted in the database but no delete event")
                }
            }
            for id in final.keys where byKey[id] == nil { problems.append("key \(id): no events at all") }
            return (problems, duplicates)
        }

        @Test(
            "three tables, 100,000 changes in 1,000 transactions, a kill -9 and a Postgres restart: every change, in commit order per key"
        )
        func snapshotAndStream() async throws {
            let admin = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let setup = try await setUp(admin, seedRows: 500)
            try await admin.execute(
                """
                insert into \(setup.schema).orders (customer_id, amount, note) select g, g * 0.5, 'seed' from generate_series(1, 500) g;
                insert into \(setup.schema).events (id, payload) select g, jsonb_build_object('seed', g) from generate_series(1, 500) g;
                """)
            let harness = try WorkerHarness()
            // Schemaless JSON keeps 100,000 envelopes cheap to read back in a debug build.
            let file = try connector(
                harness, setup,
                overrides: [
                    "heartbeat.interval.ms": "0", "value.converter.schemas.enable": "false", "snapshot.fetch.size": "500",
                ])
            var worker = try harness.start([file])

            // Each transaction makes 100 changes over the three tables (events has no primary key and
            // REPLICA IDENTITY FULL). Returns the last transaction's id.
            func workload(_ database: PostgresConnection, _ batches: Range<Int>) async throws -> Int64 {
                var last: Int64 = 0
                for batch in batches {
                    let s = setup.schema
                    let result = try await database.query(
                        """
                        with c_ins as (insert into \(s).customers (name) select 'b\(batch)-' || g from generate_series(1, 20) g returning id),
                        c_upd as (update \(s).customers set version = version + 1, name = name || '+'
                                  where id between \(batch % 490 + 1) and \(batch % 490 + 10) returning id),
                        o_ins as (insert into \(s).orders (customer_id, amount, note)
                                  select g, g * 0.25, 'b\(batch)' from generate_series(1, 30) g returning id),
                        o_upd as (update \(s).orders set version = version + 1
                                  where id between \(batch % 485 + 1) and \(batch % 485 + 15) returning id),
                        e_ins as (insert into \(s).events (id, payload)
                                  select 1000000 + \(batch) * 100 + g, jsonb_build_object('b', \(batch)) from generate_series(1, 15) g returning id),
                        e_upd as (update \(s).events set version = version + 1, payload = payload || '{"u": 1}'
                                  where id between \(batch % 495 + 1) and \(batch % 495 + 5) returning id)
                        select txid_current() as tx, (select count(*) from c_ins) + (select count(*) from c_upd)
                          + (select count(*) from o_ins) + (select count(*) from o_upd) + (select count(*) from e_ins)
                          + (select count(*) from e_upd) as changes
                        """)
                    try await database.execute(
                        "delete from \(s).customers where id in (select id from \(s).customers where name like 'b\(batch)-%' order by id limit 5)"
                    )
                    last = Int64(result.value(0, "tx") ?? "0") ?? 0
                }
                return last
            }
            // The snapshot finishes and its last offset is durable before the changes start (a snapshot
            // resumed after the kill would read rows at their newest version ahead of older stream events).
            try await TestStack.eventually(timeout: .seconds(60), "streaming") { harness.logText.contains("streaming changes") }
            try await Task.sleep(for: .seconds(2))
            _ = try await workload(admin, 0..<400)
            // The connector lags the workload in a debug build: this kill lands mid-stream.
            worker.signal(SIGKILL)
            _ = await worker.wait()
            _ = try await workload(admin, 400..<700)
            worker = try harness.start([file])
            try await Task.sleep(for: .seconds(3))
            try await TestStack.script("stack-down", "postgres")
            try await TestStack.script("stack-up")
            let again = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let lastTransaction = try await workload(again, 700..<1000)
            try await TestStack.eventually(timeout: .seconds(300), "the offset of the last transaction is committed") {
                (harness.committedOffsetInFile(connector: setup.prefix, field: "txId") ?? 0) >= lastTransaction
            }
            worker.signal(SIGTERM)
            _ = await worker.wait()

            var problems: [String] = []
            var duplicates = 0
            var total = 0
            for (table, ordered) in [("customers", true), ("orders", true), ("events", false)] {
                let rows = try await again.query("select id, version from \(setup.schema).\(table)")
                let final = Dictionary(rows.rows.map { (Int64($0[0]!)!, Int64($0[1]!)!) }) { first, _ in first }
                let byKey = try await events(topic: "\(setup.prefix).\(setup.schema).\(table)", expected: 1)
                let result = verify(byKey, final: final, ordered: ordered)
                problems += result.problems.prefix(5).map { "\(table): \($0)" }
                // No events row is ever deleted: an update must stay an update, not a delete + create.
                if table == "events" && byKey.values.contains(where: { $0.contains { $0.op == "d" } }) {
                    problems.append("events: delete events for a table whose rows are only inserted and updated")
                }
                duplicates += result.duplicates
                total += byKey.values.map(\.count).reduce(0, +)
            }
            print("CDC: \(total) change events over three tables, \(duplicates) repeated after kill -9 + Postgres restart")
            #expect(total >= 100_000, "the workload made at least 100,000 changes besides the snapshot")
            #expect(problems.isEmpty, "\(problems)")
            try await cleanUp(again, setup)
        }

        func confirmedFlush(_ admin: PostgresConnection, slot: String) async throws -> LSN? {
            try await admin.query(
                "select confirmed_flush_lsn::text as lsn from pg_replication_slots where slot_name = $1", [slot]
            )
            .value(0, "lsn").flatMap(LSN.init)
        }

        @Test("the slot's confirmed_flush_lsn never passes the durable offset, even when Kafka already has the records (kill -9)")
        func flushWaitsForDurableOffsets() async throws {
            let admin = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let setup = try await setUp(admin, seedRows: 0)
            let harness = try WorkerHarness()
            // Offsets are committed only every 10 minutes: records reach Kafka, offsets never become durable.
            let base = try String(contentsOf: TestStack.root.appendingPathComponent("config/worker.properties"), encoding: .utf8)
            let workerConfig = harness.directory.appendingPathComponent("slow-offsets.properties").path
            try (base + "\noffset.flush.interval.ms=600000\n").write(toFile: workerConfig, atomically: true, encoding: .utf8)
            let file = try connector(harness, setup, overrides: ["snapshot.mode": "no_data", "heartbeat.interval.ms": "0"])
            let worker = try harness.start([file], workerConfig: workerConfig)
            try await TestStack.eventually(timeout: .seconds(30), "slot created") {
                try await confirmedFlush(admin, slot: setup.slot) != nil
            }
            let initial = try #require(try await confirmedFlush(admin, slot: setup.slot))
            for batch in 0..<20 {
                try await admin.execute(
                    "insert into \(setup.schema).customers (name) select 'x\(batch)-' || g from generate_series(1, 50) g")
            }
            let topic = "\(setup.prefix).\(setup.schema).customers"
            let acked = try await WorkerHarness.readAll(topic: topic, expected: 1000, timeout: .seconds(60))
            #expect(acked.count == 1000, "Kafka has acknowledged every change")
            try await Task.sleep(for: .seconds(12))  // several standby status updates go out meanwhile
            #expect(
                try await confirmedFlush(admin, slot: setup.slot) == initial, "no offset is durable, so the slot must not advance"
            )
            worker.signal(SIGKILL)
            _ = await worker.wait()
            #expect(harness.committedOffsetInFile(connector: setup.prefix, field: "lsn") == nil)

            // After a restart the unconfirmed changes are streamed again: nothing is lost.
            let again = try harness.start([file])
            try await TestStack.eventually(timeout: .seconds(60), "the slot advances once offsets are durable") {
                (try await confirmedFlush(admin, slot: setup.slot) ?? .zero) > initial
            }
            let all = try await WorkerHarness.readAll(topic: topic, expected: 2000, timeout: .seconds(60))
            again.signal(SIGTERM)
            _ = await again.wait()
            let ids = Set(all.compactMap { try? JSONValue.parse($0.value ?? [])["payload"]?["after"]?["id"]?.intValue })
            #expect(ids.count == 1000, "every change is there after the replay")
            try await cleanUp(admin, setup)
        }

        @Test("heartbeats advance restart_lsn while captured tables are idle and an uncaptured table is busy (not without)")
        func heartbeatsBoundWAL() async throws {
            let admin = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let busy = TestStack.unique("busy")
            try await admin.execute("create table \(busy) (id serial primary key, payload text)")
            func restartLSN(_ slot: String) async throws -> LSN? {
                try await admin.query("select restart_lsn::text as lsn from pg_replication_slots where slot_name = $1", [slot])
                    .value(0, "lsn").flatMap(LSN.init)
            }
            var advanced: [Bool] = []
            for heartbeat in ["1000", "0"] {
                let setup = try await setUp(admin, seedRows: 0)
                let harness = try WorkerHarness()
                let file = try connector(
                    harness, setup, overrides: ["snapshot.mode": "no_data", "heartbeat.interval.ms": heartbeat])
                let worker = try harness.start([file])
                try await TestStack.eventually(timeout: .seconds(30), "slot created") { try await restartLSN(setup.slot) != nil }
                try await Task.sleep(for: .seconds(2))
                let before = try #require(try await restartLSN(setup.slot))
                // About 20 s of load: Postgres logs a running-transactions record every 15 s, which is what
                // lets restart_lsn move once the client confirms past it.
                for round in 0..<40 {
                    try await admin.execute(
                        "insert into \(busy) (payload) select repeat('x', 200) from generate_series(1, 1000); select \(round)")
                    try await Task.sleep(for: .milliseconds(500))
                }
                let after = try #require(try await restartLSN(setup.slot))
                let flushed = try await confirmedFlush(admin, slot: setup.slot)
                print("heartbeat.interval.ms=\(heartbeat): confirmed_flush_lsn \(flushed.map(String.init(describing:)) ?? "-")")
                advanced.append(after > before)
                print("heartbeat.interval.ms=\(heartbeat): restart_lsn \(before) → \(after)")
                worker.signal(SIGTERM)
                _ = await worker.wait()
                try await cleanUp(admin, setup)
            }
            #expect(advanced == [true, false], "with heartbeats the slot advances; without, WAL is retained")
            try await admin.execute("drop table \(busy)")
        }
        @Test(
            "transaction metadata (BEGIN/END, per-event orders) and logical decoding messages stay consistent across a kill -9"
        )
        func transactionMetadataAndMessages() async throws {
            let admin = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let setup = try await setUp(admin, seedRows: 0)
            let harness = try WorkerHarness()
            let file = try connector(
                harness, setup,
                overrides: [
                    "snapshot.mode": "no_data", "provide.transaction.metadata": "true",
                    "message.prefix.exclude.list": "secret\\..*", "tombstones.on.delete": "false", "max.batch.size": "5",
                ])
            var worker = try harness.start([file])
            try await TestStack.eventually(timeout: .seconds(30), "streaming") { harness.logText.contains("streaming changes") }
            // 40 transactions of 20 customer and 10 order inserts, a transactional message each and an
            // excluded one; a non-transactional message after every tenth.
            func workload(_ batches: Range<Int>) async throws {
                for batch in batches {
                    try await admin.execute(
                        """
                        begin;
                        insert into \(setup.schema).customers (name) select 'tx\(batch)-' || g from generate_series(1, 20) g;
                        select pg_logical_emit_message(true, 'audit', 'tx-\(batch)');
                        insert into \(setup.schema).orders (customer_id, amount) select g, g from generate_series(1, 10) g;
                        select pg_logical_emit_message(true, 'secret.audit', 'hidden');
                        commit;
                        """)
                    if batch % 10 == 9 {
                        try await admin.execute("select pg_logical_emit_message(false, 'ping', 'ping-\(batch)')")
                    }
                }
            }
            // Kill the worker once its durable offset lies inside a transaction (small polls make that
            // likely), so the restart must restore the transaction context rather than start afresh.
            let load = Task { try await workload(0..<40) }
            let midTransaction = "transaction_data_collection_order_\(setup.schema).customers"
            var killedMidTransaction = false
            let killDeadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < killDeadline {
                if harness.committedOffsetInFile(connector: setup.prefix, field: midTransaction) != nil {
                    killedMidTransaction = true
                    break
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            worker.signal(SIGKILL)
            _ = await worker.wait()
            try await load.value
            #expect(killedMidTransaction, "the durable offset was inside a transaction at the kill")
            worker = try harness.start([file])

            func payloads(_ topic: String, _ expected: Int) async throws -> [JSONValue] {
                try await WorkerHarness.readAll(topic: topic, expected: expected, timeout: .seconds(90)).compactMap {
                    try $0.value.map { try JSONValue.parse($0)["payload"] ?? .null }
                }
            }
            var transactions: [JSONValue] = []
            try await TestStack.eventually(timeout: .seconds(120), "an END for each of the 40 transactions") {
                transactions = try await payloads("\(setup.prefix).transaction", 80)
                return Set(transactions.filter { $0["status"]?.stringValue == "END" }.compactMap { $0["id"]?.stringValue }).count
                    == 40
            }
            let customers = try await payloads("\(setup.prefix).\(setup.schema).customers", 800)
            let orders = try await payloads("\(setup.prefix).\(setup.schema).orders", 400)
            let messages = try await payloads("\(setup.prefix).message", 44)
            worker.signal(SIGTERM)
            _ = await worker.wait()

            var problems: [String] = []
            let begins = Set(transactions.filter { $0["status"]?.stringValue == "BEGIN" }.compactMap { $0["id"]?.stringValue })
            var ends: [String: JSONValue] = [:]
            for end in transactions where end["status"]?.stringValue == "END" { ends[end["id"]?.stringValue ?? "?"] = end }
            if begins != Set(ends.keys) { problems.append("BEGIN ids \(begins.count) ≠ END ids \(ends.count)") }
            let expectedCollections = ["\(setup.schema).customers": Int64(20), "\(setup.schema).orders": 10]
            for (id, end) in ends {
                if end["event_count"]?.intValue != 30 { problems.append("\(id): event_count \(end["event_count"] ?? .null)") }
                var collections: [String: Int64] = [:]
                for entry in end["data_collections"]?.arrayValue ?? [] {
                    collections[entry["data_collection"]?.stringValue ?? "?"] = entry["event_count"]?.intValue
                }
                if collections != expectedCollections { problems.append("\(id): data_collections \(collections)") }
            }
            // A replayed event must carry the same orders as the first time it was sent.
            var byOrder: [String: String] = [:]
            var totals: [String: Set<Int64>] = [:]
            for (table, events) in [("customers", customers), ("orders", orders)] {
                for event in events {
                    guard let block = event["transaction"], let id = block["id"]?.stringValue,
                        let total = block["total_order"]?.intValue, let inTable = block["data_collection_order"]?.intValue
                    else {
                        problems.append("\(table) event without a transaction block")
                        continue
                    }
                    let row = "\(table)#\(event["after"]?["id"]?.intValue ?? -1)#\(inTable)"
                    if let seen = byOrder["\(id)/\(total)"], seen != row {
                        problems.append("\(id) total_order \(total): \(seen) and \(row)")
                    }
                    byOrder["\(id)/\(total)"] = row
                    totals[id, default: []].insert(total)
                }
            }
            for (id, orders) in totals where orders != Set(1...30) {
                problems.append("\(id): total_order \(orders.sorted().prefix(5))… (\(orders.count))")
            }
            if Set(totals.keys) != Set(ends.keys) { problems.append("data events name \(totals.count) transactions") }

            func decoded(_ message: JSONValue) -> String {
                String(decoding: Data(base64Encoded: message["message"]?["content"]?.stringValue ?? "") ?? Data(), as: UTF8.self)
            }
            let audits = messages.filter { $0["message"]?["prefix"]?.stringValue == "audit" }
            let pings = messages.filter { $0["message"]?["prefix"]?.stringValue == "ping" }
            #expect(Set(audits.map(decoded)) == Set((0..<40).map { "tx-\($0)" }), "every transactional message")
            #expect(audits.allSatisfy { $0["op"]?.stringValue == "m" && $0["source"]?["txId"]?.intValue != nil })
            #expect(Set(pings.map(decoded)) == ["ping-9", "ping-19", "ping-29", "ping-39"], "every non-transactional message")
            #expect(pings.allSatisfy { $0["source"]?["txId"] == nil || $0["source"]?["txId"] == .null })
            #expect(!messages.contains { $0["message"]?["prefix"]?.stringValue?.hasPrefix("secret") == true }, "excluded prefix")
            #expect(ends.count == 40)
            #expect(problems.isEmpty, "\(problems.prefix(10))")
            print(
                "CDC transaction metadata: \(transactions.count) BEGIN/END events, \(customers.count + orders.count) data events, \(messages.count) messages after a kill -9"
            )
            try await cleanUp(admin, setup)
        }

        @Test("every mapped type, and a NULL of each, comes out as Debezium writes it, from the snapshot and from the stream")
        func typesAsDebezium() async throws {
            let admin = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let setup = try await setUp(admin, seedRows: 0)
            let table = "\(setup.schema).types"
            try await admin.execute(
                """
                create type \(setup.schema).mood as enum ('sad', 'ok', 'happy');
                create table \(table) (
                  id int primary key, c_int2 smallint, c_int4 int, c_int8 bigint, c_num numeric(10,2), c_numu numeric,
                  c_f4 real, c_f8 double precision, c_bool boolean, c_text text, c_varchar varchar(10), c_char char(3),
                  c_bytea bytea, c_date date, c_time time, c_timetz timetz, c_ts timestamp, c_tstz timestamptz,
                  c_interval interval, c_uuid uuid, c_json json, c_jsonb jsonb, c_enum \(setup.schema).mood, c_inet inet,
                  c_cidr cidr, c_int_arr int[], c_text_arr text[], c_date_arr date[], c_enum_arr \(setup.schema).mood[]);
                """)
            func insert(_ id: Int) async throws {
                try await admin.execute(
                    """
                    insert into \(table) values (\(id), -12, 123456, 9007199254740993, 12.34, 3.14159, 1.5, -2.25e10, true,
                      'héllo', 'abc', 'ab', '\\x00ff10', '2024-02-29', '13:45:30.123456', '13:45:30.5+02',
                      '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05.5+01', '1 year 2 mons 3 days 04:05:06.5',
                      'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": 1, "a": [1, 2]}', 'happy',
                      '192.168.0.1/24', '10.0.0.0/8', '{1,NULL,3}', '{"a b",c}', '{2024-02-29,1970-01-01}', '{sad,happy}');
                    insert into \(table) (id) values (\(id + 1));
                    """)
            }
            try await insert(1)  // read by the snapshot
            let harness = try WorkerHarness()
            let file = try connector(harness, setup, overrides: ["table.include.list": "\(setup.schema)\\.types"])
            let worker = try harness.start([file])
            try await TestStack.eventually(timeout: .seconds(60), "streaming") { harness.logText.contains("streaming changes") }
            try await insert(3)  // streamed
            let messages = try await WorkerHarness.readAll(topic: "\(setup.prefix).\(table)", expected: 4, timeout: .seconds(60))
            worker.signal(SIGTERM)
            _ = await worker.wait()

            var rows: [Int64: (op: String, after: JSONValue)] = [:]
            var fieldSchemas: [String: JSONValue] = [:]
            for message in messages {
                let envelope = try JSONValue.parse(message.value ?? [])
                guard let payload = envelope["payload"], let after = payload["after"], let id = after["id"]?.intValue else {
                    continue
                }
                rows[id] = (payload["op"]?.stringValue ?? "?", after)
                let afterSchema = envelope["schema"]?["fields"]?.arrayValue?.first { $0["field"]?.stringValue == "after" }
                for field in afterSchema?["fields"]?.arrayValue ?? [] { fieldSchemas[field["field"]?.stringValue ?? ""] = field }
            }
            #expect(rows.keys.sorted() == [1, 2, 3, 4])
            #expect(rows[1]?.op == "r" && rows[3]?.op == "c")

            let expected: [String: JSONValue] = [
                "c_int2": -12, "c_int4": 123456, "c_int8": .int(9_007_199_254_740_993),
                "c_num": "BNI=",  // Decimal: unscaled 1234, big-endian bytes
                "c_numu": ["scale": 5, "value": "BMsv"],  // VariableScaleDecimal: 314159
                "c_f4": 1.5, "c_f8": -2.25e10, "c_bool": true, "c_text": "héllo", "c_varchar": "abc", "c_char": "ab ",
                "c_bytea": "AP8Q", "c_date": 19782, "c_time": .int(49_530_123_456), "c_timetz": "11:45:30.5Z",
                "c_ts": .int(1_704_164_645_123_456), "c_tstz": "2024-01-02T02:04:05.500000Z",
                "c_interval": .int(37_091_106_500_000), "c_uuid": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
                "c_json": #"{"a": [1, 2]}"#, "c_jsonb": #"{"a": [1, 2], "b": 1}"#, "c_enum": "happy",
                "c_inet": "192.168.0.1/24", "c_cidr": "10.0.0.0/8", "c_int_arr": [1, nil, 3], "c_text_arr": ["a b", "c"],
                "c_date_arr": [19782, 0], "c_enum_arr": ["sad", "happy"],
            ]
            let schemaNames: [String: String] = [
                "c_num": "org.apache.kafka.connect.data.Decimal", "c_numu": "io.debezium.data.VariableScaleDecimal",
                "c_date": "io.debezium.time.Date", "c_time": "io.debezium.time.MicroTime",
                "c_timetz": "io.debezium.time.ZonedTime", "c_ts": "io.debezium.time.MicroTimestamp",
                "c_tstz": "io.debezium.time.ZonedTimestamp", "c_interval": "io.debezium.time.MicroDuration",
                "c_uuid": "io.debezium.data.Uuid", "c_json": "io.debezium.data.Json", "c_jsonb": "io.debezium.data.Json",
                "c_enum": "io.debezium.data.Enum",
            ]
            var problems: [String] = []
            for id: Int64 in [1, 3] {
                for (column, value) in expected where rows[id]?.after[column] != value {
                    problems.append("row \(id) \(column): \(rows[id]?.after[column] ?? .null), expected \(value)")
                }
            }
            for id: Int64 in [2, 4] {
                for column in expected.keys where rows[id]?.after[column] != .null {
                    problems.append("row \(id) \(column): \(rows[id]?.after[column] ?? .null), expected null")
                }
            }
            for (column, name) in schemaNames where fieldSchemas[column]?["name"]?.stringValue != name {
                problems.append("\(column) schema \(fieldSchemas[column]?["name"] ?? .null), expected \(name)")
            }
            #expect(fieldSchemas["c_enum"]?["parameters"]?["allowed"]?.stringValue == "sad,ok,happy")
            #expect(fieldSchemas["c_enum_arr"]?["items"]?["name"]?.stringValue == "io.debezium.data.Enum")
            #expect(fieldSchemas["c_num"]?["parameters"]?["scale"]?.stringValue == "2")
            #expect(fieldSchemas["c_int8"]?["type"]?.stringValue == "int64")
            #expect(fieldSchemas["c_f4"]?["type"]?.stringValue == "float")
            // Debezium's envelope and key schema names.
            let topic = "\(setup.prefix).\(table)"
            let envelope = try JSONValue.parse(try #require(messages.first?.value))
            #expect(envelope["schema"]?["name"]?.stringValue == "\(topic).Envelope")
            #expect(envelope["payload"]?["source"]?["connector"]?.stringValue == "postgresql")
            #expect(envelope["payload"]?["source"]?["table"]?.stringValue == "types")
            #expect(try JSONValue.parse(messages.first?.key ?? [])["schema"]?["name"]?.stringValue == "\(topic).Key")
            #expect(problems.isEmpty, "\(problems)")
            try await cleanUp(admin, setup)
        }

        @Test(
            "stream semantics: replica identities, unchanged TOAST, key change, schema change mid-stream, truncate, column filter"
        )
        func streamSemantics() async throws {
            let admin = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let setup = try await setUp(admin, seedRows: 0)
            let s = setup.schema
            try await admin.execute(
                """
                create table \(s).rid_default (id int primary key, v text, big text);
                alter table \(s).rid_default alter column big set storage external;
                create table \(s).rid_full (id int primary key, v text, secret text);
                alter table \(s).rid_full replica identity full;
                create table \(s).rid_index (id int not null, code text not null, v text);
                create unique index rid_index_code on \(s).rid_index (code);
                alter table \(s).rid_index replica identity using index rid_index_code;
                create table \(s).rid_nothing (id int primary key, v text);
                alter table \(s).rid_nothing replica identity nothing;
                """)
            // One partition per topic, so the order read back is the order emitted.
            let kafka = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: logger)
            for table in ["rid_default", "rid_full", "rid_index", "rid_nothing"] {
                try await kafka.createTopic(KafkaTopicSpec(name: "\(setup.prefix).\(s).\(table)", partitions: 1))
            }
            let harness = try WorkerHarness()
            let file = try connector(
                harness, setup,
                overrides: [
                    "table.include.list": "\(s)\\.rid_.*", "snapshot.mode": "no_data", "skipped.operations": "none",
                    "column.exclude.list": "\(s)\\.rid_full\\.secret",
                ])
            let worker = try harness.start([file])
            try await TestStack.eventually(timeout: .seconds(60), "streaming") { harness.logText.contains("streaming changes") }
            for statement in [
                "insert into \(s).rid_default values (1, 'a', (select string_agg(md5(g::text), '') from generate_series(1, 400) g))",
                "update \(s).rid_default set v = 'b' where id = 1",
                "update \(s).rid_default set id = 100 where id = 1",
                "delete from \(s).rid_default where id = 100",
                "insert into \(s).rid_full values (1, 'a', 's1')", "update \(s).rid_full set v = 'b' where id = 1",
                "insert into \(s).rid_index values (1, 'c1', 'a')", "update \(s).rid_index set v = 'b' where id = 1",
                "update \(s).rid_index set code = 'c2' where id = 1", "delete from \(s).rid_index where id = 1",
                "insert into \(s).rid_nothing values (1, 'a')",
                "alter table \(s).rid_full add column extra int default 7", "insert into \(s).rid_full (id, v) values (2, 'x')",
                "alter table \(s).rid_full drop column v", "insert into \(s).rid_full (id) values (3)",
                "truncate \(s).rid_nothing",
            ] {
                try await admin.execute(statement)
            }
            struct Event {
                var key: JSONValue?
                var op: String?
                var before: JSONValue?
                var after: JSONValue?
                var afterFields: [String]
            }
            func read(_ table: String, _ expected: Int) async throws -> [Event] {
                try await WorkerHarness.readAll(topic: "\(setup.prefix).\(s).\(table)", expected: expected, timeout: .seconds(60))
                    .map { message in
                        let key = try message.key.map { try JSONValue.parse($0)["payload"] ?? .null }
                        guard let bytes = message.value else {
                            return Event(key: key, op: nil, before: nil, after: nil, afterFields: [])
                        }
                        let envelope = try JSONValue.parse(bytes)
                        let payload = envelope["payload"]
                        let afterSchema = envelope["schema"]?["fields"]?.arrayValue?.first { $0["field"]?.stringValue == "after" }
                        return Event(
                            key: key, op: payload?["op"]?.stringValue, before: payload?["before"], after: payload?["after"],
                            afterFields: afterSchema?["fields"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
                    }
            }
            let placeholder = JSONValue.string("__debezium_unavailable_value")
            // DEFAULT: no old row on a plain update; the unchanged TOAST value is the placeholder; a key
            // change is delete + tombstone + create; a delete's before holds the key.
            let defaults = try await read("rid_default", 7)
            try #require(defaults.count == 7, "\(defaults.map { $0.op ?? "tombstone" })")
            #expect(defaults.map { $0.op ?? "tombstone" } == ["c", "u", "d", "tombstone", "c", "d", "tombstone"])
            #expect(defaults[1].before == .null && defaults[1].after?["v"] == "b" && defaults[1].after?["big"] == placeholder)
            #expect(defaults[0].after?["big"]?.stringValue?.count == 12_800)
            #expect(defaults[2].key?["id"] == 1 && defaults[2].before?["id"] == 1 && defaults[3].key?["id"] == 1)
            #expect(defaults[4].key?["id"] == 100 && defaults[4].after?["v"] == "b")
            #expect(defaults[5].before?["id"] == 100 && defaults[5].before?["v"] == .null)
            // FULL: the whole old row, minus excluded columns; schema changes show in later events.
            let full = try await read("rid_full", 4)
            try #require(full.count == 4, "\(full.map(\.op))")
            #expect(full.map(\.op) == ["c", "u", "c", "c"])
            #expect(full[1].before?["v"] == "a" && full[1].before?["id"] == 1 && full[1].after?["v"] == "b")
            #expect(full.allSatisfy { $0.after?["secret"] == nil && !$0.afterFields.contains("secret") }, "secret excluded")
            #expect(full[2].after?["extra"] == 7 && full[2].afterFields == ["id", "v", "extra"])
            #expect(full[3].afterFields == ["id", "extra"] && full[3].after?["v"] == nil)
            // INDEX: no primary key, so a null key (and no tombstone); the old row (index columns) only
            // when they change.
            let index = try await read("rid_index", 4)
            try #require(index.count == 4, "\(index.map(\.op))")
            #expect(index.map(\.op) == ["c", "u", "u", "d"])
            #expect(index.allSatisfy { $0.key == nil || $0.key == .null })
            #expect(index[1].before == .null)
            #expect(index[2].before?["code"] == "c1" && index[2].after?["code"] == "c2")
            #expect(index[3].before?["code"] == "c2")
            // NOTHING (Postgres refuses its updates and deletes under this publication); TRUNCATE is an
            // op=t event when not skipped.
            let nothing = try await read("rid_nothing", 2)
            try #require(nothing.count == 2, "\(nothing.map(\.op))")
            #expect(nothing.map(\.op) == ["c", "t"])
            #expect(nothing[1].before == .null && nothing[1].after == .null)
            worker.signal(SIGTERM)
            _ = await worker.wait()
            try await cleanUp(admin, setup)
        }

        @Test("a 200,000-row snapshot interrupted halfway resumes from its last chunk, not from zero")
        func snapshotResumes() async throws {
            let admin = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let setup = try await setUp(admin, seedRows: 0)
            try await admin.execute(
                "insert into \(setup.schema).orders (customer_id, amount, note) select g % 1000, g * 0.01, 'row ' || g from generate_series(1, 200000) g"
            )
            let harness = try WorkerHarness()
            let file = try connector(
                harness, setup, overrides: ["snapshot.fetch.size": "5000", "table.include.list": "\(setup.schema)\\.orders"])
            let first = try harness.start([file])
            try await TestStack.eventually(timeout: .seconds(120), "half of the snapshot is committed") {
                (harness.committedOffsetInFile(connector: setup.prefix, field: "rows") ?? 0) >= 100_000
            }
            first.signal(SIGKILL)
            _ = await first.wait()
            let committedRows = try #require(harness.committedOffsetInFile(connector: setup.prefix, field: "rows"))
            #expect(committedRows < 200_000, "killed mid-snapshot")

            let second = try harness.start([file])
            let topic = "\(setup.prefix).\(setup.schema).orders"
            try await TestStack.eventually(timeout: .seconds(180), "the resumed snapshot finishes and streaming starts") {
                harness.logText.contains("streaming changes")
            }
            var reads = 0
            var ids = Set<Int64>()
            // 200,000 envelopes with schemas: scan the bytes instead of parsing every message in a debug build.
            let afterID = Array(#""after":{"id":"#.utf8)
            let snapshotRead = Array(#""op":"r""#.utf8)
            for message in try await WorkerHarness.readAll(topic: topic, expected: 200_000, timeout: .seconds(120)) {
                guard let value = message.value, value.firstRange(of: snapshotRead) != nil,
                    let range = value.firstRange(of: afterID)
                else {
                    continue
                }
                let digits = value[range.upperBound...].prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                guard let id = Int64(String(decoding: digits, as: UTF8.self)) else { continue }
                reads += 1
                ids.insert(id)
            }
            #expect(ids.count == 200_000, "every row was read")
            second.signal(SIGTERM)
            _ = await second.wait()
            let reread = reads - 200_000
            print(
                "CDC snapshot resume: committed \(committedRows) rows before kill -9; \(reads) snapshot events in total, \(reread) read twice"
            )
            // Starting over would re-read at least the committed rows; resuming re-reads only the
            // chunks emitted after the last offset commit.
            #expect(reread >= 0)
            #expect(reread < Int(committedRows), "the resumed snapshot did not start over")
            try await cleanUp(admin, setup)
        }
    }
}
