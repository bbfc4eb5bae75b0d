import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SluiceConnectSDK
import SluiceRuntime
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
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
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
        let worker = WorkerService(config: workerConfig, connectors: connectorConfigs, logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
