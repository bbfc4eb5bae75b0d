import ArgumentParser
import Foundation
import Logging
import SluiceConnectSDK
import SluiceRuntime

/// Shared by the offline commands: read the worker config, log to stderr, write JSON.
enum CLISupport {
    static func logger(_ label: String, level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }

    /// Parses a worker .properties file with `${env:…}` placeholders; problems exit with code 2.
    static func workerConfig(_ path: String) throws -> WorkerConfig {
        let settings: [String: String]
        do {
            settings = Properties.parse(try String(contentsOfFile: path, encoding: .utf8))
        } catch {
            throw CLIFailure(code: 2, "cannot read worker config \(path): \(error.localizedDescription)")
        }
        do {
            return try WorkerConfig(
                settings: settings, environment: ProcessInfo.processInfo.environment,
                hostDescription: "\(ProcessInfo.processInfo.hostName):\(getpid())")
        } catch {
            throw CLIFailure(code: 2, "\(path): \(error)")
        }
    }

    static func connectorConfigs(_ paths: [String]) throws -> [[String: String]] {
        try paths.map { path in
            do { return try ConnectorFile.load(path) } catch { throw CLIFailure(code: 2, "\(path): \(error)") }
        }
    }

    static func location(_ name: String, in worker: WorkerConfig) throws -> Location {
        guard let location = worker.locations.byName[name] else {
            throw CLIFailure(code: 2, "unknown location \(name); known locations: \(worker.locations.knownNames)")
        }
        return location
    }

    /// The store named by `--location`, else the connector's checkpoint location (migration
    /// pointer, then the worker's source-offsets or sink-checkpoints default), else the worker's
    /// offset.storage store.
    static func store(worker: WorkerConfig, connector: String, location name: String?, logger: Logger) async throws
        -> any CheckpointStore
    {
        var location: Location?
        if let name {
            location = try self.location(name, in: worker)
        } else if let pointer = CheckpointPlacement.pointer(worker: worker, connector: connector) {
            location = try self.location(pointer.location, in: worker)
        } else {
            location = try worker.locations.resolve(.sourceOffsets) ?? worker.locations.resolve(.sinkCheckpoints)
        }
        if let location { return try await CheckpointStoreFactory.make(location, worker: worker, logger: logger) }
        if let topic = worker.offsetStorageTopic {
            let kafka = Location(name: "offsets-topic:\(topic)", kind: .kafka, region: nil, settings: ["topic": topic])
            return try await CheckpointStoreFactory.make(kafka, worker: worker, logger: logger)
        }
        return try FileCheckpointStore(
            path: worker.offsetStorageFile, location: CheckpointLocation(name: "standalone-file", kind: "file"),
            historyLimit: worker.checkpointHistoryMax)
    }

    static func write(_ json: JSONValue, to path: String) throws {
        do {
            try Data(json.jsonBytes + [UInt8(ascii: "\n")]).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIFailure(code: 2, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}

/// A failure the command reports on stderr with its exit code (never a stack trace).
struct CLIFailure: Error, CustomStringConvertible {
    var code: Int32
    var description: String
    init(code: Int32, _ description: String) {
        self.code = code
        self.description = description
    }
}

extension AsyncParsableCommand {
    /// Runs `body`; a `CLIFailure` or any other error is printed to stderr and exits with its code
    /// (other errors: 2).
    func reporting(_ body: () async throws -> Int32) async throws {
        let code: Int32
        do {
            code = try await body()
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data("sluice: \(failure.description)\n".utf8))
            code = failure.code
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("sluice: \(error)\n".utf8))
            code = 2
        }
        if code != 0 { throw ExitCode(code) }
    }
}
