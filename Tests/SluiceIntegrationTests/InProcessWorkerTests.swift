import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import SluiceRuntime
import Testing

/// What the test sink saw, shared with the test.
actor SinkLog {
    var values: [ConnectValue] = []
    /// The values' JSON text, for records delivered so (`deliverValuesAsJSONText`).
    var texts: [String?] = []
    var putCalls = 0
    func record(_ records: [SinkRecord]) {
        values += records.map(\.value)
        texts += records.map { $0.valueJSON.map { String(decoding: $0, as: UTF8.self) } }
    }
    func countPut() -> Int {
        putCalls += 1
        return putCalls
    }
}

/// A sink whose first `failures` calls to `put` throw a `RetriableException` (a flaky store).
/// With `json.text=true` it takes values as JSON text, and reports to the errant record reporter
/// every record whose text contains `"bad"`.
actor FlakySinkConnector: SinkConnector {
    static let registry = Registry()
    /// Logs per connector name, so tests can read what their sink received.
    actor Registry {
        var logs: [String: SinkLog] = [:]
        func log(for name: String) -> SinkLog {
            if let log = logs[name] { return log }
            let log = SinkLog()
            logs[name] = log
            return log
        }
    }

    let version = "test"
    nonisolated var configDef: ConfigDef {
        ConfigDef()
            .define("failures", .int, default: "0", documentation: "put calls that fail before it works")
            .define("json.text", .boolean, default: "false", documentation: "take values as JSON text")
    }
    private var config: [String: String] = [:]
    func start(_ config: [String: String], context: any ConnectorContext) { self.config = config }
    func taskConfigs(maxTasks: Int) -> [[String: String]] { [config] }
    func stop() {}
    nonisolated func makeTask() -> any SinkTask { FlakySinkTask() }

    static let plugin = ConnectorPlugin(
        className: "test.FlakySink", kind: .sink, version: "test", configDef: ConfigDef(), make: { FlakySinkConnector() })
}

actor FlakySinkTask: SinkTask {
    var failures = 0
    var log: SinkLog?
    var context: (any SinkTaskContext)?

    func start(_ config: [String: String], context: any SinkTaskContext) async {
        failures = Int(config["failures"] ?? "0") ?? 0
        log = await FlakySinkConnector.registry.log(for: config["name"] ?? "")
        self.context = context
        if config["json.text"] == "true" { context.deliverValuesAsJSONText() }
    }

    func put(_ records: [SinkRecord]) async throws {
        guard let log else { return }
        let call = await log.countPut()
        if call <= failures { throw RetriableException("store unavailable (call \(call) of \(failures) failing)") }
        var good: [SinkRecord] = []
        for record in records {
            if let text = record.valueJSON, String(decoding: text, as: UTF8.self).contains("\"bad\""),
                let reporter = context?.errantRecordReporter
            {
                try await reporter.report(record, error: DataException("a bad record"))
            } else {
                good.append(record)
            }
        }
        await log.record(good)
    }

    func stop() {}
}

/// A source that emits three records once: bytes, a string (which ByteArrayConverter cannot
/// convert) and bytes again.
actor PoisonSourceConnector: SourceConnector {
    let version = "test"
    nonisolated var configDef: ConfigDef { ConfigDef().define("topic", .string, documentation: "target topic") }
    private var config: [String: String] = [:]
    func start(_ config: [String: String], context: any ConnectorContext) { self.config = config }
    func taskConfigs(maxTasks: Int) -> [[String: String]] { [config] }
    func stop() {}
    nonisolated func makeTask() -> any SourceTask { PoisonSourceTask() }

    static let plugin = ConnectorPlugin(
        className: "test.PoisonSource", kind: .source, version: "test", configDef: ConfigDef(), make: { PoisonSourceConnector() })
}

actor PoisonSourceTask: SourceTask {
    var topic = ""
    var done = false
    func start(_ config: [String: String], context: any SourceTaskContext) { topic = config["topic"] ?? "" }
    func poll() async throws -> [SourceRecord] {
        guard !done else {
            try await Task.sleep(for: .milliseconds(100))
            return []
        }
        done = true
        let values: [ConnectValue] = [.bytes(Array("a".utf8)), .string("bad"), .bytes(Array("c".utf8))]
        return values.enumerated().map { index, value in
            SourceRecord(sourcePartition: ["p": 0], sourceOffset: ["i": .int(Int64(index))], topic: topic, value: value)
        }
    }
    func stop() {}
}

extension Integration {
    @Suite("Worker runtime in process")
    struct InProcessWorkerTests {
        let logger = TestStack.logger("worker-test")

