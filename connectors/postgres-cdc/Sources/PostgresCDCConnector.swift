import SluiceConnectSDK

/// The Postgres CDC source connector (logical replication, pgoutput), Debezium-compatible.
/// One task: a replication slot has one reader.
public actor PostgresCDCConnector: SourceConnector {
    public static let className = "io.sluice.connect.postgres.PostgresCDCConnector"
    public let version = "0.1.0"
    public nonisolated var configDef: ConfigDef { PostgresCDCConfig.definition }
    private var config: [String: String] = [:]

    public init() {}

    public func start(_ config: [String: String], context: any ConnectorContext) throws {
        _ = try PostgresCDCConfig(config)
        self.config = config
    }

    public func taskConfigs(maxTasks: Int) -> [[String: String]] { [config] }
    public func stop() {}
    public nonisolated func makeTask() -> any SourceTask { PostgresCDCTask() }
}

@_cdecl("sluice_plugin_sdk_version")
public func sluicePluginSDKVersion() -> UnsafePointer<CChar> { SluicePlugin.compiledSDKVersion }

@_cdecl("sluice_plugin_manifest")
public func sluicePluginManifest() -> UnsafeMutableRawPointer {
    SluicePlugin.export(
        PluginManifest(
            name: "sluice-postgres-cdc",
            connectors: [
                ConnectorPlugin(
                    className: PostgresCDCConnector.className,
                    aliases: ["PostgresCDCConnector", "io.debezium.connector.postgresql.PostgresConnector"], kind: .source,
                    version: "0.1.0", configDef: PostgresCDCConfig.definition, make: { PostgresCDCConnector() })
            ]))
}
