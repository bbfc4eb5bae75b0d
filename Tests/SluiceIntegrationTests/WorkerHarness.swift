import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import SluiceRuntime
import Testing

/// Runs `sluice worker` as a real process against the local stack, with its own data directory.
struct WorkerHarness {
    let directory: URL
    let log: String

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-worker-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        log = directory.appendingPathComponent("worker.log").path
    }

    var offsetsFile: String { directory.appendingPathComponent("standalone.offsets").path }

    /// A connector file from `config/`, with overrides, written into the data directory.
    func connector(from example: String, overrides: [String: String]) throws -> String {
        var config = try ConnectorFile.load(TestStack.root.appendingPathComponent("config/\(example)").path)
        for (key, value) in overrides { config[key] = value }
        let body: JSONValue = .object(
            [
                "name": .string(config["name"] ?? ""),
                "config": .object(JSONObject(config.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ])
        let path = directory.appendingPathComponent("\(config["name"] ?? "connector").json").path
        try Data(body.jsonBytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Starts the worker with `config/worker.properties` (or `workerConfig`) and these connector files.
    func start(_ connectors: [String], workerConfig: String? = nil, extraEnvironment: [String: String] = [:]) throws
        -> ChildProcess
    {
        let binary = TestStack.root.appendingPathComponent(".build/debug/sluice").path
        let config = workerConfig ?? TestStack.root.appendingPathComponent("config/worker.properties").path
        var environment = extraEnvironment
        environment["SLUICE_DATA_DIR"] = directory.path
        // Any free port, so workers never collide; `restURL()` reads the chosen one from the log.
        environment["SLUICE_REST_LISTENER"] = environment["SLUICE_REST_LISTENER"] ?? "http://127.0.0.1:0"
        return try ChildProcess.spawn(binary, ["worker", "--config", config] + connectors, environment: environment, output: log)
    }

    /// The REST API's base URL, once the worker logged it; `afterRestart` waits for the second
    /// worker started on this data directory (the log is appended to).
    func restURL(afterRestart: Bool = false, timeout: Duration = .seconds(60)) async throws -> String {
        var url: String?
        try await TestStack.eventually(timeout: timeout, "the worker's REST API to listen (log: \(log))") {
            let matches = logText.matches(of: /url=(https?:\/\/[^\s]+)/).map { String($0.1) }
            url = matches.count >= (afterRestart ? 2 : 1) ? matches.last : nil
            return url != nil
        }
        return url!
    }

    /// The worker's log so far (for failure messages).
    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// A worker properties file like `config/worker.properties` but with offsets in the Kafka topic
    /// `topic` (Kafka Connect's offsets format) instead of the offsets file.
    func workerConfigWithOffsetsTopic(_ topic: String) throws -> String {
        try workerConfig(adding: "offset.storage.topic=\(topic)\noffset.storage.partitions=3")
    }

    /// A worker properties file: `config/worker.properties` with `lines` appended.
    func workerConfig(adding lines: String) throws -> String {
        let base = try String(contentsOf: TestStack.root.appendingPathComponent("config/worker.properties"), encoding: .utf8)
        let path = directory.appendingPathComponent("worker-\(UUID().uuidString.prefix(8)).properties").path
        try (base + "\n" + lines + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The highest committed source offset `field` of `connector`: from the offsets file, or from
    /// the offsets topic when one is given.
    func committedOffset(connector: String, field: String, offsetsTopic: String? = nil) async throws -> Int64? {
        guard let offsetsTopic else { return committedOffsetInFile(connector: connector, field: field) }
        let producer = try await KafkaProducer(configuration: try TestStack.kafka(), logger: TestStack.logger("offsets"))
        let store = try await KafkaCheckpointStore(
            topic: offsetsTopic, partitions: 3, replicationFactor: 1, kafka: try TestStack.kafkaConsumer(), producer: producer,
            location: .init(name: offsetsTopic, kind: "kafka"), logger: TestStack.logger("offsets"))
        let offset = await store.offsets(connector: connector).values.compactMap { $0[field]?.intValue }.max()
        try await producer.close()
        return offset
    }

    /// The committed source offset `field` for `connector`'s partitions, from the offsets file.
    func committedOffsetInFile(connector: String, field: String) -> Int64? {
        guard let data = FileManager.default.contents(atPath: offsetsFile), let root = try? JSONValue.parse(Array(data)) else {
            return nil
        }
        return root["entries"]?.arrayValue?.compactMap { entry -> Int64? in
            guard entry["key"]?.arrayValue?.first?.stringValue == connector else { return nil }
            return entry["offset"]?[field]?.intValue
        }.max()
    }

    /// Every record of `topic` from the beginning, read with a fresh consumer group.
    static func readAll(topic: String, expected: Int, timeout: Duration = .seconds(120)) async throws -> [KafkaConsumerMessage] {
        // Subscribe only once the topic exists: a consumer learns of new topics only at its next
        // metadata refresh.
        let admin = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: TestStack.logger("reader"))
        try await TestStack.eventually(timeout: timeout, "topic \(topic) exists") {
            (try? await admin.describeTopic(topic)) != nil
        }
        let consumer = try await KafkaConsumer(
            configuration: try TestStack.kafkaConsumer(), groupID: TestStack.unique("reader"), logger: TestStack.logger("reader"))
        try consumer.subscribe(topics: [topic])
        var messages: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + timeout
        var quietSince = ContinuousClock.now
        while ContinuousClock.now < deadline {
            let batch = try await consumer.poll(maxMessages: 5000, timeout: .milliseconds(500))
            messages += batch
            if !batch.isEmpty { quietSince = ContinuousClock.now }
            if messages.count >= expected && ContinuousClock.now - quietSince > .seconds(2) { break }
        }
        await consumer.close()
        return messages
    }
}
