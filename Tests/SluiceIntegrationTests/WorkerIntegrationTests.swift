import Foundation
import Glibc
import SluiceConnectSDK
import SluiceKafka
import Testing

extension Integration {
    @Suite("Standalone worker process")
    struct WorkerProcessTests {
        /// Sequence numbers and keys of the generated orders in a file written by the file sink.
        func orders(in path: String) -> [(sequence: Int64, customer: String)] {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let json = try? JSONValue.parse(String(line)), let sequence = json["sequence"]?.intValue,
                    let customer = json["customer"]?.stringValue
                else { return nil }
                return (sequence, customer)
            }
        }

        @Test("config/: datagen → Kafka → file delivers every record, in order per key; SIGTERM exits 0")
        func datagenToFile() async throws {
            let harness = try WorkerHarness()
            let topic = TestStack.unique("orders")
            let output = harness.directory.appendingPathComponent("orders.jsonl").path
            let total: Int64 = 5000
            let source = try harness.connector(
                from: "datagen-orders.json",
                overrides: ["name": "\(topic)-source", "kafka.topic": topic, "iterations": String(total)])
            let sink = try harness.connector(
                from: "orders-file-sink.json",
                overrides: [
                    "name": "\(topic)-sink", "topics": topic, "file": output, "errors.deadletterqueue.topic.name": "\(topic)-dlq",
                ])
            let worker = try harness.start([source, sink])
            do {
                try await TestStack.eventually(timeout: .seconds(90), "all \(total) records in \(output)") {
                    orders(in: output).count >= total
                }
            } catch {
                worker.signal(SIGKILL)
                _ = await worker.wait()
                Issue.record("worker log:\n\(harness.logText.suffix(3000))")
                throw error
            }
            let lines = orders(in: output)
            #expect(Set(lines.map(\.sequence)) == Set(0..<total), "every generated record reached the file")
            #expect(lines.count == Int(total), "no duplicates in a clean run")
            var lastPerKey: [String: Int64] = [:]
            var outOfOrder = 0
            for line in lines {
                if let last = lastPerKey[line.customer], last >= line.sequence { outOfOrder += 1 }
                lastPerKey[line.customer] = line.sequence
            }
            #expect(outOfOrder == 0, "records of each key are in generation order")
            #expect(lastPerKey.count == 20)
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0, "SIGTERM stops tasks, commits and exits 0")
            #expect(harness.logText.contains("worker stopped"))
        }

        @Test(
            "kill -9 mid-stream, restart: nothing lost, duplicates only after the last committed offset",
            arguments: ["file", "kafka-topic"])
        func killAndResume(store: String) async throws {
            let harness = try WorkerHarness()
            let topic = TestStack.unique("resume")
            let name = "\(topic)-source"
            let total: Int64 = 40_000
            let offsetsTopic = store == "file" ? nil : "\(topic)-offsets"
            let workerConfig = try offsetsTopic.map { try harness.workerConfigWithOffsetsTopic($0) }
            let source = try harness.connector(
                from: "datagen-orders.json",
                overrides: ["name": name, "kafka.topic": topic, "iterations": String(total), "batch.size": "100"])
            let first = try harness.start([source], workerConfig: workerConfig)
            try await TestStack.eventually(timeout: .seconds(60), "the source commits some offsets") {
                (try await harness.committedOffset(connector: name, field: "sequence", offsetsTopic: offsetsTopic) ?? 0) >= 3000
            }
            first.signal(SIGKILL)
            _ = await first.wait()
            let committedAtKill = try #require(
                try await harness.committedOffset(connector: name, field: "sequence", offsetsTopic: offsetsTopic))
            #expect(committedAtKill < total - 1, "the kill happened mid-stream")

            let second = try harness.start([source], workerConfig: workerConfig)
            try await TestStack.eventually(timeout: .seconds(120), "the restarted worker finishes") {
                try await harness.committedOffset(connector: name, field: "sequence", offsetsTopic: offsetsTopic) == total - 1
            }
            second.signal(SIGTERM)
            #expect(await second.wait() == 0)

            let messages = try await WorkerHarness.readAll(topic: topic, expected: Int(total))
            var counts: [Int64: Int] = [:]
            for message in messages {
                let json = try JSONValue.parse(message.value ?? [])
                if let sequence = json["payload"]?["sequence"]?.intValue { counts[sequence, default: 0] += 1 }
            }
            let missing = (0..<total).filter { counts[$0] == nil }
            let duplicated = counts.filter { $0.value > 1 }.map(\.key)
            print(
                "kill -9 resume (\(store) store): committed at kill \(committedAtKill), records \(messages.count), duplicates \(duplicated.count)"
            )
            #expect(missing.isEmpty, "lost sequences: \(missing.prefix(10))")
            #expect(duplicated.allSatisfy { $0 > committedAtKill }, "duplicates only after the committed offset")
        }
    }
}
