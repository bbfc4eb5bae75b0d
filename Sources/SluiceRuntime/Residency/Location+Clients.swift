import Foundation
import Logging
import SluiceConnectSDK
import SluiceHTTP
import SluiceKafka
import SluicePostgres

extension Location {
    func require(_ key: String) throws(ConfigException) -> String {
        guard let value = self[key] else {
            throw ConfigException(
                key: "locations.\(name).\(key)", "location \(name) (\(kind.rawValue)) needs locations.\(name).\(key)")
        }
        return value
    }

    /// Kafka client settings (`bootstrap.servers`, falling back to the worker's brokers).
    public func kafkaConfiguration(defaultBootstrap: String, settings: [String: String] = [:]) -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: self["bootstrap.servers"] ?? defaultBootstrap, settings: settings)
    }

    /// Postgres connection settings: `dsn`, or `host`/`port`/`user`/`password`/`dbname`/`sslmode`.
    public func postgresConfiguration() throws(ConfigException) -> PostgresConfiguration {
        let sslMode = self["sslmode"].flatMap(PostgresConfiguration.SSLMode.init(rawValue:)) ?? .prefer
        if let dsn = self["dsn"] {
            return PostgresConfiguration(
                user: self["user"] ?? "", password: self["password"], database: self["dbname"] ?? "", sslMode: sslMode,
                applicationName: "sluice-checkpoints", dsn: dsn)
        }
        guard let port = Int(self["port"] ?? "5432") else {
            throw ConfigException(key: "locations.\(name).port", "locations.\(name).port must be a port number")
        }
        return PostgresConfiguration(
            host: try require("host"), port: port, user: try require("user"), password: self["password"],
            database: try require("dbname"), sslMode: sslMode, connectTimeout: .seconds(10), applicationName: "sluice-checkpoints"
        )
    }

    /// An S3 client for the location's `endpoint` (AWS's regional endpoint when unset), `region`,
    /// `access.key`/`secret.key` and `path.style`.
    public func s3Client(logger: Logger) throws(ConfigException) -> S3Client {
        guard let region else {
            throw ConfigException(key: "locations.\(name).region", "s3 location \(name) needs locations.\(name).region")
        }
        let endpointText = self["endpoint"] ?? "https://s3.\(region).amazonaws.com"
        guard let endpoint = URL(string: endpointText), endpoint.scheme != nil else {
            throw ConfigException(key: "locations.\(name).endpoint", "locations.\(name).endpoint is not a URL: \(endpointText)")
        }
        return S3Client(
            configuration: .init(
                endpoint: endpoint, region: region,
                credentials: .init(accessKeyID: try require("access.key"), secretAccessKey: try require("secret.key")),
                pathStyle: (self["path.style"] ?? "true").lowercased() == "true",
                http: .init(
                    connectTimeout: .seconds(5), requestTimeout: .seconds(30),
                    retry: .init(maxAttempts: 3, deadline: .seconds(20)))),
            logger: logger)
    }
}

/// Builds the checkpoint store of a location.
public enum CheckpointStoreFactory {
    /// Opens the store a location describes. Kafka locations need `topic` (the compacted offsets
    /// topic) and use `producer` when given; Postgres uses `schema` (default `sluice`) and `table`
    /// (default `checkpoints`); S3 uses `bucket` and `prefix` (default `checkpoints/`); file uses `path`.
    public static func make(
        _ location: Location, worker: WorkerConfig, producer: KafkaProducer? = nil, logger: Logger
    ) async throws -> any CheckpointStore {
        let limit = worker.checkpointHistoryMax
        switch location.kind {
        case .file:
            return try FileCheckpointStore(
                path: try location.require("path"), location: location.checkpointLocation, historyLimit: limit)
        case .postgres:
            return try await PostgresCheckpointStore(
                configuration: try location.postgresConfiguration(), schema: location["schema"] ?? "sluice",
                table: location["table"] ?? "checkpoints", location: location.checkpointLocation, historyLimit: limit,
                logger: logger)
        case .s3:
            return S3CheckpointStore(
                client: try location.s3Client(logger: logger), bucket: try location.require("bucket"),
                prefix: location["prefix"] ?? "checkpoints/", location: location.checkpointLocation, historyLimit: limit)
        case .kafka:
            let kafka = location.kafkaConfiguration(defaultBootstrap: worker.bootstrapServers, settings: worker.consumerSettings)
            // The worker's producer only reaches the worker's brokers.
            let sameBrokers = location["bootstrap.servers"].map { $0 == worker.bootstrapServers } ?? true
            let producer =
                if let producer, sameBrokers { producer } else {
                    try await KafkaProducer(
                        configuration: location.kafkaConfiguration(
                            defaultBootstrap: worker.bootstrapServers, settings: worker.producerSettings), logger: logger)
                }
            return try await KafkaCheckpointStore(
                topic: try location.require("topic"), partitions: Int32(location["topic.partitions"] ?? "") ?? 5,
                replicationFactor: Int32(location["topic.replication.factor"] ?? "") ?? 1, kafka: kafka, producer: producer,
                location: location.checkpointLocation, logger: logger, historyLimit: limit)
        case .secretStore, .audit:
            throw ConfigException(
                key: "locations.\(location.name).kind",
                "location \(location.name) is a \(location.kind.rawValue) location and cannot hold checkpoints")
        }
    }
}
