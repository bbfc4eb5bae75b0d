import SluiceConnectSDK

/// Emits `count-0`, `count-1`, … (up to `count` records) to `topic`, resuming after the last
/// committed number.
public actor CounterSourceConnector: SourceConnector {
    public static let definition = ConfigDef()
        .define("topic", .string, validator: .nonEmpty, importance: .high, documentation: "Topic to write to.")
        .define(
            "count", .long, default: "100", validator: .range(min: 0, max: nil), importance: .medium,
            documentation: "How many records.")

    public let version = "1.0.0"
    public nonisolated var configDef: ConfigDef { Self.definition }
    private var config: [String: String] = [:]

    public init() {}
    public func start(_ config: [String: String], context: any ConnectorContext) throws {
        _ = try Self.definition.parse(config)
        self.config = config
    }
    public func taskConfigs(maxTasks: Int) -> [[String: String]] { [config] }
    public func stop() {}
    public nonisolated func makeTask() -> any SourceTask { CounterSourceTask() }
}

/// The counter's one task.
public actor CounterSourceTask: SourceTask {
    private var topic = ""
    private var count: Int64 = 0
    private var next: Int64 = 0

    public init() {}

    public func start(_ config: [String: String], context: any SourceTaskContext) async throws {
        let parsed = try CounterSourceConnector.definition.parse(config)
        topic = parsed.string("topic") ?? ""
        count = Int64(parsed.int("count"))
        if let offset = try await context.offsetStorageReader.offset(for: ["counter": .string(topic)]),
            let last = offset["n"]?.intValue
        {
            next = last + 1
        }
    }

    public func poll() async throws -> [SourceRecord] {
        guard next < count else {
            try await Task.sleep(for: .milliseconds(200))
            return []
        }
        defer { next += 1 }
        return [
            SourceRecord(
                sourcePartition: ["counter": .string(topic)], sourceOffset: ["n": .int(next)], topic: topic, valueSchema: .string,
                value: .string("count-\(next)"))
        ]
    }

    public func stop() {}
}

@_cdecl("sluice_plugin_sdk_version")
public func sluicePluginSDKVersion() -> UnsafePointer<CChar> { SluicePlugin.compiledSDKVersion }

@_cdecl("sluice_plugin_manifest")
public func sluicePluginManifest() -> UnsafeMutableRawPointer {
    SluicePlugin.export(
        PluginManifest(
            name: "counter-example",
            connectors: [
                ConnectorPlugin(
                    className: "com.example.CounterSourceConnector", aliases: ["CounterSource"], kind: .source, version: "1.0.0",
                    configDef: CounterSourceConnector.definition, make: { CounterSourceConnector() })
            ]))
}
