import SluiceConnectSDK

/// The S3 sink connector: Confluent S3 sink layout and settings, exactly-once objects, bounded
/// memory, and a timer that closes record-time windows when traffic stops.
public actor S3SinkConnector: SinkConnector {
    public static let className = "io.sluice.connect.s3.S3SinkConnector"
    public let version = "0.1.0"
    public nonisolated var configDef: ConfigDef { S3SinkConfig.definition }
    private var config: [String: String] = [:]

    public init() {}

    public func start(_ config: [String: String], context: any ConnectorContext) throws {
        _ = try S3SinkConfig(config)
        self.config = config
    }

    public func taskConfigs(maxTasks: Int) -> [[String: String]] { Array(repeating: config, count: max(1, maxTasks)) }
    public func stop() {}
    public nonisolated func makeTask() -> any SinkTask { S3SinkTask() }
}

@_cdecl("sluice_plugin_sdk_version")
public func sluicePluginSDKVersion() -> UnsafePointer<CChar> { SluicePlugin.compiledSDKVersion }

@_cdecl("sluice_plugin_manifest")
public func sluicePluginManifest() -> UnsafeMutableRawPointer {
    SluicePlugin.export(
        PluginManifest(
            name: "sluice-s3-sink",
            connectors: [
                ConnectorPlugin(
                    className: S3SinkConnector.className,
                    aliases: ["S3SinkConnector", "io.confluent.connect.s3.S3SinkConnector"], kind: .sink, version: "0.1.0",
                    configDef: S3SinkConfig.definition, make: { S3SinkConnector() })
            ]))
}
