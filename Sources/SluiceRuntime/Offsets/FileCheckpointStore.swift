import Foundation
import Glibc
import SluiceConnectSDK

/// The standalone checkpoint store: one JSON file, replaced atomically on every commit (write a
/// temporary file, fsync, rename, fsync the directory), so a crash leaves either the old or the
/// new state, never a torn file.
///
/// File shape: `{"version":1,"entries":[{"key":["connector",{partition}],"offset":{…},"sequence":n,
/// "worker":"…","task":0,"time":ms,"location":"…","previousHash":"…","hash":"…"}],"history":[entry…]}`
/// — the key is Kafka Connect's offsets-topic key; `history` holds the last `historyLimit` entries
/// of each connector's hash chain in `CheckpointEntry.json` form (tombstones included).
public actor FileCheckpointStore: CheckpointStore {
    public nonisolated let location: CheckpointLocation
    public let path: String
    public let historyLimit: Int
    private var entries: [String: CheckpointEntry] = [:]
    private var histories: [String: [CheckpointEntry]] = [:]
    private var chains: [String: CheckpointChain] = [:]

    public init(path: String, location: CheckpointLocation, historyLimit: Int = CheckpointHistory.defaultLimit) throws {
        self.path = path
        self.location = location
        self.historyLimit = max(1, historyLimit)
        if FileManager.default.fileExists(atPath: path) {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let (loaded, history) = try Self.decode(Array(data), path: path, location: location.name)
            for entry in loaded {
                entries[entry.kafkaConnectKey.jsonString] = entry
                if entry.sequence > (chains[entry.connector]?.sequence ?? 0) { chains[entry.connector] = .init(after: entry) }
            }
            for entry in history {
                histories[entry.connector, default: []].append(entry)
                if entry.sequence > (chains[entry.connector]?.sequence ?? 0) { chains[entry.connector] = .init(after: entry) }
            }
        }
    }

    public func offsets(connector: String) -> [JSONObject: JSONObject] {
        var result: [JSONObject: JSONObject] = [:]
        for entry in entries.values where entry.connector == connector {
            if let offset = entry.offset { result[entry.partition] = offset }
        }
        return result
    }

    /// Every entry (for `GET /connectors/{c}/offsets` and evidence reports).
    public func allEntries() -> [CheckpointEntry] {
        entries.values.sorted { ($0.connector, $0.sequence) < ($1.connector, $1.sequence) }
    }

    public func history(connector: String) -> [CheckpointEntry] { histories[connector] ?? [] }

    public func commit(connector: String, offsets: [(partition: JSONObject, offset: JSONObject?)], provenance: CommitProvenance)
        throws
    {
        guard !offsets.isEmpty else { return }
        var chain = chains[connector] ?? CheckpointChain()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let sealed = offsets.map { partition, offset in
            chain.append(
                connector: connector, partition: partition, offset: offset, provenance: provenance, time: now,
                location: location.name)
        }
        try apply(connector: connector, sealed, chain: chain)
    }

    public func importEntries(connector: String, entries imported: [CheckpointEntry]) throws {
        let sorted = imported.sorted { $0.sequence < $1.sequence }
        var chain = chains[connector] ?? CheckpointChain()
        try sorted.checkImport(after: chain, connector: connector, location: location.name)
        for entry in sorted { chain.advance(past: entry) }
        try apply(connector: connector, sorted, chain: chain)
    }

    private func apply(connector: String, _ sealed: [CheckpointEntry], chain: CheckpointChain) throws {
        var updated = entries
        for entry in sealed {
            if entry.offset == nil {
                updated.removeValue(forKey: entry.kafkaConnectKey.jsonString)
            } else {
                updated[entry.kafkaConnectKey.jsonString] = entry
            }
        }
        var updatedHistories = histories
        updatedHistories[connector] = ((updatedHistories[connector] ?? []) + sealed).bounded(to: historyLimit)
        try write(
            updated.values.sorted { ($0.connector, $0.sequence) < ($1.connector, $1.sequence) },
            history: updatedHistories.keys.sorted().flatMap { updatedHistories[$0] ?? [] })
        entries = updated
        histories = updatedHistories
        chains[connector] = chain
    }

    private func write(_ list: [CheckpointEntry], history: [CheckpointEntry]) throws {
        var object = JSONObject()
        object["version"] = .int(1)
        object["entries"] = .array(
            list.map { entry in
                var item = JSONObject()
                item["key"] = entry.kafkaConnectKey
                item["offset"] = entry.offset.map { .object($0) } ?? .null
                item["sequence"] = .int(entry.sequence)
                item["worker"] = .string(entry.workerID)
                item["task"] = entry.taskID.map { .int(Int64($0)) } ?? .null
                item["time"] = .int(entry.time)
                item["location"] = .string(entry.location)
                item["previousHash"] = .string(entry.previousHash)
                item["hash"] = .string(entry.hash)
                return .object(item)
            })
        object["history"] = .array(history.map(\.json))
        try AtomicFile.write(JSONValue.object(object).jsonBytes, to: path, location: location.name)
    }

    static func decode(_ bytes: [UInt8], path: String, location: String) throws -> (
        entries: [CheckpointEntry], history: [CheckpointEntry]
    ) {
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch {
            throw CheckpointStoreError(
                location: location,
                message: "\(path) is not valid JSON (\(error)); restore it from a backup or remove it to start over")
        }
        guard root["version"]?.intValue == 1, let items = root["entries"]?.arrayValue else {
            throw CheckpointStoreError(location: location, message: "\(path) is not a Sluice offsets file (expected version 1)")
        }
        let entries = try items.map { item in
            guard let key = item["key"]?.arrayValue, key.count == 2, let connector = key[0].stringValue,
                let partition = key[1].objectValue,
                let sequence = item["sequence"]?.intValue
            else { throw CheckpointStoreError(location: location, message: "\(path) has a malformed entry: \(item.jsonString)") }
            return CheckpointEntry(
                connector: connector, partition: partition, offset: item["offset"]?.objectValue,
                workerID: item["worker"]?.stringValue ?? "",
                taskID: item["task"]?.intValue.map { Int($0) }, sequence: sequence, time: item["time"]?.intValue ?? 0,
                location: item["location"]?.stringValue ?? location, previousHash: item["previousHash"]?.stringValue ?? "",
                hash: item["hash"]?.stringValue ?? "")
        }
        let history = try (root["history"]?.arrayValue ?? []).map { item in
            guard let entry = CheckpointEntry(json: item) else {
                throw CheckpointStoreError(location: location, "\(path) has a malformed history entry: \(item.jsonString)")
            }
            return entry
        }
        return (entries, history)
    }
}

/// Crash-safe file replacement.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String, location: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else {
            throw CheckpointStoreError.unavailable(
                location: location, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        var written = 0
        let failure: String? = bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = Glibc.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    return "write failed: \(String(cString: strerror(errno)))"
                }
                written += result
            }
            return fsync(fd) == 0 ? nil : "fsync failed: \(String(cString: strerror(errno)))"
        }
        close(fd)
        if let failure {
            unlink(temporary)
            throw CheckpointStoreError.unavailable(location: location, "\(path): \(failure) (is the disk full?)")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CheckpointStoreError.unavailable(
                location: location, "cannot replace \(path): \(String(cString: strerror(errno)))")
        }
        let directoryFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }
}
