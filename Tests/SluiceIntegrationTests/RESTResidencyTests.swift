import Foundation
import Glibc
import SluiceConnectSDK
import Testing

extension Integration {
    /// The residency enforcement points the REST API exposes: connector create refused with every
    /// violation listed, unknown locations named, and the Sluice-only residency endpoints.
    @Suite("REST API residency")
    struct RESTResidencyTests {
        @Test(
            "create with state in a disallowed region → 400 naming class, location, region and allowed regions; /residency endpoints"
        )
        func enforcement() async throws {
            let harness = try WorkerHarness()
            let policy = harness.directory.appendingPathComponent("policy.json").path
            try """
            {"mode": "enforce", "default": {"allowedRegions": ["eu-central-1"], "minimumLevel": "declared"},
             "stateClasses": {"source-offsets": {"minimumLevel": "declared"}}}
            """.write(toFile: policy, atomically: true, encoding: .utf8)
            let base = try String(contentsOf: TestStack.root.appendingPathComponent("config/worker.properties"), encoding: .utf8)
            let workerConfig = harness.directory.appendingPathComponent("worker-residency.properties").path
            let topic = TestStack.unique("residency")
            try
                (base + """

                    locations.kafka-eu.kind=kafka
                    locations.kafka-eu.region=eu-central-1
                    locations.kafka-eu.cluster.id=${env:SLUICE_KAFKA_CLUSTER_ID}
                    locations.kafka-eu.topic=\(topic)-offsets
                    locations.disk-eu.kind=file
                    locations.disk-eu.region=eu-central-1
                    locations.disk-eu.path=\(harness.directory.path)/eu.offsets
                    locations.pg-eu.kind=postgres
                    locations.pg-eu.region=eu-central-1
                    locations.pg-eu.host=${env:SLUICE_PG_HOST}
                    locations.pg-eu.port=${env:SLUICE_PG_PORT}
                    locations.pg-eu.user=${env:SLUICE_PG_USER}
                    locations.pg-eu.password=${env:SLUICE_PG_PASSWORD}
                    locations.pg-eu.dbname=${env:SLUICE_PG_DATABASE}
                    locations.pg-eu.schema=\(topic)_state
                    locations.pg-eu.table=checkpoints
                    locations.disk-us.kind=file
                    locations.disk-us.region=us-east-1
                    locations.disk-us.path=\(harness.directory.path)/us.offsets
                    state.records.location=kafka-eu
                    state.source-offsets.location=kafka-eu
                    state.connector-config.location=disk-eu
                    residency.policy.file=\(policy)

                    """).write(toFile: workerConfig, atomically: true, encoding: .utf8)
            let worker = try harness.start([], workerConfig: workerConfig)
            defer { worker.signal(SIGKILL) }
            let probe = RESTProbe(base: try await harness.restURL())
            func connector(_ name: String, _ extra: [String: String] = [:]) -> JSONValue {
                var config: JSONObject = [
                    "connector.class": "io.sluice.connect.datagen.DatagenConnector", "kafka.topic": .string(topic),
                    "quickstart": "orders", "iterations": "200", "max.interval": "10",
                ]
                for (key, value) in extra { config[key] = .string(value) }
                return .object(["name": .string(name), "config": .object(config)])
            }

            let refused = try await probe.call(
                "POST", "/connectors", json: connector("\(topic)-us", ["state.source-offsets.location": "disk-us"]))
            #expect(refused.status == 400, "\(refused.text)")
            let message = refused.body?["message"]?.stringValue ?? ""
            for part in ["source-offsets", "disk-us", "us-east-1", "eu-central-1"] {
                #expect(message.contains(part), "the refusal names \(part): \(message)")
            }
            #expect(try await probe.call("GET", "/connectors/\(topic)-us").status == 404, "nothing was created")
            let unknown = try await probe.call(
                "POST", "/connectors", json: connector("\(topic)-x", ["state.source-offsets.location": "mars"]))
            #expect(unknown.status == 400)
            #expect(
                unknown.text.contains("mars") && unknown.text.contains("kafka-eu"), "lists the known locations: \(unknown.text)")

            let name = "\(topic)-eu"
            let created = try await probe.call("POST", "/connectors", json: connector(name))
            #expect(created.status == 201, "\(created.text)")
            let report = try await probe.call("GET", "/connectors/\(name)/residency")
            #expect(report.status == 200)
            #expect(report.body?["result"]?.stringValue == "pass", "\(report.text)")
            let offsets = report.body?["decisions"]?.arrayValue?.first { $0["stateClass"]?.stringValue == "source-offsets" }
            #expect(offsets?["location"]?.stringValue == "kafka-eu")
            #expect(offsets?["levelFound"]?.stringValue == "verified", "the pinned cluster id verifies the Kafka location")

