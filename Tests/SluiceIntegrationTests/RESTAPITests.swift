import Foundation
import Glibc
import SluiceConnectSDK
import Testing

extension Integration {
    /// The REST API of a real `sluice worker` process, endpoint by endpoint, with Kafka
    /// Connect's status codes and error bodies; every exchange is then checked against
    /// `docs/openapi.json`.
    @Suite("REST API")
    struct RESTAPITests {
        static let datagen = "io.sluice.connect.datagen.DatagenConnector"

        func datagenConfig(topic: String, iterations: Int = 1_000_000) -> JSONValue {
            .object([
                "connector.class": .string(Self.datagen), "kafka.topic": .string(topic), "quickstart": .string("orders"),
                "keys": .string("5"), "max.interval": .string("20"), "batch.size": .string("10"),
                "iterations": .string(String(iterations)), "tasks.max": .string("1"),
            ])
        }

        func expectError(
            _ exchange: RESTProbe.Exchange, _ status: Int, mentions: String? = nil,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(
                exchange.status == status, "\(exchange.method) \(exchange.path): \(exchange.text)", sourceLocation: sourceLocation
            )
            #expect(
                exchange.body?["error_code"]?.intValue == Int64(status), "Kafka Connect error body: \(exchange.text)",
                sourceLocation: sourceLocation)
            #expect(exchange.body?["message"]?.stringValue != nil, sourceLocation: sourceLocation)
            if let mentions {
                #expect(exchange.text.contains(mentions), "\(exchange.text) mentions \(mentions)", sourceLocation: sourceLocation)
            }
        }

        func state(_ probe: RESTProbe, _ name: String) async throws -> (String?, [String]) {
            let status = try await probe.call("GET", "/connectors/\(name)/status").body
            return (
                status?["connector"]?["state"]?.stringValue,
                (status?["tasks"]?.arrayValue ?? []).compactMap { $0["state"]?.stringValue }
            )
        }

        @Test(
            "every endpoint: success paths, 400/404/409/413 with Kafka Connect's error body, persistence across restart, OpenAPI conformance"
        )
        func endpoints() async throws {
            let harness = try WorkerHarness()
            let worker = try harness.start([])
            defer { worker.signal(SIGKILL) }
            let probe = RESTProbe(base: try await harness.restURL())
            let topic = TestStack.unique("rest")
            let name = "\(topic)-gen"

            // Server info, health, plugins.
            let root = try await probe.call("GET", "/")
            #expect(root.status == 200)
            #expect(root.body?["kafka_cluster_id"]?.stringValue == (try TestStack.value("SLUICE_KAFKA_CLUSTER_ID")))
            try await TestStack.eventually("GET /health says healthy") { try await probe.call("GET", "/health").status == 200 }
            let plugins = try await probe.call("GET", "/connector-plugins")
            let classes = (plugins.body?.arrayValue ?? []).compactMap { $0["class"]?.stringValue }
            #expect(classes.contains(Self.datagen) && classes.contains("io.sluice.connect.file.FileStreamSinkConnector"))
            let everything = try await probe.call("GET", "/connector-plugins?connectorsOnly=false")
            #expect((everything.body?.arrayValue ?? []).contains { $0["type"]?.stringValue == "transformation" })
            let keys = try await probe.call("GET", "/connector-plugins/\(Self.datagen)/config")
            #expect((keys.body?.arrayValue ?? []).contains { $0["name"]?.stringValue == "kafka.topic" })
            expectError(
                try await probe.call("GET", "/connector-plugins/com.example.Nope/config"), 404, mentions: "com.example.Nope")

            // Validation: errors per field.
            var invalid = datagenConfig(topic: topic).objectValue!
            invalid["iterations"] = .string("many")
            invalid["tasks.max"] = .string("zero")
            let validation = try await probe.call(
                "PUT", "/connector-plugins/\(Self.datagen)/config/validate", json: .object(invalid))
            #expect(validation.status == 200)
            #expect((validation.body?["error_count"]?.intValue ?? 0) >= 2)
            let erroneous = (validation.body?["configs"]?.arrayValue ?? []).filter {
                !($0["value"]?["errors"]?.arrayValue ?? []).isEmpty
            }
            .compactMap { $0["value"]?["name"]?.stringValue }
            #expect(erroneous.contains("iterations") && erroneous.contains("tasks.max"), "errors per field: \(erroneous)")
            var valid = datagenConfig(topic: topic).objectValue!
            valid["name"] = .string(name)
            let clean = try await probe.call("PUT", "/connector-plugins/\(Self.datagen)/config/validate", json: .object(valid))
            #expect(clean.body?["error_count"]?.intValue == 0, "\(clean.text)")

            // Create: malformed JSON, unknown class, invalid config, oversized body, then success and 409.
            expectError(
                try await probe.call("POST", "/connectors", raw: "{\"name\": \"x\", \"config\": {"), 400, mentions: "JSON")
            expectError(
                try await probe.call(
                    "POST", "/connectors",
                    json: .object([
                        "name": .string("\(topic)-bad"), "config": .object(["connector.class": .string("com.example.Missing")]),
                    ])),
                400, mentions: "com.example.Missing")
            expectError(
                try await probe.call(
                    "POST", "/connectors", json: .object(["name": .string("\(topic)-bad"), "config": .object(invalid)])),
                400, mentions: "iterations")
            let huge = "{\"name\":\"big\",\"config\":{\"pad\":\"" + String(repeating: "x", count: 1_100_000) + "\"}}"
            expectError(try await probe.call("POST", "/connectors", raw: huge), 413)
            let created = try await probe.call(
                "POST", "/connectors", json: .object(["name": .string(name), "config": datagenConfig(topic: topic)]))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.body?["name"]?.stringValue == name)
            #expect(created.body?["type"]?.stringValue == "source")
            expectError(
                try await probe.call(
                    "POST", "/connectors", json: .object(["name": .string(name), "config": datagenConfig(topic: topic)])),
                409, mentions: name)
            #expect((try await probe.call("GET", "/connectors").body?.arrayValue ?? []).contains(.string(name)))