        func herder(restart: Bool = false) async throws -> (StandaloneHerder, KafkaProducer, URL) {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-herder-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let worker = try WorkerConfig(
                settings: [
                    "bootstrap.servers": try TestStack.value("SLUICE_KAFKA_BOOTSTRAP"), "offset.flush.interval.ms": "500",
                    "task.restart.enable": restart ? "true" : "false", "consumer.session.timeout.ms": "6000",
                    "consumer.heartbeat.interval.ms": "500", "consumer.max.poll.interval.ms": "10000",
                ],
                environment: [:], hostDescription: "test-worker")
            var registry = PluginRegistry.builtIn()
            try registry.register(
                PluginManifest(name: "test", connectors: [FlakySinkConnector.plugin, PoisonSourceConnector.plugin]),
                origin: "test")
            let store = try FileCheckpointStore(
                path: directory.appendingPathComponent("offsets.json").path, location: .init(name: "test-file", kind: "file"))
            let kafka = KafkaConfiguration(bootstrapServers: worker.bootstrapServers)
            let producer = try await KafkaProducer(configuration: kafka, logger: logger)
            let herder = StandaloneHerder(
                worker: worker, registry: registry, store: store, producer: producer,
                kafka: KafkaConfiguration(bootstrapServers: worker.bootstrapServers, settings: worker.consumerSettings),
                logger: logger)
            return (herder, producer, directory)
        }

        func produce(_ producer: KafkaProducer, topic: String, values: [String]) async throws {
            let admin = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: logger)
            try await admin.createTopic(.init(name: topic, partitions: 1))
            _ = try await producer.send(
                batch: values.map { KafkaProducerRecord(topic: topic, partition: 0, value: Array($0.utf8)) })
        }

