import Foundation
import Glibc
import SluiceConnectSDK
import Testing

extension Integration {
    /// The audit trail of a real worker: one CloudEvents event per REST mutation and task
    /// transition, a hash chain `sluice audit verify` checks, and `block` refusing changes.
    @Suite("Audit trail")
    struct AuditTrailTests {
        static func events(_ path: String) throws -> [JSONValue] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        }

        static func sluice(_ arguments: [String], output: String) async throws -> Int32 {
            try await ChildProcess.spawn(
                TestStack.root.appendingPathComponent(".build/debug/sluice").path, arguments, output: output
            ).wait()
        }

        @Test("every REST mutation and task transition is exactly one well-formed event with actor and digests; GET /audit pages")
        func mutations() async throws {
            let harness = try WorkerHarness()
            let worker = try harness.start([])
            defer { worker.signal(SIGKILL) }
            let probe = RESTProbe(base: try await harness.restURL())
            let topic = TestStack.unique("audit")
            let name = "\(topic)-gen"
            let config: JSONObject = [
                "connector.class": "io.sluice.connect.datagen.DatagenConnector", "kafka.topic": .string(topic),
                "quickstart": "orders", "iterations": "1000000", "max.interval": "20", "batch.size": "10",
            ]
            func state() async throws -> String? {
                try await probe.call("GET", "/connectors/\(name)/status").body?["tasks"]?.arrayValue?.first?["state"]?.stringValue
            }
            // Each mutation, with the event type it must produce.
            var expected: [(String, RESTProbe.Exchange)] = []
            expected.append(
                (
                    "connector.created",
                    try await probe.call(
                        "POST", "/connectors", json: .object(["name": .string(name), "config": .object(config)]))
                ))
            try await TestStack.eventually(timeout: .seconds(60), "RUNNING") { try await state() == "RUNNING" }
            var updated = config
            updated["max.interval"] = "25"
            expected.append(
                ("connector.updated", try await probe.call("PUT", "/connectors/\(name)/config", json: .object(updated))))
            expected.append(
                (
                    "connector.updated",
                    try await probe.call("PATCH", "/connectors/\(name)/config", json: .object(["batch.size": "20"]))
                ))
            expected.append(("connector.paused", try await probe.call("PUT", "/connectors/\(name)/pause")))
            expected.append(("connector.resumed", try await probe.call("PUT", "/connectors/\(name)/resume")))
            try await TestStack.eventually(timeout: .seconds(60), "RUNNING after resume") { try await state() == "RUNNING" }
            expected.append(
                ("connector.restarted", try await probe.call("POST", "/connectors/\(name)/restart?includeTasks=true")))
            expected.append(("task.restarted", try await probe.call("POST", "/connectors/\(name)/tasks/0/restart")))
            expected.append(("connector.topics.reset", try await probe.call("PUT", "/connectors/\(name)/topics/reset")))
            expected.append(("connector.stopped", try await probe.call("PUT", "/connectors/\(name)/stop")))
            let partition: JSONValue = .object(["connector": .string(name), "task": 0])
            expected.append(
                (
                    "offsets.altered",
                    try await probe.call(
                        "PATCH", "/connectors/\(name)/offsets",
                        json: .object([
                            "offsets": .array([.object(["partition": partition, "offset": .object(["sequence": 5])])])
                        ]))
                ))
            expected.append(("offsets.reset", try await probe.call("DELETE", "/connectors/\(name)/offsets")))
            expected.append(("connector.deleted", try await probe.call("DELETE", "/connectors/\(name)")))
            for (type, exchange) in expected {
                #expect(
                    (200..<300).contains(exchange.status),
                    "\(type): \(exchange.method) \(exchange.path) → \(exchange.status) \(exchange.text)")
            }
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)

            let file = harness.directory.appendingPathComponent("audit.jsonl").path
            let events = try Self.events(file)
            for event in events {
                for field in ["id", "source", "specversion", "type", "subject", "time", "data", "hash", "sequence"] {
                    #expect(event[field] != nil, "CloudEvents field \(field) in \(event.jsonString.prefix(200))")
                }
                #expect(event["specversion"] == "1.0")
                #expect(event["data"]?["workerId"]?.stringValue != nil)
            }
            // Exactly one event per mutation, in order, carrying the request's actor and id.
            let mutationTypes = Set(expected.map(\.0))
            let mutationEvents = events.filter {
                mutationTypes.contains(String(($0["type"]?.stringValue ?? "").dropFirst("dev.sluice.".count)))
                    && $0["data"]?["actor"]?["requestId"]?.stringValue != nil
            }
            #expect(
                mutationEvents.count == expected.count,
                "one event per mutation: \(mutationEvents.map { $0["type"]?.stringValue ?? "" })")
            for ((type, _), event) in zip(expected, mutationEvents) {
                #expect(event["type"]?.stringValue == "dev.sluice.\(type)")
                #expect(event["data"]?["actor"]?["principal"]?.stringValue == "anonymous")
                #expect(event["data"]?["actor"]?["client"]?.stringValue?.hasPrefix("127.0.0.1") == true)
                #expect(event["subject"]?.stringValue?.hasPrefix("connectors/\(name)") == true)
            }
            let created = try #require(mutationEvents.first)
            #expect(created["data"]?["configDigestBefore"] == .null)
            #expect(created["data"]?["configDigestAfter"]?.stringValue?.count == 64)
            let update = mutationEvents[1]
            #expect(update["data"]?["configDigestBefore"] == created["data"]?["configDigestAfter"], "before = the previous after")
            #expect(update["data"]?["configDigestAfter"] != created["data"]?["configDigestAfter"])
            // Task transitions come from the worker itself.
            let taskTypes = events.compactMap { $0["type"]?.stringValue }.filter { $0.hasPrefix("dev.sluice.task.") }
            #expect(
                taskTypes.contains("dev.sluice.task.started") && taskTypes.contains("dev.sluice.task.stopped"), "\(taskTypes)")
            #expect(events.contains { $0["type"] == "dev.sluice.worker.started" })
            #expect(events.contains { $0["type"] == "dev.sluice.worker.stopped" })
            #expect(events.contains { $0["type"] == "dev.sluice.checkpoint.committed" }, "commits are summarised at shutdown")

            let output = harness.directory.appendingPathComponent("verify.out").path
            #expect(try await Self.sluice(["audit", "verify", file], output: output) == 0, "the untouched file verifies")

            // A second worker on the same file continues the chain; GET /audit filters and pages.
            let again = try harness.start([])
            defer { again.signal(SIGKILL) }
            let probe2 = RESTProbe(base: try await harness.restURL(afterRestart: true))
            let page = try await probe2.call("GET", "/audit?connector=\(name)&limit=5")
            #expect(page.status == 200)
            #expect(page.body?["events"]?.arrayValue?.count == 5)
            let next = try #require(page.body?["next"]?.intValue)
            let second = try await probe2.call("GET", "/audit?connector=\(name)&limit=5&after=\(next)")
            #expect((second.body?["events"]?.arrayValue?.first?["sequence"]?.intValue ?? 0) > next)
            let typed = try await probe2.call("GET", "/audit?type=connector.paused")
            #expect(typed.body?["events"]?.arrayValue?.count == 1)
            #expect(try await probe2.call("GET", "/audit?since=yesterday").status == 400)
            again.signal(SIGTERM)
            #expect(await again.wait() == 0)
            #expect(try await Self.sluice(["audit", "verify", file], output: output) == 0, "the chain continues across restarts")
            let problems = try OpenAPIConformance.load().check(probe.recorded + probe2.recorded)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }

        @Test("editing, deleting, reordering or truncating the audit file fails `sluice audit verify` naming the line")
        func tamperEvidence() async throws {
            let harness = try WorkerHarness()
            let worker = try harness.start([])
            defer { worker.signal(SIGKILL) }
            let probe = RESTProbe(base: try await harness.restURL())
            let topic = TestStack.unique("tamper")
            for index in 0..<3 {
                let body: JSONValue = .object([
                    "name": .string("\(topic)-\(index)"),
                    "config": .object([
                        "connector.class": "io.sluice.connect.datagen.DatagenConnector", "kafka.topic": .string(topic),
                        "iterations": "1",
                    ]),
                ])
                #expect(try await probe.call("POST", "/connectors", json: body).status == 201)
                #expect(try await probe.call("PUT", "/connectors/\(topic)-\(index)/stop").status == 204)
                #expect(try await probe.call("DELETE", "/connectors/\(topic)-\(index)").status == 204)
            }
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
            let file = harness.directory.appendingPathComponent("audit.jsonl").path
            let original = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
            #expect(original.count >= 9)
            let output = harness.directory.appendingPathComponent("verify.out").path
            let head = try #require(try JSONValue.parse(original.last!)["hash"]?.stringValue)
            #expect(try await Self.sluice(["audit", "verify", file, "--head", head], output: output) == 0)

            func check(_ lines: [String], _ what: String, line: Int) async throws {
                let copy = harness.directory.appendingPathComponent("tampered-\(UUID().uuidString).jsonl").path
                try (lines.joined(separator: "\n") + "\n").write(toFile: copy, atomically: true, encoding: .utf8)
                let before = (try? String(contentsOfFile: output, encoding: .utf8))?.count ?? 0
                let status = try await Self.sluice(["audit", "verify", copy, "--head", head], output: output)
                let printed = String((try String(contentsOfFile: output, encoding: .utf8)).dropFirst(before))
                #expect(status != 0, "\(what) is detected")
                #expect(printed.contains("line \(line)"), "\(what): names line \(line): \(printed)")
            }
            var edited = original
            edited[4] = edited[4].replacingOccurrences(of: "\"result\":\"success\"", with: "\"result\":\"failure\"")
            #expect(edited[4] != original[4])
            try await check(edited, "an edited event", line: 5)
            var deleted = original
            deleted.remove(at: 3)
            try await check(deleted, "a deleted event", line: 4)
            var reordered = original
            reordered.swapAt(2, 3)
            try await check(reordered, "two swapped events", line: 3)
            try await check(Array(original.dropLast(2)), "a truncated file", line: original.count - 2)
        }

        @Test("audit.failure.policy=block with the audit Kafka location down: create returns 503 and nothing exists")
        func blockWhenAuditIsDown() async throws {
            let harness = try WorkerHarness()
            let base = try String(contentsOf: TestStack.root.appendingPathComponent("config/worker.properties"), encoding: .utf8)
            let workerConfig = harness.directory.appendingPathComponent("worker-audit-down.properties").path
            try
                (base
                + "\naudit.kafka.topic=sluice-audit\naudit.kafka.bootstrap.servers=127.0.0.1:1\naudit.failure.policy=block\n")
                .write(toFile: workerConfig, atomically: true, encoding: .utf8)
            let worker = try harness.start([], workerConfig: workerConfig)
            defer { worker.signal(SIGKILL) }
            let probe = RESTProbe(base: try await harness.restURL())
            let name = TestStack.unique("blocked")
            let response = try await probe.call(
                "POST", "/connectors",
                json: .object([
                    "name": .string(name),
                    "config": .object([
                        "connector.class": "io.sluice.connect.datagen.DatagenConnector", "kafka.topic": .string(name),
                    ]),
                ]))
            #expect(response.status == 503, "\(response.text)")
            #expect(response.body?["error_code"]?.intValue == 503)
            #expect(response.text.contains("audit"))
            #expect(try await probe.call("GET", "/connectors").body == .array([]), "nothing was created")
            #expect(try await probe.call("GET", "/connectors/\(name)").status == 404)
            let stored =
                (try? String(contentsOfFile: harness.directory.appendingPathComponent("connectors.json").path, encoding: .utf8))
                ?? ""
            #expect(!stored.contains(name), "nothing was stored")
            let problems = try OpenAPIConformance.load().check(probe.recorded)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }
}
