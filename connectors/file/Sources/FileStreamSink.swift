import Foundation
import SluiceConnectSDK

#if canImport(Glibc)
    import Glibc
#endif

/// `FileStreamSinkConnector`: appends each record's value as one line to `file` (strings as-is,
/// structured values as JSON). `flush` fsyncs, so committed offsets only cover lines on disk.
public actor FileStreamSinkConnector: SinkConnector {
    public static let className = "io.sluice.connect.file.FileStreamSinkConnector"
    public static let definition = ConfigDef()
        .define("file", .string, validator: .nonEmpty, importance: .high, documentation: "File to append records to.")
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
    public nonisolated func makeTask() -> any SinkTask { FileStreamSinkTask() }
}

/// Writes lines for `FileStreamSinkConnector`.
public actor FileStreamSinkTask: SinkTask {
    private var descriptor: Int32 = -1
    private var path = ""
    private var buffer: [UInt8] = []

    public init() {}

    public func start(_ config: [String: String], context: any SinkTaskContext) throws {
        path = config["file"] ?? ""
        descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw ConnectException("cannot open file \(path): \(String(cString: strerror(errno)))") }
    }

    public func put(_ records: [SinkRecord]) throws {
        for record in records {
            let line: [UInt8] =
                switch record.value {
                case .string(let text): Array(text.utf8)
                case .null: Array("null".utf8)
                default: JsonConverter.payload(schema: record.valueSchema, value: record.value, decimalNumeric: false).jsonBytes
                }
            buffer += line
            buffer.append(0x0A)
        }
        if buffer.count > 1 << 20 { try writeBuffer() }
    }

    public func flush(_ currentOffsets: [TopicPartition: Int64]) throws {
        try writeBuffer()
        guard fsync(descriptor) == 0 else {
            throw RetriableException("fsync \(path) failed: \(String(cString: strerror(errno)))")
        }
    }

    private func writeBuffer() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw RetriableException("write to \(path) failed: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }

    public func stop() throws {
        if descriptor >= 0 {
            try? writeBuffer()
            fsync(descriptor)
            Glibc.close(descriptor)
            descriptor = -1
        }
    }
}
