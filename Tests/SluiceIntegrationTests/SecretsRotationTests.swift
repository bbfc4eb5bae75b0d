import Foundation
import Glibc
import SluiceConnectSDK
import Testing

extension Integration {
    /// A rotated secret (file rewritten; new Secrets Manager version) restarts the tasks that use
    /// it within the provider's TTL, with the new value; the log names the reference, never the value.
    @Suite("Secrets: rotation restarts the affected tasks")
    struct SecretsRotationTests {
        func size(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
        }

        @Test(
            "file rewritten and a new Secrets Manager version: each sink restarts within the TTL and writes where the new value says"
        )
        func rotation() async throws {
            let harness = try WorkerHarness()
            let workspace = try SecretsWorkspace(harness)
            let admin = try SecretsManagerAdmin()
            let topic = TestStack.unique("rotate")
            let secretName = "\(topic)-target"
            let out = harness.directory.appendingPathComponent("out").path
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
            let properties = try workspace.properties("sink.properties", ["out": "\(out)/file-a.jsonl"])
            try await admin.create(secretName, ["out": "\(out)/aws-a.jsonl"])
            let worker = try harness.start(
                [],
                workerConfig: try workspace.workerConfig(
                    providers: ["env", "file", "dir", "aws"], extra: admin.workerLines(ttlMs: 1000), fileTTLMs: 1000))
            defer { worker.signal(SIGKILL) }
            let probe = RESTProbe(base: try await harness.restURL())
            func create(_ name: String, _ config: [String: String]) async throws {
                let answer = try await probe.call(
                    "POST", "/connectors",
                    json: .object([
                        "name": .string(name),
                        "config": .object(JSONObject(config.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                    ]))
                #expect(answer.status == 201, "\(answer.text)")
            }
            try await create(
                "\(topic)-gen",
                [
                    "connector.class": "io.sluice.connect.datagen.DatagenConnector", "kafka.topic": topic, "quickstart": "orders",
                    "max.interval": "50", "batch.size": "5", "iterations": "1000000",
                ])
            let fileReference = "${file:\(properties):out}"
            let awsReference = "${aws:\(secretName):out}"
            try await create(
                "\(topic)-file",
                ["connector.class": "io.sluice.connect.file.FileStreamSinkConnector", "topics": topic, "file": fileReference])
            try await create(
                "\(topic)-aws",
                ["connector.class": "io.sluice.connect.file.FileStreamSinkConnector", "topics": topic, "file": awsReference])
            try await TestStack.eventually(timeout: .seconds(90), "both sinks write their first files") {
                size("\(out)/file-a.jsonl") > 0 && size("\(out)/aws-a.jsonl") > 0
            }
            // Task configs keep the placeholder.
            let tasks = try await probe.call("GET", "/connectors/\(topic)-file/tasks")
            #expect(tasks.body?.arrayValue?.first?["config"]?["file"]?.stringValue == fileReference, "\(tasks.text)")

            // Rotate the file secret: rewritten atomically, as a secrets agent would.
            let rotatedAt = ContinuousClock.now
            try workspace.properties("sink.properties", ["out": "\(out)/file-b.jsonl"])
            try await TestStack.eventually(timeout: .seconds(5), "the file rotation is noticed within the 1 s TTL (+ slack)") {
                harness.logText.split(separator: "\n").contains {
                    $0.contains("a secret changed") && $0.contains(fileReference)
                }
            }
            try await TestStack.eventually(timeout: .seconds(60), "the restarted file sink writes to the new file") {
                size("\(out)/file-b.jsonl") > 0
            }
            let fileLatency = ContinuousClock.now - rotatedAt

            // Rotate the Secrets Manager secret: a new AWSCURRENT version.
            try await admin.put(secretName, ["out": "\(out)/aws-b.jsonl"])
            try await TestStack.eventually(
                timeout: .seconds(5), "the Secrets Manager rotation is noticed within the 1 s TTL (+ slack)"
            ) {
                harness.logText.split(separator: "\n").contains {
                    $0.contains("a secret changed") && $0.contains(awsReference)
                }
            }
            try await TestStack.eventually(timeout: .seconds(60), "the restarted aws sink writes to the new file") {
                size("\(out)/aws-b.jsonl") > 0
            }
            print("rotation: file sink writing the new target \(fileLatency) after the rewrite")

            // The old targets stop growing once the tasks restarted.
            let (fileA, awsA) = (size("\(out)/file-a.jsonl"), size("\(out)/aws-a.jsonl"))
            try await Task.sleep(for: .seconds(3))
            #expect(size("\(out)/file-a.jsonl") == fileA && size("\(out)/aws-a.jsonl") == awsA)
            // The unchanged connector was not restarted by either rotation.
            let log = harness.logText
            #expect(!log.split(separator: "\n").contains { $0.contains("a secret changed") && $0.contains("\(topic)-gen") })
            // The log names references, never the values (all four are registered and hidden).
            for value in ["file-a.jsonl", "file-b.jsonl", "aws-a.jsonl", "aws-b.jsonl"] {
                #expect(log.occurrences(of: "\(out)/\(value)") == 0, "a resolved value reached the log")
            }
            for (name, reference) in [("\(topic)-file", fileReference), ("\(topic)-aws", awsReference)] {
                let body = try await probe.call("GET", "/connectors/\(name)/tasks").text
                #expect(body.contains(reference.replacingOccurrences(of: "/", with: "\\/")) || body.contains(reference))
                #expect(
                    try await probe.call("GET", "/connectors/\(name)/status").body?["tasks"]?.arrayValue?.first?["state"]
                        == .string("RUNNING"))
            }
        }
    }
}
