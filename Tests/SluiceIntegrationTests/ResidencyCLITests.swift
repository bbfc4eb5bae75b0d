import Foundation
import SluiceConnectSDK
import SluicePostgres
import SluiceRuntime
import Testing

extension Integration {
    /// The `sluice residency` and `sluice checkpoints` commands, run as the built binary.
    @Suite("Residency and checkpoint CLI")
    struct ResidencyCLITests {
        let logger = TestStack.logger("residency-cli")

        struct Run {
            var status: Int32
            var output: String
        }

        func sluice(_ arguments: [String]) async throws -> Run {
            let binary = TestStack.root.appendingPathComponent(".build/debug/sluice").path
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID().uuidString).log").path
            defer { try? FileManager.default.removeItem(atPath: log) }
            let status = try await ChildProcess.spawn(binary, arguments, output: log).wait()
            let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return Run(status: (status >> 8) & 0xff, output: output)
        }

        /// A worker config with locations on the fixture's database and bucket; secrets as placeholders.
        func workerConfig(_ fixture: ResidencyFixture, directory: URL, extra: [String] = []) throws -> String {
            let lines =
                [
                    "bootstrap.servers=${env:SLUICE_KAFKA_BOOTSTRAP}",
                    "offset.storage.file.filename=\(directory.path)/standalone.offsets",
                    "locations.kafka-eu.kind=kafka", "locations.kafka-eu.region=eu-central-1",
                    "locations.kafka-eu.cluster.id=${env:SLUICE_KAFKA_CLUSTER_ID}", "locations.kafka-eu.topic=unused",
                    "locations.pg-eu.kind=postgres", "locations.pg-eu.region=eu-central-1",
                    "locations.pg-eu.host=${env:SLUICE_PG_HOST}", "locations.pg-eu.port=${env:SLUICE_PG_PORT}",
                    "locations.pg-eu.user=${env:SLUICE_PG_USER}", "locations.pg-eu.password=${env:SLUICE_PG_PASSWORD}",
                    "locations.pg-eu.dbname=\(fixture.database)", "locations.pg-eu.sslmode=disable",
                    "locations.pg-eu.schema=sluice_state", "locations.pg-eu.table=checkpoints",
                    "locations.s3-eu.kind=s3", "locations.s3-eu.region=eu-central-1",
                    "locations.s3-eu.endpoint=${env:SLUICE_S3_ENDPOINT}", "locations.s3-eu.bucket=\(fixture.bucket)",
                    "locations.s3-eu.access.key=${env:SLUICE_S3_ACCESS_KEY}",
                    "locations.s3-eu.secret.key=${env:SLUICE_S3_SECRET_KEY}",
                    "locations.disk-us.kind=file", "locations.disk-us.region=us-east-1",
                    "locations.disk-us.path=\(directory.path)/us.offsets",
                    "state.records.location=kafka-eu", "state.source-offsets.location=pg-eu",
                    "state.sink-checkpoints.location=s3-eu",
                    "residency.policy.file=\(directory.path)/policy.json",
                ] + extra
            let path = directory.appendingPathComponent("worker-\(UUID().uuidString).properties").path
            try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }

        func temporaryDirectory() throws -> URL {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try #"{"mode": "enforce", "default": {"allowedRegions": ["eu-central-1"], "minimumLevel": "attested"}}"#
                .write(to: directory.appendingPathComponent("policy.json"), atomically: true, encoding: .utf8)
            return directory
        }

        @Test("validate: exit 1 with every violation, 0 once the operator labels pass, 2 when a location cannot be checked")
        func validateExitCodes() async throws {
            let fixture = try await ResidencyFixture.make()
            let directory = try temporaryDirectory()
            let worker = try workerConfig(fixture, directory: directory)
            let policy = directory.appendingPathComponent("policy.json").path

            let failing = try await sluice(["residency", "validate", "--worker-config", worker, "--policy", policy])
            #expect(failing.status == 1, "\(failing.output)")
            #expect(failing.output.contains("state class source-offsets at location pg-eu"))
            #expect(failing.output.contains("state class sink-checkpoints at location s3-eu"))
            #expect(failing.output.contains("verification level found declared is below the required attested"))
            #expect(!failing.output.contains(try TestStack.value("SLUICE_S3_SECRET_KEY")))
            #expect(!failing.output.contains(try TestStack.value("SLUICE_PG_PASSWORD")))

            try await fixture.setRegion("eu-central-1")
            try await fixture.tag(["residency": "eu-central-1"])
            let passing = try await sluice([
                "residency", "validate", "--worker-config", worker, "--policy", policy, "--output", "json",
            ])
            #expect(passing.status == 0, "\(passing.output)")
            let json = try JSONValue.parse(passing.output.split(separator: "\n").last.map(String.init) ?? "")
            #expect(json["result"]?.stringValue == "pass")
            #expect(json["decisions"]?.arrayValue?.count == 3)

            let strict = TestStack.root.appendingPathComponent("config/residency-policy-strict-us.json").path
            let wrong = try await sluice(["residency", "validate", "--worker-config", worker, "--policy", strict])
            #expect(wrong.status == 1)
            #expect(wrong.output.contains("FAIL: 3 violation(s)"))
            #expect(wrong.output.contains("region found eu-central-1 is not in the allowed regions us-east-1"))

            let unreachable = try workerConfig(
                fixture, directory: directory, extra: ["locations.s3-eu.endpoint=http://127.0.0.1:1"])
            let unknown = try await sluice(["residency", "validate", "--worker-config", unreachable, "--policy", policy])
            #expect(unknown.status == 2, "\(unknown.output)")
            #expect(unknown.output.contains("could not be checked"))

            let typo = try workerConfig(fixture, directory: directory, extra: ["state.status.location=nowhere"])
            let refused = try await sluice(["residency", "validate", "--worker-config", typo, "--policy", policy])
            #expect(refused.status == 2)
            #expect(refused.output.contains("known locations: disk-us, kafka-eu, pg-eu, s3-eu"))
            try await fixture.tearDown()
        }