        @Test("a sink whose put throws retriable errors recovers within errors.retry.timeout")
        func retriableRecovers() async throws {
            let (herder, producer, _) = try await herder()
            let topic = TestStack.unique("flaky")
            try await produce(producer, topic: topic, values: (0..<50).map { #"{"n":\#($0)}"# })
            let name = "\(topic)-sink"
            try await herder.put([
                "name": name, "connector.class": "test.FlakySink", "topics": topic, "failures": "3",
                "errors.retry.timeout": "30000",
                "errors.retry.delay.max.ms": "500", "value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
            ])
            let log = await FlakySinkConnector.registry.log(for: name)
            try await TestStack.eventually(timeout: .seconds(60), "all 50 records put after 3 failures") {
                await log.values.count == 50
            }
            #expect(await log.putCalls >= 4)
            #expect((try? await herder.status(name))?.tasks.first?.status.state == .running)
            await herder.stopAll()
            try await producer.close()
        }

        @Test("without retry budget the task fails with the error in its trace")
        func retriableFailsWithoutBudget() async throws {
            let (herder, producer, _) = try await herder()
            let topic = TestStack.unique("flakyfail")
            try await produce(producer, topic: topic, values: [#"{"n":1}"#])
            let name = "\(topic)-sink"
            try await herder.put([
                "name": name, "connector.class": "test.FlakySink", "topics": topic, "failures": "1000",
                "errors.retry.timeout": "0",
                "value.converter": "JsonConverter", "value.converter.schemas.enable": "false",
            ])
            try await TestStack.eventually(timeout: .seconds(60), "task FAILED") {
                (try? await herder.status(name))?.tasks.first?.status.state == .failed
            }
            #expect((try? await herder.status(name))?.tasks.first?.status.trace?.contains("store unavailable") == true)
            await herder.stopAll()
            try await producer.close()
        }

        @Test("a poison record goes to the dead-letter topic with context headers (errors.tolerance=all)")
        func poisonToDeadLetter() async throws {
            let (herder, producer, _) = try await herder()
            let topic = TestStack.unique("poison")
            let dlq = "\(topic)-dlq"
            try await produce(producer, topic: topic, values: [#"{"n":1}"#, "this is not json", #"{"n":3}"#])
            let name = "\(topic)-sink"
            try await herder.put([
                "name": name, "connector.class": "test.FlakySink", "topics": topic, "errors.tolerance": "all",
                "errors.deadletterqueue.topic.name": dlq, "errors.log.enable": "true", "value.converter": "JsonConverter",
                "value.converter.schemas.enable": "false",
            ])
            let log = await FlakySinkConnector.registry.log(for: name)
            try await TestStack.eventually(timeout: .seconds(60), "two good records put") { await log.values.count == 2 }
            let dead = try await WorkerHarness.readAll(topic: dlq, expected: 1, timeout: .seconds(30))
            #expect(dead.count == 1)
            let message = try #require(dead.first)
            #expect(message.value == Array("this is not json".utf8), "the original bytes, unchanged")
            var headers: [String: String] = [:]
            for header in message.headers { headers[header.key] = String(decoding: header.value ?? [], as: UTF8.self) }
            #expect(headers["__connect.errors.topic"] == topic)
            #expect(headers["__connect.errors.partition"] == "0")
            #expect(headers["__connect.errors.offset"] == "1")
            #expect(headers["__connect.errors.connector.name"] == name)
            #expect(headers["__connect.errors.task.id"] == "0")
            #expect(headers["__connect.errors.stage"] == "VALUE_CONVERTER")
            #expect(headers["__connect.errors.exception.message"]?.isEmpty == false)
            #expect((try? await herder.status(name))?.tasks.first?.status.state == .running)
            await herder.stopAll()
            try await producer.close()
        }

        @Test(
            "values taken as JSON text: the sink gets each value's compact text; bad JSON and a reported record go to the DLQ")
        func jsonTextToDeadLetter() async throws {
            let (herder, producer, _) = try await herder()
            let topic = TestStack.unique("jsontext")
            let dlq = "\(topic)-dlq"
            try await produce(
                producer, topic: topic, values: [#"{ "n": 1 }"#, "not json", #"{"bad": true, "n": 2.50}"#, #"{"n":3}"#])
            let name = "\(topic)-sink"
            try await herder.put([
                "name": name, "connector.class": "test.FlakySink", "topics": topic, "json.text": "true",
                "errors.tolerance": "all", "errors.deadletterqueue.topic.name": dlq, "value.converter": "JsonConverter",
                "value.converter.schemas.enable": "false",
            ])
            let log = await FlakySinkConnector.registry.log(for: name)
            try await TestStack.eventually(timeout: .seconds(60), "two good records put") { await log.values.count == 2 }
            #expect(await log.texts == [#"{"n":1}"#, #"{"n":3}"#])
            #expect(await log.values == [.null, .null], "the values were not built")
            // Text that is not JSON fails in the converter stage as before, with its original bytes.
            let dead = try await WorkerHarness.readAll(topic: dlq, expected: 2, timeout: .seconds(30))
            // Keyed by stage: the two land on the DLQ topic in either order.
            let byStage = Dictionary(
                dead.map { message in
                    let stage = message.headers.first { $0.key == "__connect.errors.stage" }?.value ?? []
                    return (String(decoding: stage, as: UTF8.self), message.value ?? [])
                }, uniquingKeysWith: { first, _ in first })
            #expect(byStage == ["VALUE_CONVERTER": Array("not json".utf8), "TASK_PUT": Array(#"{"bad":true,"n":2.5}"#.utf8)])
            await herder.stopAll()
            try await producer.close()
        }

        @Test("a source record that cannot be converted goes to the dead-letter topic too (Kafka Connect has sink DLQs only)")
        func sourceDeadLetter() async throws {
            let (herder, producer, _) = try await herder()
            let topic = TestStack.unique("srcpoison")
            let name = "\(topic)-source"
            try await herder.put([
                "name": name, "connector.class": "test.PoisonSource", "topic": topic, "errors.tolerance": "all",
                "errors.deadletterqueue.topic.name": "\(topic)-dlq", "value.converter": "ByteArrayConverter",
            ])
            let good = try await WorkerHarness.readAll(topic: topic, expected: 2, timeout: .seconds(30))
            #expect(good.map { String(decoding: $0.value ?? [], as: UTF8.self) }.sorted() == ["a", "c"])
            let dead = try await WorkerHarness.readAll(topic: "\(topic)-dlq", expected: 1, timeout: .seconds(30))
            #expect(dead.count == 1)
            #expect(dead.first.map { String(decoding: $0.value ?? [], as: UTF8.self) } == #""bad""#)
            let stage = dead.first?.headers.first { $0.key == "__connect.errors.stage" }?.value
            #expect(stage == Array("VALUE_CONVERTER".utf8))
            #expect(
                dead.first?.headers.contains { $0.key == "__connect.errors.connector.name" && $0.value == Array(name.utf8) }
                    == true)
            await herder.stopAll()
            try await producer.close()
        }

        @Test("an unknown connector class is refused with the plugins found")
        func unknownClass() async throws {
            let (herder, producer, _) = try await herder()
            let error = await #expect(throws: PluginError.self) {
                try await herder.put(["name": "x", "connector.class": "com.example.Nope", "topics": "t"])
            }
            #expect(error?.message.contains("com.example.Nope") == true)
            #expect(error?.message.contains("test.FlakySink") == true)
            try await producer.close()
        }
    }
}