            try await TestStack.eventually(timeout: .seconds(60), "connector and task RUNNING") {
                try await state(probe, name) == ("RUNNING", ["RUNNING"])
            }
            let expanded = try await probe.call("GET", "/connectors?expand=status&expand=info")
            #expect(expanded.body?[name]?["status"]?["connector"]?["state"]?.stringValue == "RUNNING")
            #expect(expanded.body?[name]?["info"]?["config"]?["kafka.topic"]?.stringValue == topic)
            #expect(try await probe.call("GET", "/connectors/\(name)").body?["tasks"]?.arrayValue?.count == 1)
            #expect(try await probe.call("GET", "/connectors/\(name)/config").body?["iterations"]?.stringValue == "1000000")
            let tasks = try await probe.call("GET", "/connectors/\(name)/tasks")
            #expect(tasks.body?.arrayValue?.first?["id"]?["task"]?.intValue == 0)
            #expect(try await probe.call("GET", "/connectors/\(name)/tasks/0/status").body?["state"]?.stringValue == "RUNNING")
            expectError(try await probe.call("GET", "/connectors/\(name)/tasks/7/status"), 404)
            expectError(try await probe.call("GET", "/connectors/\(topic)-missing"), 404, mentions: "\(topic)-missing")
            expectError(try await probe.call("GET", "/connectors/\(topic)-missing/status"), 404)
            try await TestStack.eventually("the active topic is tracked") {
                try await probe.call("GET", "/connectors/\(name)/topics").body?[name]?["topics"] == .array([.string(topic)])
            }

            // Pause, resume; offsets refuse changes unless STOPPED.
            #expect(try await probe.call("PUT", "/connectors/\(name)/pause").status == 202)
            try await TestStack.eventually("PAUSED") { try await state(probe, name) == ("PAUSED", ["PAUSED"]) }
            #expect(try await probe.call("PUT", "/connectors/\(name)/resume").status == 202)
            try await TestStack.eventually("RUNNING again") { try await state(probe, name) == ("RUNNING", ["RUNNING"]) }
            let offsetsBody: JSONValue = .object([
                "offsets": .array([
                    .object(["partition": .object(["datagen": .string("orders")]), "offset": .object(["sequence": .int(41)])])
                ])
            ])
            expectError(try await probe.call("PATCH", "/connectors/\(name)/offsets", json: offsetsBody), 400, mentions: "STOPPED")
            expectError(try await probe.call("DELETE", "/connectors/\(name)/offsets"), 400, mentions: "STOPPED")

