import Foundation
import Glibc
import SluiceConnectSDK
import SluiceHTTP
import SluiceKafka
import Testing

extension Integration {
    @Suite("S3 sink connector")
    struct S3SinkTests {
        let logger = TestStack.logger("s3-sink-test")

        /// Creates `topic` with `partitions` and returns a producer for it.
        func producer(creating topic: String, partitions: Int32) async throws -> KafkaProducer {
            let admin = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: logger)
            try await admin.createTopic(.init(name: topic, partitions: partitions))
            return try await KafkaProducer(configuration: try TestStack.kafka(), logger: logger)
        }

        /// Produces `count` JSON records (~`size` bytes each) with ids 0..<count over `partitions` partitions.
        func produce(topic: String, partitions: Int32, count: Int, size: Int) async throws {
            let producer = try await producer(creating: topic, partitions: partitions)
            let pad = String(repeating: "x", count: max(0, size - 40))
            for start in stride(from: 0, to: count, by: 10_000) {
                let batch = (start..<min(count, start + 10_000)).map { id in
                    KafkaProducerRecord(
                        topic: topic, key: Array("k\(id % 1000)".utf8), value: Array(#"{"id":\#(id),"pad":"\#(pad)"}"#.utf8))
                }
                _ = try await producer.send(batch: batch)
            }
            try await producer.close()
        }

        /// Every record id found in the objects under `prefix`, and the object keys.
        func idsInBucket(prefix: String) async throws -> (ids: [Int64], keys: [String]) {
            let client = try TestStack.s3()
            let objects = try await client.listAllObjects(bucket: "sluice-data", prefix: prefix)
            var ids: [Int64] = []
            for object in objects {
                let body = try await client.getObject(bucket: "sluice-data", key: object.key)
                for line in body.split(separator: 0x0A) {
                    if let id = try JSONValue.parse(Array(line))["id"]?.intValue { ids.append(id) }
                }
            }
            return (ids, objects.map(\.key))
        }

        /// The example S3 sink on `topic`, reading schemaless JSON values, with `overrides`.
        func sinkConnector(_ harness: WorkerHarness, name: String, topic: String, overrides: [String: String]) throws -> String {
            var settings = [
                "name": name, "topics": topic, "topics.dir": "it/\(name)", "value.converter": "JsonConverter",
                "value.converter.schemas.enable": "false",
            ]
            for (key, value) in overrides { settings[key] = value }
            return try harness.connector(from: "orders-s3-sink.json", overrides: settings)
        }

        /// The JSON line `produce` writes for record `id` with `size`.
        static func line(_ id: Int, size: Int) -> [UInt8] {
            Array(#"{"id":\#(id),"pad":"\#(String(repeating: "x", count: max(0, size - 40)))"}"#.utf8)
        }

        @Test(
            "1,000,000 records across 8 partitions land in S3 exactly once, also across a kill -9 mid-multipart: equal as a multiset"
        )
        func exactlyOnceAcrossKill() async throws {
            let topic = TestStack.unique("s3eo")
            let total = 1_000_000
            let size = 120  // ≈ 100-byte lines: 60,000 of them exceed one 5 MiB part
            try await produce(topic: topic, partitions: 8, count: total, size: size)
            let expectedBytes = (0..<total).reduce(0) { sum, id in sum + Self.line(id, size: size).count + 1 }
            let harness = try WorkerHarness()
            let name = "\(topic)-sink"
            // ≈ 6 MB objects of 60,000 records are multipart uploads (one 5 MiB part + the rest). The
            // record-time window (30 s) is longer than producing takes, so flush.size cuts most objects;
            // the window closes the last ones.
            let connector = try sinkConnector(
                harness, name: name, topic: topic,
                overrides: [
                    "flush.size": "60000", "s3.part.size": "5242880", "rotate.interval.ms": "30000",
                ])
            let first = try harness.start([connector])
            let client = try TestStack.s3()
            let prefix = "it/\(name)/"
            // Kill the worker once an object is complete while another partition's multipart upload is
            // open (its first part stored, not completed): the restart must rewrite the first
            // identically and redo the second.
            var killedMidUpload = false
            try await TestStack.eventually(timeout: .seconds(180), "an object written and a multipart upload in progress") {
                let uploading = try await !client.listMultipartUploads(bucket: "sluice-data", prefix: prefix).isEmpty
                guard uploading else { return false }
                killedMidUpload = try await !client.listObjects(bucket: "sluice-data", prefix: prefix).objects.isEmpty
                return killedMidUpload
            }
            first.signal(SIGKILL)
            _ = await first.wait()
            let objectsAtKill = try await client.listAllObjects(bucket: "sluice-data", prefix: prefix).count
            let second = try harness.start([connector])
            try await TestStack.eventually(timeout: .seconds(400), "objects hold all \(total) records' bytes") {
                try await client.listAllObjects(bucket: "sluice-data", prefix: prefix).reduce(0) { $0 + $1.size } >= expectedBytes
            }
            second.signal(SIGTERM)
            #expect(await second.wait() == 0)

            // Every line must be exactly a produced record; each record exactly once.
            var seen = [UInt8](repeating: 0, count: total)
            var foreign = 0
            let objects = try await client.listAllObjects(bucket: "sluice-data", prefix: prefix)
            for object in objects {
                let body = [UInt8](try await client.getObject(bucket: "sluice-data", key: object.key))
                for line in body.split(separator: 0x0A) {
                    // {"id":N,…: the digits start at byte 6.
                    let digits = line.dropFirst(6).prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
                    guard let id = Int(String(decoding: digits, as: UTF8.self)), id < total,
                        line.elementsEqual(Self.line(id, size: size))
                    else {
                        foreign += 1
                        continue
                    }
                    seen[id] &+= 1
                }
            }
            let missing = seen.count { $0 == 0 }
            let repeated = seen.count { $0 > 1 }
            #expect(killedMidUpload, "the kill came while a multipart upload was open")
            #expect(
                missing == 0 && repeated == 0 && foreign == 0, "missing \(missing), repeated \(repeated), not produced \(foreign)"
            )
            let pattern = try Regex(#"^it/[^/]+/partition=[0-7]/[^/]+\+[0-7]\+\d{10}\.json$"#)
            #expect(objects.allSatisfy { (try? pattern.wholeMatch(in: $0.key)) != nil }, "object layout: \(objects.prefix(3))")
            #expect(try await client.listMultipartUploads(bucket: "sluice-data", prefix: prefix).isEmpty, "no orphaned uploads")
            print(
                "S3 sink exactly-once: \(total) records in \(objects.count) objects (\(objectsAtKill) before the kill -9 mid-upload), "
                    + "\(missing) missing, \(repeated) repeated")
        }

        @Test("when traffic stops, the open file appears after rotate.interval.ms plus a bound, and is committed at once")
        func timerClosesQuietFiles() async throws {
            let topic = TestStack.unique("s3timer")
            try await produce(topic: topic, partitions: 1, count: 10, size: 100)
            let harness = try WorkerHarness()
            let name = "\(topic)-sink"
            let connector = try sinkConnector(
                harness, name: name, topic: topic,
                overrides: [
                    "flush.size": "1000", "rotate.interval.ms": "2000", "s3.object.tagging": "true",
                ])
            // Commits are 30 s apart while records flow; an idle consumer checks the timer and
            // commits every 200 ms, so neither the file nor its offset waits for the interval.
            let config = try harness.workerConfig(adding: "offset.flush.interval.ms=30000")
            let worker = try harness.start([connector], workerConfig: config)
            let start = ContinuousClock.now
            try await TestStack.eventually(timeout: .seconds(30), "the quiet file is written") {
                try await idsInBucket(prefix: "it/\(name)/").ids.count == 10
            }
            let elapsed = ContinuousClock.now - start
            try await TestStack.eventually(timeout: .seconds(5), "the file's offsets are committed") {
                harness.committedOffsetInFile(connector: name, field: "kafka_offset") == 10
            }
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
            print("S3 sink timer: 10 records visible \(elapsed) after the worker started (rotate.interval.ms=2000)")
            #expect(elapsed < .seconds(20))
            let key = try #require(try await idsInBucket(prefix: "it/\(name)/").keys.first)
            #expect(key.hasSuffix("\(topic)+0+0000000000.json"))
        }

        @Test(
            "a backlog whose record-time window ended long ago is written once read to the end, not a quiet interval later; a window that has not ended stays open"
        )
        func timerClosesBacklogReadToEnd() async throws {
            let topic = TestStack.unique("s3backlog")
            let admin = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: logger)
            try await admin.createTopic(.init(name: topic, partitions: 2))
            let producer = try await KafkaProducer(configuration: try TestStack.kafka(), logger: logger)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            // Partition 0: ids 0..<10 stamped an hour ago (a backlog); partition 1: ids 10..<20 stamped now.
            _ = try await producer.send(
                batch: (0..<20).map { id in
                    KafkaProducerRecord(
                        topic: topic, partition: Int32(id / 10), key: Array("k\(id)".utf8), value: Self.line(id, size: 100),
                        timestamp: id < 10 ? now - 3_600_000 : now)
                })
            try await producer.close()
            let harness = try WorkerHarness()
            let name = "\(topic)-sink"
            let connector = try sinkConnector(
                harness, name: name, topic: topic,
                overrides: [
                    "flush.size": "1000", "rotate.interval.ms": "600000", "s3.object.tagging": "false",
                ])
            let worker = try harness.start([connector])
            let start = ContinuousClock.now
            // Waiting for quiet alone would take rotate.interval.ms (10 minutes).
            try await TestStack.eventually(timeout: .seconds(40), "the backlog's file is written") {
                try await idsInBucket(prefix: "it/\(name)/").ids.count >= 10
            }
            let elapsed = ContinuousClock.now - start
            try await TestStack.eventually(timeout: .seconds(5), "the backlog's offsets are committed") {
                harness.committedOffsetInFile(connector: name, field: "kafka_offset") == 10
            }
            // Partition 1's window ends ten minutes from now: read to the end or not, it stays open.
            try await Task.sleep(for: .seconds(3))
            let (ids, keys) = try await idsInBucket(prefix: "it/\(name)/")
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
            print("S3 sink timer: an hour-old backlog visible \(elapsed) after the worker started (rotate.interval.ms=600000)")
            #expect(ids.sorted() == Array(0..<10))
            #expect(keys.count == 1 && keys[0].hasSuffix("\(topic)+0+0000000000.json"), "\(keys)")
        }

        @Test("JSON lines hold each value's compact JSON, read straight from the text or from the value a transformation changed")
        func compactJSONLines() async throws {
            let topic = TestStack.unique("s3json")
            let producer = try await producer(creating: topic, partitions: 1)
            let values: [String?] = [
                #"{ "id" : 1, "name": "a\u00e9\"\/", "n": 1.50, "list": [ 1e2, true, null ] }"#, nil, "null",
                #"{"id":2,"id":3}"#, "\t{\"e\u{301}\":1,\"\u{E9}\":2}\n",
            ]
            _ = try await producer.send(batch: values.map { KafkaProducerRecord(topic: topic, value: $0.map { Array($0.utf8) }) })
            try await producer.close()
            let harness = try WorkerHarness()
            let plain = "\(topic)-plain"
            let transformed = "\(topic)-insert"
            let settings = ["flush.size": "3", "s3.object.tagging": "false", "behavior.on.null.values": "ignore"]
            let connectors = [
                try sinkConnector(harness, name: plain, topic: topic, overrides: settings),
                try sinkConnector(
                    harness, name: transformed, topic: topic,
                    overrides: settings.merging([
                        "transforms": "ins", "transforms.ins.type": "org.apache.kafka.connect.transforms.InsertField$Value",
                        "transforms.ins.static.field": "src", "transforms.ins.static.value": "eu",
                    ]) { _, new in new }),
            ]
            let worker = try harness.start(connectors)
            func objectText(_ name: String) async throws -> String? {
                let client = try TestStack.s3()
                guard let object = try await client.listAllObjects(bucket: "sluice-data", prefix: "it/\(name)/").first else {
                    return nil
                }
                return String(decoding: try await client.getObject(bucket: "sluice-data", key: object.key), as: UTF8.self)
            }
            try await TestStack.eventually(timeout: .seconds(60), "both connectors wrote their object") {
                let first = try await objectText(plain)
                let second = try await objectText(transformed)
                return first != nil && second != nil
            }
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
            // Whitespace goes, escapes are written as JSON needs them, numbers as Kafka Connect
            // writes them, a repeated key (also é written two ways) keeps its first place and last value.
            let lines = [#"{"id":1,"name":"aé\"/","n":1.5,"list":[100.0,true,null]}"#, #"{"id":3}"#, "{\"e\u{301}\":2}"]
            #expect(try await objectText(plain) == lines.map { $0 + "\n" }.joined())
            #expect(
                try await objectText(transformed)
                    == lines.map { String($0.prefix($0.count - 1)) + #","src":"eu"}"# + "\n" }.joined())
        }

        @Test("store.kafka.keys writes each record's key, line for line, in a companion object")
        func keysCompanion() async throws {
            let topic = TestStack.unique("s3keys")
            try await produce(topic: topic, partitions: 1, count: 20, size: 100)
            let harness = try WorkerHarness()
            let name = "\(topic)-sink"
            let connector = try sinkConnector(
                harness, name: name, topic: topic,
                overrides: [
                    "flush.size": "20", "store.kafka.keys": "true", "s3.object.tagging": "false",
                ])
            let worker = try harness.start([connector])
            try await TestStack.eventually(timeout: .seconds(60), "the batch is written") {
                try await idsInBucket(prefix: "it/\(name)/").ids.count == 20
            }
            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
            let keys = try await idsInBucket(prefix: "it/\(name)/").keys
            let companion = try #require(keys.first { $0.hasSuffix("\(topic)+0+0000000000.json.keys.json") }, "\(keys)")
            let body = try await TestStack.s3().getObject(bucket: "sluice-data", key: companion)
            #expect(String(decoding: body, as: UTF8.self) == (0..<20).map { "\"k\($0)\"\n" }.joined())
        }

        @Test("wrong credentials fail the task at start with the S3 error, not a retry storm")
        func wrongCredentials() async throws {
            let topic = TestStack.unique("s3auth")
            try await produce(topic: topic, partitions: 1, count: 1, size: 100)
            let harness = try WorkerHarness()
            let name = "\(topic)-sink"
            let connector = try sinkConnector(
                harness, name: name, topic: topic, overrides: ["aws.secret.access.key": "wrong-secret-for-test"])
            let worker = try harness.start([connector], extraEnvironment: [:])
            try await TestStack.eventually(timeout: .seconds(30), "the task fails with the S3 error code") {
                harness.logText.contains("SignatureDoesNotMatch")
            }
            worker.signal(SIGTERM)
            _ = await worker.wait()
            #expect(harness.logText.contains("task failed"))
            #expect(!harness.logText.contains("wrong-secret-for-test"), "the secret never reaches the log")
        }
        /// Resident set size and its peak (kB) of a process, from /proc.
        func memory(of pid: pid_t) -> (rss: Int, peak: Int) {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            func field(_ name: String) -> Int {
                status.split(separator: "\n").first { $0.hasPrefix(name) }.flatMap {
                    Int($0.split(separator: " ").dropFirst().first ?? "")
                } ?? 0
            }
            return (field("VmRSS:"), field("VmHWM:"))
        }

        @Test("200 partitions × 24 hourly buckets under a 4 MiB budget: memory stays bounded and nothing is lost")
        func boundedMemory() async throws {
            let topic = TestStack.unique("s3budget")
            let producer = try await producer(creating: topic, partitions: 200)
            let base: Int64 = 1_735_689_600_000  // 2025-01-01T00:00Z
            let pad = String(repeating: "y", count: 450)
            let total = 48_000
            for start in stride(from: 0, to: total, by: 8000) {
                _ = try await producer.send(
                    batch: (start..<start + 8000).map { id in
                        KafkaProducerRecord(
                            topic: topic, partition: Int32(id % 200), value: Array(#"{"id":\#(id),"pad":"\#(pad)"}"#.utf8),
                            timestamp: base + Int64(id / 200 % 24) * 3_600_000)
                    })
            }
            try await producer.close()

            let harness = try WorkerHarness()
            let name = "\(topic)-sink"
            let workerConfig = harness.directory.appendingPathComponent("small-fetch.properties").path
            let baseConfig = try String(
                contentsOf: TestStack.root.appendingPathComponent("config/worker.properties"), encoding: .utf8)
            try (baseConfig + "\nconsumer.queued.max.messages.kbytes=4096\nconsumer.fetch.max.bytes=1048576\n")
                .write(toFile: workerConfig, atomically: true, encoding: .utf8)
            let connector = try sinkConnector(
                harness, name: name, topic: topic,
                overrides: [
                    "flush.size": "100000", "rotate.interval.ms": "-1", "rotate.schedule.interval.ms": "15000",
                    "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
                    "path.format": "'date'=YYYY-MM-dd/'hour'=HH", "partition.duration.ms": "3600000", "timezone": "UTC",
                    "s3.max.buffered.bytes": "4194304",
                ])
            let worker = try harness.start([connector], workerConfig: workerConfig)
            try await Task.sleep(for: .seconds(1))
            let startRSS = memory(of: worker.pid).rss
            try await TestStack.eventually(timeout: .seconds(240), "all \(total) records are in S3") {
                try await idsInBucket(prefix: "it/\(name)/").ids.count >= total
            }
            let usage = memory(of: worker.pid)
            worker.signal(SIGTERM)
            _ = await worker.wait()
            let (ids, keys) = try await idsInBucket(prefix: "it/\(name)/")
            print(
                "S3 sink budget: \(total) records (\(total * 480 / 1_048_576) MiB) in \(keys.count) objects; worker RSS at start \(startRSS / 1024) MiB, "
                    + "peak \(usage.peak / 1024) MiB (budget 4 MiB)")
            #expect(Set(ids) == Set(0..<Int64(total)), "nothing lost")
            #expect(keys.contains { $0.contains("/date=2025-01-01/hour=23/") })
            #expect(usage.peak - startRSS < 48 * 1024, "peak growth stays far below the 22 MiB of data (budget + client buffers)")
        }
    }
}
