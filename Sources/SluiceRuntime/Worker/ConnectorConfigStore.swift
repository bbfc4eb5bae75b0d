import Foundation
import SluiceConnectSDK

/// A connector's requested state (Kafka Connect's target state), kept with its config.
public enum TargetState: String, Sendable, Codable, CaseIterable {
    case running = "RUNNING"
    case paused = "PAUSED"
    case stopped = "STOPPED"
}

/// What the worker keeps about one connector across restarts: the config exactly as the user
/// gave it (placeholders unresolved, so no resolved secret is ever written), its target state,
/// and the topics it has used.
public struct StoredConnector: Sendable, Equatable, Codable {
    public var name: String
    public var config: [String: String]
    public var targetState: TargetState
    public var topics: [String]

    enum CodingKeys: String, CodingKey {
        case name, config, topics
        case targetState = "target_state"
    }

    public init(name: String, config: [String: String], targetState: TargetState, topics: [String] = []) {
        self.name = name
        self.config = config
        self.targetState = targetState
        self.topics = topics
    }
}

/// The `connector-config` state of a standalone worker: one JSON file
/// (`config.storage.file`), replaced atomically on every change, so a connector created through
/// the REST API survives a restart or a crash.
public struct ConnectorConfigStore: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The stored connectors; none when the file does not exist yet.
    public func load() throws -> [StoredConnector] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            return try JSONDecoder().decode(File.self, from: data).connectors
        } catch {
            throw ConfigException(
                key: "config.storage.file", "\(path) is not a Sluice connector store (\(error)); move it away to start empty")
        }
    }

    public func save(_ connectors: [StoredConnector]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let data = try encoder.encode(File(version: 1, connectors: connectors.sorted { $0.name < $1.name }))
        try AtomicFile.write(Array(data), to: path, location: "connector-config file \(path)")
    }

    private struct File: Codable {
        var version: Int
        var connectors: [StoredConnector]
    }
}
