import ArgumentParser
import CMalloc
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import SluiceConnectSDK
import SluiceREST
import SluiceRuntime
import SluiceSupport
import UnixSignals

/// `sluice worker --config FILE [CONNECTOR.json …]`: a standalone worker.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a standalone worker with the given connectors.",
        discussion: """
            FILE is a worker .properties file (Kafka Connect's connect-standalone keys). Each CONNECTOR is a JSON file \
            ({"name": …, "config": {…}}) or a .properties file. SIGTERM or SIGINT stops every task, commits offsets and exits 0.
            """
    )

    @Option(name: .long, help: "Worker configuration (.properties).")
    var config: String

    @Argument(help: "Connector configuration files.")
    var connectors: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        Self.tuneMalloc()
        let level = Logger.Level(rawValue: logLevel) ?? LogLevels.parse(logLevel) ?? .info
        // Levels can change at run time through PUT /admin/loggers/{name}.
        let levels = LogLevels(root: level)
        LoggingSystem.bootstrap { label in
            DynamicLevelLogHandler(label: label, levels: levels, inner: StreamLogHandler.standardError(label: label))
        }
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let logger = Logger(label: "sluice.worker")
        let environment = ProcessInfo.processInfo.environment
        let settings: [String: String]
        do {
            settings = Properties.parse(try String(contentsOfFile: config, encoding: .utf8))
        } catch {
            throw ValidationError("cannot read worker config \(config): \(error.localizedDescription)")
        }
        let workerConfig: WorkerConfig
        do {
            workerConfig = try WorkerConfig(
                settings: settings, environment: environment, hostDescription: "\(ProcessInfo.processInfo.hostName):\(getpid())")
        } catch {
            throw ValidationError("\(config): \(error)")
        }
        let connectorConfigs = try connectors.map { path in
            do { return try ConnectorFile.load(path) } catch { throw ValidationError("\(path): \(error)") }
        }
        let rest = workerConfig.rest
        let restLogger = Logger(label: "sluice.rest")
        let worker = WorkerService(config: workerConfig, connectors: connectorConfigs, logger: logger) { frontend in
            try RESTServer(
                settings: rest, herder: frontend.herder, kafkaClusterID: frontend.kafkaClusterID, levels: levels,
                metrics: metrics, readiness: frontend.ready, logger: restLogger
            ) { port in
                restLogger.info("REST API listening", metadata: ["url": "\(rest.scheme)://\(rest.host):\(port)"])
            }
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

extension WorkerCommand {
    /// Keeps the worker's resident memory close to what it uses; `MALLOC_ARENA_MAX` and
    /// `MALLOC_MMAP_THRESHOLD_` in the environment, when set, win.
    static func tuneMalloc() {
        let environment = ProcessInfo.processInfo.environment
        // glibc gives each thread that contends for the allocator its own arena (up to 8 per core),
        // and a worker's many threads (librdkafka, NIO, libcurl, the concurrency pool) would hold
        // freed memory in a dozen arenas. Two are enough: the threads mostly wait.
        if environment["MALLOC_ARENA_MAX"] == nil { _ = mallopt(M_ARENA_MAX, 2) }
        // Blocks of 1 MiB and more (object bodies, record batches) are mapped and unmapped on their
        // own, so freeing one returns it to the system at once. glibc's default threshold rises
        // after each such free, until 10 MB buffers sit in the heap and the peak RSS holds them.
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = mallopt(M_MMAP_THRESHOLD, 1 << 20) }
    }
}
