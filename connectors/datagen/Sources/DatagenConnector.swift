import Foundation
import SluiceConnectSDK

/// A data generator source for trying pipelines: deterministic `orders` or `users` records with
/// a schema, keyed by customer/user so per-key ordering can be checked downstream. Resumes from
/// its committed offset (`{"sequence": n}`) after a restart.
public actor DatagenConnector: SourceConnector {
    public static let className = "io.sluice.connect.datagen.DatagenConnector"
    public static let definition = ConfigDef()
        .define(
            "kafka.topic", .string, validator: .nonEmpty, importance: .high, documentation: "Topic to write generated records to."
        )
        .define(
            "quickstart", .string, default: "orders", validator: .oneOf(["orders", "users"]), importance: .high,
            documentation: "Which records to generate."
        )
        .define(
            "iterations", .long, default: "-1", validator: .range(min: -1, max: nil), importance: .medium,
            documentation: "Records per task; -1 for no limit."
        )
        .define(
            "max.interval", .long, default: "500", validator: .range(min: 0, max: nil), importance: .medium,
            documentation: "Milliseconds between records (0: as fast as possible)."
        )
        .define(
            "batch.size", .int, default: "500", validator: .range(min: 1, max: 100_000), importance: .low,
            documentation: "Largest batch one poll returns."
        )
        .define(
            "keys", .int, default: "10", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "Number of distinct keys.")

    public let version = "0.1.0"
    public nonisolated var configDef: ConfigDef { Self.definition }
    private var config: [String: String] = [:]

    public init() {}

    public func start(_ config: [String: String], context: any ConnectorContext) throws {
        _ = try Self.definition.parse(config)
        self.config = config
    }

    public func taskConfigs(maxTasks: Int) -> [[String: String]] {
        (0..<maxTasks).map { index in config.merging(["task.id": String(index)]) { _, new in new } }
    }

    public func stop() {}
    public nonisolated func makeTask() -> any SourceTask { DatagenTask() }
}

/// Generates records for one task.
public actor DatagenTask: SourceTask {
    private var topic = ""
    private var quickstart = "orders"
    private var iterations: Int64 = -1
    private var interval: Duration = .zero
    private var batchSize = 500
    private var keys = 10
    private var partition: JSONObject = [:]
    /// The next sequence number to emit.
    private var next: Int64 = 0

    static let orderSchema = Schema.struct(
        name: "io.sluice.datagen.Order",
        [
            ("sequence", .int64), ("order_id", .string), ("customer", .string), ("amount", .float64),
            ("created_at", LogicalType.timestamp()),
        ])
    static let userSchema = Schema.struct(
        name: "io.sluice.datagen.User",
        [("sequence", .int64), ("user_id", .string), ("region", .string), ("registered_at", LogicalType.timestamp())])

    public init() {}

    public func start(_ config: [String: String], context: any SourceTaskContext) async throws {
        let parsed = try DatagenConnector.definition.parse(config)
        topic = parsed.string("kafka.topic") ?? ""
        quickstart = parsed.string("quickstart") ?? "orders"
        iterations = Int64(parsed.int("iterations"))
        interval = .milliseconds(parsed.int("max.interval"))
        batchSize = parsed.int("batch.size")
        keys = parsed.int("keys")
        let task = Int64(config["task.id"].flatMap(Int.init) ?? context.taskID)
        partition = ["connector": .string(context.connectorName), "task": .int(task)]
        if let offset = try await context.offsetStorageReader.offset(for: partition), let sequence = offset["sequence"]?.intValue
        {
            next = sequence + 1
        }
    }

    public func poll() async throws -> [SourceRecord] {
        if iterations >= 0 && next >= iterations {
            try await Task.sleep(for: .milliseconds(200))
            return []
        }
        if interval > .zero { try await Task.sleep(for: interval) }
        let remaining = iterations >= 0 ? Int(iterations - next) : batchSize
        let count = interval > .zero ? 1 : min(batchSize, remaining)
        var records: [SourceRecord] = []
        records.reserveCapacity(count)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        for _ in 0..<count {
            records.append(record(sequence: next, now: now))
            next += 1
        }
        return records
    }

    private func record(sequence: Int64, now: Int64) -> SourceRecord {
        let offset: JSONObject = ["sequence": .int(sequence)]
        if quickstart == "users" {
            let user = "user-\(sequence % Int64(keys))"
            let value = ConnectStruct(
                schema: Self.userSchema,
                [
                    "sequence": .int64(sequence), "user_id": .string(user),
                    "region": .string(["eu-central-1", "eu-west-1"][Int(sequence % 2)]), "registered_at": .timestamp(now),
                ])
            return SourceRecord(
                sourcePartition: partition, sourceOffset: offset, topic: topic, keySchema: .string, key: .string(user),
                valueSchema: Self.userSchema, value: .struct(value), timestamp: now)
        }
        let customer = "customer-\(sequence % Int64(keys))"
        let value = ConnectStruct(
            schema: Self.orderSchema,
            [
                "sequence": .int64(sequence), "order_id": .string("order-\(sequence)"), "customer": .string(customer),
                "amount": .float64(Double((sequence * 7919) % 100_000) / 100), "created_at": .timestamp(now),
            ])
        return SourceRecord(
            sourcePartition: partition, sourceOffset: offset, topic: topic, keySchema: .string, key: .string(customer),
            valueSchema: Self.orderSchema, value: .struct(value), timestamp: now)
    }

    public func stop() {}
}

@_cdecl("sluice_plugin_sdk_version")
public func sluicePluginSDKVersion() -> UnsafePointer<CChar> { SluicePlugin.compiledSDKVersion }

@_cdecl("sluice_plugin_manifest")
public func sluicePluginManifest() -> UnsafeMutableRawPointer {
    SluicePlugin.export(
        PluginManifest(
            name: "sluice-datagen",
            connectors: [
                ConnectorPlugin(
                    className: DatagenConnector.className, aliases: ["DatagenConnector", "datagen"], kind: .source,
                    version: "0.1.0",
                    configDef: DatagenConnector.definition, make: { DatagenConnector() })
            ]))
}
