import Foundation
import SluiceConnectSDK

/// `FileStreamSourceConnector`: each new line of `file` becomes a string record on `topic`;
/// the byte position is the offset, so a restart continues after the last committed line.
public actor FileStreamSourceConnector: SourceConnector {
    public static let className = "io.sluice.connect.file.FileStreamSourceConnector"
    public static let definition = ConfigDef()
        .define("file", .string, validator: .nonEmpty, importance: .high, documentation: "File to read lines from.")
        .define("topic", .string, validator: .nonEmpty, importance: .high, documentation: "Topic to write lines to.")
        .define(
            "batch.size", .int, default: "2000", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "Most lines per poll.")
    public let version = "0.1.0"
    public nonisolated var configDef: ConfigDef { Self.definition }
    private var config: [String: String] = [:]

    public init() {}
    public func start(_ config: [String: String], context: any ConnectorContext) throws {
        _ = try Self.definition.parse(config)
        self.config = config
    }
    public func taskConfigs(maxTasks: Int) -> [[String: String]] { [config] }
    public func stop() {}
    public nonisolated func makeTask() -> any SourceTask { FileStreamSourceTask() }
}

/// Tails a file for `FileStreamSourceConnector`.
public actor FileStreamSourceTask: SourceTask {
    private var path = ""
    private var topic = ""
    private var batchSize = 2000
    private var position: Int64 = 0
    private var partition: JSONObject = [:]

    public init() {}

    public func start(_ config: [String: String], context: any SourceTaskContext) async throws {
        let parsed = try FileStreamSourceConnector.definition.parse(config)
        path = parsed.string("file") ?? ""
        topic = parsed.string("topic") ?? ""
        batchSize = parsed.int("batch.size")
        partition = ["filename": .string(path)]
        if let offset = try await context.offsetStorageReader.offset(for: partition), let stored = offset["position"]?.intValue {
            position = stored
        }
    }

    public func poll() async throws -> [SourceRecord] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            try await Task.sleep(for: .milliseconds(500))
            return []
        }
        defer { try? handle.close() }
        try handle.seek(toOffset: UInt64(position))
        let data = try handle.read(upToCount: 1 << 20) ?? Data()
        var records: [SourceRecord] = []
        var start = data.startIndex
        while records.count < batchSize, let newline = data[start...].firstIndex(of: 0x0A) {
            let line = String(decoding: data[start..<newline], as: UTF8.self)
            position += Int64(newline - start + 1)
            start = newline + 1
            records.append(
                SourceRecord(
                    sourcePartition: partition, sourceOffset: ["position": .int(position)], topic: topic, valueSchema: .string,
                    value: .string(line)))
        }
        if records.isEmpty { try await Task.sleep(for: .milliseconds(200)) }
        return records
    }

    public func stop() {}
}