            let dryRun = try await probe.call(
                "POST", "/residency/validate", json: connector("\(topic)-dry", ["state.source-offsets.location": "disk-us"]))
            #expect(dryRun.status == 200)
            #expect(dryRun.body?["result"]?.stringValue == "violations", "\(dryRun.text)")
            #expect(try await probe.call("GET", "/residency").status == 200)
            #expect(try await probe.call("GET", "/connectors/\(topic)-none/residency").status == 404)

            try await TestStack.eventually(timeout: .seconds(60), "the connector commits offsets to its Kafka location") {
                let body = try await probe.call("GET", "/connectors/\(name)/offsets").body
                return !(body?["offsets"]?.arrayValue ?? []).isEmpty
            }
            #expect(harness.logText.contains("residency decision"), "each decision is logged with its evidence")

            // Migration over REST: refused to a disallowed region, dry run, then Kafka → Postgres and back.
            func sequence() async throws -> Int64 {
                let body = try await probe.call("GET", "/connectors/\(name)/offsets").body
                return body?["offsets"]?.arrayValue?.first?["offset"]?["sequence"]?.intValue ?? -1
            }
            let toUS = try await probe.call("POST", "/connectors/\(name)/checkpoints/migrate", json: .object(["to": "disk-us"]))
            #expect(toUS.status == 400, "\(toUS.text)")
            #expect(toUS.text.contains("us-east-1") && toUS.text.contains("disk-us"), "\(toUS.text)")
            let dry = try await probe.call(
                "POST", "/connectors/\(name)/checkpoints/migrate", json: .object(["to": "pg-eu", "dry_run": true]))
            #expect(dry.status == 200, "\(dry.text)")
            #expect(dry.body?["switched"] == .bool(false))
            let migrated = try await probe.call("POST", "/connectors/\(name)/checkpoints/migrate", json: .object(["to": "pg-eu"]))
            #expect(migrated.status == 200, "\(migrated.text)")
            #expect(migrated.body?["switched"] == .bool(true))
            #expect(migrated.body?["offsetsIdentical"] == .bool(true), "every partition identical in source and target")
            #expect(migrated.body?["sourceHead"] == migrated.body?["targetHead"])
            let atSwitch = try await sequence()
            try await TestStack.eventually(timeout: .seconds(60), "commits continue in the Postgres location") {
                try await sequence() > atSwitch
            }
            let evidence = try await probe.call("GET", "/connectors/\(name)/evidence")
            #expect(evidence.status == 200)
            #expect(
                evidence.body?["checkpointChain"]?["location"]?.stringValue?.contains("pg-eu") == true,
                "\(evidence.text.prefix(600))")
            #expect(evidence.body?["checkpointChain"]?["intact"] == .bool(true))
            #expect(evidence.body?["migration"]?["location"] == "pg-eu")
            #expect(evidence.body?["migration"]?["continuity"] == .bool(true))
            let markdown = harness.directory.appendingPathComponent("evidence.md").path
            let cli = try await ChildProcess.spawn(
                TestStack.root.appendingPathComponent(".build/debug/sluice").path,
                ["evidence", "--connector", name, "--url", probe.base], output: markdown
            ).wait()
            #expect(cli == 0)
            let printed = (try? String(contentsOfFile: markdown, encoding: .utf8)) ?? ""
            #expect(
                printed.contains("# Residency evidence") && printed.contains("pg-eu") && printed.contains("continuity proven"),
                "\(printed)")
            let back = try await probe.call("POST", "/connectors/\(name)/checkpoints/migrate", json: .object(["rollback": true]))
            #expect(back.status == 200, "\(back.text)")
            #expect(back.body?["to"] == "kafka-eu")
            #expect(back.body?["offsetsIdentical"] == .bool(true))
            let audit =
                (try? String(contentsOfFile: harness.directory.appendingPathComponent("audit.jsonl").path, encoding: .utf8)) ?? ""
            #expect(audit.contains("dev.sluice.checkpoint.migrated") && audit.contains("dev.sluice.checkpoint.rolledback"))
            #expect(audit.contains("dev.sluice.checkpoint.migration.refused"))
            #expect(audit.contains("\"enforced\":false"), "task-start and commit-time decisions are audit events too")
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
            let problems = try OpenAPIConformance.load().check(probe.recorded)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }
}
