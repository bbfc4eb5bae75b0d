import Foundation
import Logging
import ServiceLifecycle
import SluiceConnectSDK
import SluiceKafka
import SluiceSupport

/// A standalone worker as a `Service`: checks librdkafka, loads plugins, opens the checkpoint
/// store and producer, starts the given connectors, and on graceful shutdown (SIGTERM/SIGINT)
/// stops every task — which commits its offsets — and flushes the producer before returning.
public struct WorkerService: Service {
    /// What a front end (the REST API) is given to serve the worker.
    public struct Frontend: Sendable {
        public var herder: StandaloneHerder
        public var kafkaClusterID: String
        /// Set once stored and given connectors have been started (`GET /health`).
        public var ready: AtomicFlag
    }

    public let config: WorkerConfig
    public let connectors: [[String: String]]
    let logger: Logger
    let frontend: (@Sendable (Frontend) throws -> any Service)?

    /// - Parameter frontend: builds the service (the REST server) that runs beside the herder.
    public init(
        config: WorkerConfig, connectors: [[String: String]], logger: Logger,
        frontend: (@Sendable (Frontend) throws -> any Service)? = nil
    ) {
        self.config = config
        self.connectors = connectors
        self.logger = logger
        self.frontend = frontend
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
        let audit = try AuditLog(worker: config, logger: logger)
        var placer: CheckpointPlacer?
        if !config.locations.isEmpty {
            // Connectors whose checkpoints have a location (state.<class>.location) use its guarded
            // store; the herder places each connector as it is created and checks the policy.
            let created = try CheckpointPlacer(worker: config, fallback: store, producer: producer, audit: audit, logger: logger)
            store = created.router
            placer = created
        }
        await audit.startSummaries(every: config.auditCheckpointSummaryInterval)
        store = AuditedCheckpointStore(inner: store, audit: audit)
        let herder = StandaloneHerder(
            worker: config, registry: registry, store: store, producer: producer, kafka: kafka,
            configStore: ConnectorConfigStore(path: config.configStorageFile),
            providers: try ConfigProviders(worker: config, logger: logger), placer: placer,
            audit: audit, logger: logger)
        let clusterID = try await KafkaAdmin(configuration: kafka, logger: logger).clusterID()
        let ready = AtomicFlag(false)
        let front = try frontend?(Frontend(herder: herder, kafkaClusterID: clusterID, ready: ready))
        let connectors = self.connectors
        let logger = self.logger
        let workerID = config.workerID
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await audit.record(
                    "worker.started", subject: "worker/\(workerID)",
                    data: ["version": .string(SluiceVersion.current), "kafkaClusterId": .string(clusterID)])
                try await herder.startStored()
                for connector in connectors { _ = try await herder.put(connector) }
                ready.store(true)
                let count = await herder.connectorNames.count
                logger.info(
                    "worker started",
                    metadata: [
                        "worker": "\(workerID)", "connectors": "\(count)",
                        "kafka_cluster_id": "\(clusterID)",
                    ])
                // Returns on SIGTERM/SIGINT, or throws when the front end failed and cancelled us.
                try? await gracefulShutdown()
                logger.info("worker stopping: stopping tasks and committing offsets")
                await herder.stopAll()
                try await producer.close()
                await audit.record("worker.stopped", subject: "worker/\(workerID)")
                await audit.close()
                logger.info("worker stopped")
            }
            if let front { group.addTask { try await front.run() } }
            do {
                // The first child to fail (e.g. the REST port is taken) ends the worker at once.
                while try await group.next() != nil {}
            } catch {
                group.cancelAll()
                throw error
            }
        }
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