            // Stop, read, alter and reset offsets.
            #expect(try await probe.call("PUT", "/connectors/\(name)/stop").status == 204)
            try await TestStack.eventually("STOPPED with no tasks") { try await state(probe, name) == ("STOPPED", []) }
            let offsets = try await probe.call("GET", "/connectors/\(name)/offsets")
            let partition = try #require(
                offsets.body?["offsets"]?.arrayValue?.first?["partition"], "committed offsets: \(offsets.text)")
            let altered: JSONValue = .object([
                "offsets": .array([.object(["partition": partition, "offset": .object(["sequence": .int(41)])])])
            ])
            let alter = try await probe.call("PATCH", "/connectors/\(name)/offsets", json: altered)
            #expect(alter.status == 200, "\(alter.text)")
            #expect(alter.body?["message"]?.stringValue?.contains("altered") == true)
            #expect(
                try await probe.call("GET", "/connectors/\(name)/offsets").body?["offsets"]?.arrayValue?.first?["offset"]?[
                    "sequence"]?.intValue == 41)
            expectError(
                try await probe.call("PATCH", "/connectors/\(name)/offsets", json: .object(["offsets": .string("no")])), 400)
            #expect(try await probe.call("DELETE", "/connectors/\(name)/offsets").status == 200)
            #expect(try await probe.call("GET", "/connectors/\(name)/offsets").body?["offsets"] == .array([]))
            expectError(try await probe.call("POST", "/connectors/\(name)/restart"), 409, mentions: "STOPPED")
            #expect(try await probe.call("PUT", "/connectors/\(name)/resume").status == 202)
            try await TestStack.eventually("RUNNING after resume from STOPPED") {
                try await state(probe, name) == ("RUNNING", ["RUNNING"])
            }

            // Restarts.
            #expect(try await probe.call("POST", "/connectors/\(name)/restart").status == 204)
            let restarted = try await probe.call("POST", "/connectors/\(name)/restart?includeTasks=true&onlyFailed=false")
            #expect(restarted.status == 202, "\(restarted.text)")
            #expect(restarted.body?["name"]?.stringValue == name)
            #expect(try await probe.call("POST", "/connectors/\(name)/tasks/0/restart").status == 204)
            expectError(try await probe.call("POST", "/connectors/\(name)/tasks/5/restart"), 404)
            try await TestStack.eventually("RUNNING after restarts") { try await state(probe, name) == ("RUNNING", ["RUNNING"]) }

            // Config: PUT update (200), PUT create (201), PATCH merge, mismatched name (400).
            var updated = datagenConfig(topic: topic).objectValue!
            updated["max.interval"] = .string("30")
            let put = try await probe.call("PUT", "/connectors/\(name)/config", json: .object(updated))
            #expect(put.status == 200, "\(put.text)")
            #expect(put.body?["config"]?["max.interval"]?.stringValue == "30")
            let second = "\(topic)-second"
            let putNew = try await probe.call(
                "PUT", "/connectors/\(second)/config", json: datagenConfig(topic: "\(topic)-b", iterations: 10))
            #expect(putNew.status == 201, "\(putNew.text)")
            let patch = try await probe.call(
                "PATCH", "/connectors/\(second)/config", json: .object(["max.interval": .string("5"), "keys": .null]))
            #expect(patch.status == 200, "\(patch.text)")
            #expect(patch.body?["config"]?["max.interval"]?.stringValue == "5")
            #expect(patch.body?["config"]?["keys"] == nil, "null removes a key")
            expectError(
                try await probe.call("PATCH", "/connectors/\(topic)-missing/config", json: .object(["a": .string("b")])), 404)
            var mismatched = datagenConfig(topic: topic).objectValue!
            mismatched["name"] = .string("other")
            expectError(
                try await probe.call("PUT", "/connectors/\(name)/config", json: .object(mismatched)), 400, mentions: "other")
            #expect(try await probe.call("PUT", "/connectors/\(name)/topics/reset").status == 202)

            // Loggers and metrics.
            let loggers = try await probe.call("GET", "/admin/loggers")
            #expect(loggers.body?["root"]?["level"]?.stringValue == "INFO", "\(loggers.text)")
            let changed = try await probe.call("PUT", "/admin/loggers/sluice.rest", json: .object(["level": .string("DEBUG")]))
            #expect(changed.status == 200)
            #expect(changed.body?.arrayValue?.contains(.string("sluice.rest")) == true)
            #expect(try await probe.call("GET", "/admin/loggers/sluice.rest").body?["level"]?.stringValue == "DEBUG")
            expectError(
                try await probe.call("PUT", "/admin/loggers/sluice.rest", json: .object(["level": .string("LOUD")])), 400,
                mentions: "LOUD")
            expectError(try await probe.call("GET", "/admin/loggers/com.example.none"), 404)
            let metrics = try await probe.call("GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.text.contains("sluice_task_records_total"), "\(metrics.text.prefix(500))")
            #expect(metrics.text.contains("sluice_rest_requests_total"))

            // Restart the worker: connectors come back from the connector-config store with their state.
            #expect(try await probe.call("PUT", "/connectors/\(second)/stop").status == 204)
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
            let stored = try String(
                contentsOfFile: harness.directory.appendingPathComponent("connectors.json").path, encoding: .utf8)
            #expect(stored.contains(name) && stored.contains(second))
            let again = try harness.start([])
            defer { again.signal(SIGKILL) }
            try? await Task.sleep(for: .milliseconds(300))
            let probe2 = RESTProbe(base: try await harness.restURL(afterRestart: true))
            try await TestStack.eventually(timeout: .seconds(60), "\(name) RUNNING again after the worker restart") {
                try await state(probe2, name) == ("RUNNING", ["RUNNING"])
            }
            #expect(try await state(probe2, second) == ("STOPPED", []), "target state STOPPED survives the restart")

            // Delete.
            #expect(try await probe2.call("DELETE", "/connectors/\(name)").status == 204)
            expectError(try await probe2.call("GET", "/connectors/\(name)"), 404)
            expectError(try await probe2.call("DELETE", "/connectors/\(name)"), 404)
            #expect(try await probe2.call("DELETE", "/connectors/\(second)").status == 204)
            again.signal(SIGTERM)
            #expect(await again.wait() == 0)

            let problems = try OpenAPIConformance.load().check(probe.recorded + probe2.recorded)
            #expect(problems.isEmpty, "responses that do not match docs/openapi.json:\n\(problems.joined(separator: "\n"))")
            if !problems.isEmpty { Issue.record("worker log:\n\(harness.logText.suffix(2000))") }
        }
    }
}
