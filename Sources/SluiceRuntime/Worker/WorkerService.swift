import Foundation
import Logging
import ServiceLifecycle
import SluiceConnectSDK
import SluiceKafka

/// A standalone worker as a `Service`: checks librdkafka, loads plugins, opens the checkpoint
/// store and producer, starts the given connectors, and on graceful shutdown (SIGTERM/SIGINT)
/// stops every task — which commits its offsets — and flushes the producer before returning.
public struct WorkerService: Service {
    public let config: WorkerConfig
    public let connectors: [[String: String]]
    let logger: Logger

    public init(config: WorkerConfig, connectors: [[String: String]], logger: Logger) {
        self.config = config
        self.connectors = connectors
        self.logger = logger
    }

    public func run() async throws {
        try Librdkafka.check(logger: logger)
        var registry = PluginRegistry.builtIn()
        for plugin in try PluginLoader(logger: logger).load(paths: config.pluginPath) {
            try registry.register(plugin.manifest, origin: plugin.path)
        }
        let kafka = KafkaConfiguration(bootstrapServers: config.bootstrapServers, settings: config.producerSettings)
        let producer = try await KafkaProducer(configuration: kafka, logger: logger)
        var store: any CheckpointStore
        if let topic = config.offsetStorageTopic {
            store = try await KafkaCheckpointStore(
                topic: topic, partitions: config.offsetStoragePartitions,
                replicationFactor: config.offsetStorageReplicationFactor,
                kafka: KafkaConfiguration(bootstrapServers: config.bootstrapServers, settings: config.consumerSettings),
                producer: producer,
                location: CheckpointLocation(name: "offsets-topic:\(topic)", kind: "kafka"), logger: logger)
        } else {
            store = try FileCheckpointStore(
                path: config.offsetStorageFile, location: CheckpointLocation(name: "standalone-file", kind: "file"))
        }
        logger.info("checkpoint store", metadata: ["location": "\(store.location.name)", "kind": "\(store.location.kind)"])
        if !config.locations.isEmpty {
            // Connectors whose checkpoints have a location (state.<class>.location) use its guarded store.
            store = try await CheckpointPlacement.open(
                worker: config, connectors: connectors, fallback: store, producer: producer, logger: logger)
        }
        let herder = StandaloneHerder(
            worker: config, registry: registry, store: store, producer: producer, kafka: kafka, logger: logger)
        for connector in connectors { try await herder.put(connector) }
        logger.info("worker started", metadata: ["worker": "\(config.workerID)", "connectors": "\(connectors.count)"])
        try? await gracefulShutdown()
        logger.info("worker stopping: stopping tasks and committing offsets")
        await herder.stopAll()
        try await producer.close()
        logger.info("worker stopped")
    }
}

/// Reads connector definition files: Kafka Connect REST bodies (`{"name":…,"config":{…}}`),
/// flat JSON objects, or `.properties` files.
public enum ConnectorFile {
    public static func load(_ path: String) throws -> [String: String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        if path.hasSuffix(".properties") { return Properties.parse(text) }
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch {
            throw ConfigException(key: "file", "\(path) is not valid JSON: \(error)")
        }
        guard let object = json.objectValue else { throw ConfigException(key: "file", "\(path) must hold a JSON object") }
        var config: [String: String] = [:]
        let body = object["config"]?.objectValue ?? object
        for (key, value) in body { config[key] = value.stringValue ?? value.jsonString }
        if let name = object["name"]?.stringValue, config["name"] == nil { config["name"] = name }
        return config
    }
}