        @Test(
            "checkpoints: a hand-edited Postgres row fails verify naming the entry; export/import keep the chain; migrate and roll back with proof; a US target is refused"
        )
        func checkpoints() async throws {
            let fixture = try await ResidencyFixture.make()
            try await fixture.setRegion("eu-central-1")
            try await fixture.tag(["residency": "eu-central-1"])
            let directory = try temporaryDirectory()
            let worker = try workerConfig(fixture, directory: directory)
            let store = try await PostgresCheckpointStore(
                configuration: try fixture.postgresLocation.postgresConfiguration(), schema: "sluice_state", table: "checkpoints",
                location: .init(name: "pg-eu", kind: "postgres", region: "eu-central-1"), logger: logger)
            for index in 1...5 {
                try await store.commit(
                    connector: "cdc", offsets: [(["table": .string("t\(index % 2)")], ["lsn": .int(Int64(index * 10))])],
                    provenance: .init(workerID: "w", taskID: 0))
            }
            let intact = try await sluice(["checkpoints", "verify", "--worker-config", worker, "--connector", "cdc"])
            #expect(intact.status == 0, "\(intact.output)")
            #expect(intact.output.contains("INTACT"))

            // Export → import into S3 → verify the file and the copy.
            let file = directory.appendingPathComponent("cdc.json").path
            let export = try await sluice([
                "checkpoints", "export", "--worker-config", worker, "--connector", "cdc", "--out", file,
            ])
            #expect(export.status == 0, "\(export.output)")
            #expect(try await sluice(["checkpoints", "verify", "--file", file]).status == 0)
            let imported = try await sluice([
                "checkpoints", "import", "--worker-config", worker, "--connector", "cdc", "--location", "s3-eu", "--in", file,
            ])
            #expect(imported.status == 0, "\(imported.output)")
            #expect(imported.output.contains("identical to the export"))
            var edited = try String(contentsOfFile: file, encoding: .utf8)
            edited = edited.replacingOccurrences(of: #"{"lsn":50}"#, with: #"{"lsn":51}"#)
            try edited.write(toFile: file, atomically: true, encoding: .utf8)
            let digest = try await sluice(["checkpoints", "verify", "--file", file])
            #expect(digest.status == 1)
            #expect(digest.output.contains("digest mismatch"))

            // Migration: a US target is refused, naming class, location, region and allowed regions.
            let us = try await sluice([
                "checkpoints", "migrate", "--worker-config", worker, "--connector", "cdc", "--to", "disk-us",
            ])
            #expect(us.status == 1)
            #expect(us.output.contains("state class source-offsets at location disk-us"))
            #expect(us.output.contains("region found us-east-1 is not in the allowed regions eu-central-1"))

            // pg-eu → s3-eu holds the same chain already (imported): the migration copies nothing and proves it.
            let s3Prefix = try await sluice([
                "checkpoints", "migrate", "--worker-config", worker, "--connector", "cdc", "--to", "s3-eu", "--output", "json",
            ])
            #expect(s3Prefix.status == 0, "\(s3Prefix.output)")
            let report = try JSONValue.parse(s3Prefix.output.split(separator: "\n").last.map(String.init) ?? "")
            #expect(report["offsetsIdentical"]?.boolValue == true)
            #expect(report["switched"]?.boolValue == true)
            #expect(report["partitions"]?.arrayValue?.count == 2)
            let pointer = try String(contentsOfFile: directory.path + "/checkpoint-locations/cdc.json", encoding: .utf8)
            #expect(pointer.contains(#""location":"s3-eu""#))

            // Commits continue at the new location; rollback copies them back and switches.
            let s3 = try await CheckpointStoreFactory.make(
                try fixture.s3Location,
                worker: try WorkerConfig(settings: ["bootstrap.servers": "x:1"], environment: [:], hostDescription: "t"),
                logger: logger)
            try await s3.commit(
                connector: "cdc", offsets: [(["table": "t1"], ["lsn": 60])], provenance: .init(workerID: "w", taskID: 0))
            let back = try await sluice(["checkpoints", "migrate", "--worker-config", worker, "--connector", "cdc", "--rollback"])
            #expect(back.status == 0, "\(back.output)")
            #expect(back.output.contains("copied 1 entries to pg-eu"))
            #expect(try await store.offsets(connector: "cdc")[["table": "t1"]] == ["lsn": 60])

            // Tamper with a row by hand: verify names the entry.
            let direct = try await PostgresConnection.connect(
                try fixture.postgresLocation.postgresConfiguration(), logger: logger)
            try await direct.execute(
                #"UPDATE "sluice_state"."checkpoints" SET offset_json = '{"lsn":31}' WHERE connector = 'cdc' AND sequence = 3"#)
            let broken = try await sluice([
                "checkpoints", "verify", "--worker-config", worker, "--connector", "cdc", "--location", "pg-eu",
            ])
            #expect(broken.status == 1)
            #expect(broken.output.contains(#"entry sequence 3 (partition {"table":"t1"})"#), "\(broken.output)")
            try? FileManager.default.removeItem(at: directory)
            try await fixture.tearDown()
        }
    }
}
