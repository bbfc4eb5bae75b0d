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
             "stateClasses": {"source-offsets": {"minimumLevel": "verified"}}}
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
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
            let problems = try OpenAPIConformance.load().check(probe.recorded)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }
}
