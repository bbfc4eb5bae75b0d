import Foundation
import Glibc
import SluiceConnectSDK
import SluiceKafka
import SluicePostgres
import SluiceRuntime
import Testing

extension Integration {
    /// Issue 7's end-to-end acceptance: a CDC connector checkpoints to a Kafka location, its
    /// checkpoints move to a Postgres location and back with proof, and the rows add up.
    @Suite("Sovereign checkpointing end to end (CDC)")
    struct SovereignCDCTests {
        let logger = TestStack.logger("sovereign-cdc")

        func sluice(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
            let binary = TestStack.root.appendingPathComponent(".build/debug/sluice").path
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID().uuidString).log").path
            defer { try? FileManager.default.removeItem(atPath: log) }
            let status = try await ChildProcess.spawn(binary, arguments, environment: environment, output: log).wait()
            return ((status >> 8) & 0xff, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        }

        @Test(
            "CDC checkpoints Kafka location → Postgres location → rollback: identical offsets at each switch, every change delivered"
        )
        func migrateWhileFlowing() async throws {
            let fixture = try await ResidencyFixture.make()
            try await fixture.setRegion("eu-central-1")
            let admin = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            let id = UInt32.random(in: 0...UInt32.max)
            let schema = "sovcdc_\(id)"
            try await admin.execute(
                """
                create schema \(schema);
                create table \(schema).customers (id serial primary key, name text not null, version int not null default 1);
                insert into \(schema).customers (name) select 'seed-' || g from generate_series(1, 50) g;
                """)
            let harness = try WorkerHarness()
            // Plugins as scripts/build-plugins stages them.
            let plugins = harness.directory.appendingPathComponent("plugins").path
            try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
            for name in ["libSluicePostgresCDCConnector.so"] {
                try FileManager.default.createSymbolicLink(
                    atPath: plugins + "/" + name,
                    withDestinationPath: TestStack.root.appendingPathComponent(".build/debug/\(name)").path)
            }
            let connectorFile = try harness.connector(
                from: "postgres-cdc-source.json",
                overrides: [
                    "name": "sov\(id)", "topic.prefix": "sov\(id)", "table.include.list": "\(schema)\\..*",
                    "slot.name": "sovslot_\(id)",
                    "publication.name": "sovpub_\(id)", "heartbeat.interval.ms": "1000",
                ])
            let policy = harness.directory.appendingPathComponent("policy.json").path
            try #"{"mode": "enforce", "default": {"allowedRegions": ["eu-central-1"], "minimumLevel": "verified"}}"#
                .write(toFile: policy, atomically: true, encoding: .utf8)
            var lines = try String(contentsOf: TestStack.root.appendingPathComponent("config/worker.properties"), encoding: .utf8)
            lines += """

                locations.kafka-eu.kind=kafka
                locations.kafka-eu.region=eu-central-1
                locations.kafka-eu.cluster.id=${env:SLUICE_KAFKA_CLUSTER_ID}
                locations.kafka-eu.topic=sov-offsets-\(id)
                locations.kafka-eu.topic.partitions=3
                locations.pg-eu.kind=postgres
                locations.pg-eu.region=eu-central-1
                locations.pg-eu.host=${env:SLUICE_PG_HOST}
                locations.pg-eu.port=${env:SLUICE_PG_PORT}
                locations.pg-eu.user=${env:SLUICE_PG_USER}
                locations.pg-eu.password=${env:SLUICE_PG_PASSWORD}
                locations.pg-eu.dbname=\(fixture.database)
                locations.pg-eu.sslmode=disable
                state.source-offsets.location=kafka-eu
                residency.policy.file=\(policy)
                residency.verification.ttl.ms=2000

                """
            let workerConfig = harness.directory.appendingPathComponent("worker.properties").path
            try lines.write(toFile: workerConfig, atomically: true, encoding: .utf8)
            let environment = ["SLUICE_PLUGIN_PATH": plugins, "SLUICE_DATA_DIR": harness.directory.path]
            let topic = "sov\(id).\(schema).customers"

            func workload(_ batches: Range<Int>) async throws {
                for batch in batches {
                    try await admin.execute(
                        """
                        begin;
                        insert into \(schema).customers (name) select 'live-\(batch)-' || g from generate_series(1, 5) g;
                        update \(schema).customers set version = version + 1 where id % 7 = \(batch % 7);
                        commit;
                        """)
                }
            }
            func delivered() async throws -> Bool {
                let expected = try await admin.query("select id, version from \(schema).customers")
                var seen: [String: Set<Int64>] = [:]
                for message in try await WorkerHarness.readAll(topic: topic, expected: expected.rows.count, timeout: .seconds(20))
                {
                    guard let value = message.value, let after = try JSONValue.parse(value)["payload"]?["after"] else { continue }
                    if let key = after["id"]?.intValue, let version = after["version"]?.intValue {
                        seen["\(key)", default: []].insert(version)
                    }
                }
                return expected.rows.allSatisfy { seen[$0[0]!]?.contains(Int64($0[1]!)!) == true }
            }
            func run(_ batches: Range<Int>) async throws {
                let worker = try harness.start([connectorFile], workerConfig: workerConfig, extraEnvironment: environment)
                try await workload(batches)
                try await TestStack.eventually(timeout: .seconds(120), "every row version in \(topic)") { try await delivered() }
                try await Task.sleep(for: .seconds(3))  // a flush interval and a heartbeat: offsets committed
                worker.signal(SIGTERM)
                #expect(await worker.wait() == 0, "\(harness.logText.suffix(2000))")
            }
            func migrate(_ arguments: [String]) async throws -> JSONValue {
                let result = try await sluice(
                    [
                        "checkpoints", "migrate", "--worker-config", workerConfig, "--connector-config", connectorFile,
                        "--output", "json",
                    ]
                        + arguments, environment: environment)
                #expect(result.status == 0, "\(result.output)")
                return try JSONValue.parse(result.output.split(separator: "\n").last.map(String.init) ?? "null")
            }

            try await run(0..<10)
            let toPostgres = try await migrate(["--to", "pg-eu"])
            #expect(toPostgres["offsetsIdentical"]?.boolValue == true)
            #expect(toPostgres["switched"]?.boolValue == true)
            #expect((toPostgres["partitions"]?.arrayValue?.count ?? 0) >= 1)
            let migrated = toPostgres["sourceEntries"]?.intValue ?? 0

            try await run(10..<20)
            let pg = try await PostgresCheckpointStore(
                configuration: try fixture.postgresLocation.postgresConfiguration(), schema: "sluice", table: "checkpoints",
                location: .init(name: "pg-eu", kind: "postgres"), logger: logger)
            let pgHistory = try await pg.history(connector: "sov\(id)")
            #expect(pgHistory.count > Int(migrated), "the resumed connector committed to the Postgres location")
            #expect(CheckpointChain.verify(pgHistory).isIntact)
            #expect(harness.logText.contains("residency decision"))

            let back = try await migrate(["--rollback"])
            #expect(back["offsetsIdentical"]?.boolValue == true)
            #expect(back["to"]?.stringValue == "kafka-eu")
            #expect((back["copiedEntries"]?.intValue ?? 0) > 0)
            try await run(20..<25)

            // Every change exactly once: the stops were graceful, so nothing is replayed across the switches.
            var counts: [String: Int] = [:]
            for message in try await WorkerHarness.readAll(topic: topic, expected: 1, timeout: .seconds(20)) {
                guard let value = message.value, let payload = try JSONValue.parse(value)["payload"],
                    let after = payload["after"], let key = after["id"]?.intValue, let version = after["version"]?.intValue
                else { continue }
                counts["\(key)/\(version)", default: 0] += 1
            }
            let duplicates = counts.values.filter { $0 > 1 }.count
            print("sovereign CDC: \(counts.count) row versions, \(duplicates) duplicated across two checkpoint migrations")
            #expect(duplicates == 0)

            try await TestStack.eventually("slot released") {
                try await admin.query("select active from pg_replication_slots where slot_name = $1", ["sovslot_\(id)"]).value(
                    0, "active") != "t"
            }
            try await admin.query(
                "select pg_drop_replication_slot(slot_name) from pg_replication_slots where slot_name = $1", ["sovslot_\(id)"])
            try await admin.execute("drop publication if exists sovpub_\(id); drop schema \(schema) cascade")
            try await fixture.tearDown()
        }
    }
}
