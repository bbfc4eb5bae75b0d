import Foundation
import Logging
import SluiceConnectSDK
import SluiceHTTP

/// A checkpoint store in S3 objects under a prefix, per connector:
///
/// - `<prefix><connector>/commits/<first sequence, 20 digits>.json`: one object per commit,
///   `{"version":1,"entries":[CheckpointEntry.json…]}`, written with `If-None-Match: *`. A stale
///   writer (one whose next sequence another writer already used) gets 412 and fails with an error
///   naming the object instead of overwriting a newer checkpoint.
/// - `<prefix><connector>/head.json`: `{"version":1,"sequence":n,"hash":"…","offsets":[{"partition",
///   "offset","sequence"}…]}`, the latest offset per partition, replaced after every commit. On
///   open, commits newer than the head (a crash between the two writes) are applied on top.
///
/// History is bounded: commit objects whose entries all fall below the last `historyLimit`
/// sequences are deleted, unless one holds a partition's latest entry.
public actor S3CheckpointStore: CheckpointStore {
    public nonisolated let location: CheckpointLocation
    public let bucket: String
    /// Ends with `/` unless empty.
    public let prefix: String
    public let historyLimit: Int
    private let client: S3Client
    private var states: [String: ConnectorState] = [:]

    struct ConnectorState {
        var chain = CheckpointChain()
        /// canonical partition → (partition, offset, sequence)
        var latest: [String: (partition: JSONObject, offset: JSONObject?, sequence: Int64)] = [:]
        /// commit object key → last sequence in it
        var commits: [(key: String, first: Int64, last: Int64)] = []
    }

    public init(
        client: S3Client, bucket: String, prefix: String, location: CheckpointLocation,
        historyLimit: Int = CheckpointHistory.defaultLimit
    ) {
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
        self.location = location
        self.historyLimit = max(1, historyLimit)
    }

    func directory(_ connector: String) -> String { "\(prefix)\(connector)/" }
    func commitKey(_ connector: String, first: Int64) -> String {
        let digits = String(first)
        return directory(connector) + "commits/" + String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".json"
    }

    public func offsets(connector: String) async throws -> [JSONObject: JSONObject] {
        let state = try await load(connector)
        var result: [JSONObject: JSONObject] = [:]
        for item in state.latest.values { if let offset = item.offset { result[item.partition] = offset } }
        return result
    }

    public func history(connector: String) async throws -> [CheckpointEntry] {
        let state = try await load(connector)
        var entries: [CheckpointEntry] = []
        for commit in state.commits { entries += try await readCommit(commit.key) }
        return entries.sorted { $0.sequence < $1.sequence }
    }

    public func commit(
        connector: String, offsets changes: [(partition: JSONObject, offset: JSONObject?)], provenance: CommitProvenance
    ) async throws {
        guard !changes.isEmpty else { return }
        var state = try await load(connector)
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let sealed = changes.map { change in
            state.chain.append(
                connector: connector, partition: change.partition, offset: change.offset, provenance: provenance, time: now,
                location: location.name)
        }
        try await write(connector: connector, sealed, state: state)
    }

    public func importEntries(connector: String, entries imported: [CheckpointEntry]) async throws {
        let sorted = imported.sorted { $0.sequence < $1.sequence }
        var state = try await load(connector)
        try sorted.checkImport(after: state.chain, connector: connector, location: location.name)
        for entry in sorted { state.chain.advance(past: entry) }
        try await write(connector: connector, sorted, state: state)
    }

    private func write(connector: String, _ sealed: [CheckpointEntry], state original: ConnectorState) async throws {
        guard let first = sealed.first, let last = sealed.last else { return }
        var state = original
        let key = commitKey(connector, first: first.sequence)
        let body: JSONValue = ["version": 1, "entries": .array(sealed.map(\.json))]
        do {
            try await client.putObject(
                bucket: bucket, key: key, body: Data(body.jsonBytes),
                options: PutOptions(contentType: "application/json", ifNoneMatch: true))
        } catch {
            states.removeValue(forKey: connector)  // reload from the store next time
            if error.kind == .preconditionFailed {
                throw CheckpointStoreError(
                    location: location.name,
                    "s3://\(bucket)/\(key) already exists: another writer committed sequence \(first.sequence) of \(connector) "
                        + "first, so this writer is stale and must not overwrite newer checkpoints")
            }
            throw CheckpointStoreError.unavailable(location: location.name, "writing s3://\(bucket)/\(key) failed: \(error)")
        }
        for entry in sealed {
            state.latest[entry.partition.canonicalString] = (entry.partition, entry.offset, entry.sequence)
        }
        state.commits.append((key, first.sequence, last.sequence))
        try await writeHead(connector: connector, state: state)
        states[connector] = state
        try await prune(connector: connector)
    }

    private func writeHead(connector: String, state: ConnectorState) async throws {
        let offsets = state.latest.keys.sorted().compactMap { state.latest[$0] }.map { item -> JSONValue in
            [
                "partition": .object(item.partition), "offset": item.offset.map { .object($0) } ?? .null,
                "sequence": .int(item.sequence),
            ]
        }
        let head: JSONValue = [
            "version": 1, "sequence": .int(state.chain.sequence), "hash": .string(state.chain.head), "offsets": .array(offsets),
        ]
        let key = directory(connector) + "head.json"
        do {
            try await client.putObject(
                bucket: bucket, key: key, body: Data(head.jsonBytes), options: PutOptions(contentType: "application/json"))
        } catch {
            throw CheckpointStoreError.unavailable(location: location.name, "writing s3://\(bucket)/\(key) failed: \(error)")
        }
    }

    private func prune(connector: String) async throws {
        guard var state = states[connector] else { return }
        let floor = state.chain.sequence - Int64(historyLimit)
        guard floor > 0 else { return }
        // Keep every object holding a partition's latest entry, so the history proves each current offset.
        let latest = Set(state.latest.values.map(\.sequence))
        var kept: [(key: String, first: Int64, last: Int64)] = []
        for commit in state.commits {
            if commit.last <= floor && !latest.contains(where: { (commit.first...commit.last).contains($0) }) {
                try? await client.deleteObject(bucket: bucket, key: commit.key)
            } else {
                kept.append(commit)
            }
        }
        state.commits = kept
        states[connector] = state
    }

    /// The connector's state: the head, plus commits newer than it.
    private func load(_ connector: String) async throws -> ConnectorState {
        if let state = states[connector] { return state }
        var state = ConnectorState()
        let headKey = directory(connector) + "head.json"
        do {
            if try await client.headObject(bucket: bucket, key: headKey) != nil {
                let head = try JSONValue.parse(Array(try await client.getObject(bucket: bucket, key: headKey)))
                state.chain = CheckpointChain(
                    head: head["hash"]?.stringValue ?? "", sequence: head["sequence"]?.intValue ?? 0)
                for item in head["offsets"]?.arrayValue ?? [] {
                    guard let partition = item["partition"]?.objectValue else { continue }
                    state.latest[partition.canonicalString] = (
                        partition, item["offset"]?.objectValue, item["sequence"]?.intValue ?? 0
                    )
                }
            }
            let objects = try await client.listAllObjects(bucket: bucket, prefix: directory(connector) + "commits/")
            for object in objects.sorted(by: { $0.key < $1.key }) {
                let name = object.key.split(separator: "/").last.map(String.init) ?? ""
                guard name.hasSuffix(".json"), let first = Int64(name.dropLast(5)) else { continue }
                var last = first
                if first > state.chain.sequence {
                    // Written after the head (a crash between the two writes): apply it.
                    for entry in try await readCommit(object.key) {
                        state.latest[entry.partition.canonicalString] = (entry.partition, entry.offset, entry.sequence)
                        if entry.sequence > state.chain.sequence { state.chain = .init(after: entry) }
                        last = max(last, entry.sequence)
                    }
                } else {
                    last = first  // refined below only when needed for pruning
                }
                state.commits.append((object.key, first, last))
            }
        } catch let error as CheckpointStoreError {
            throw error
        } catch {
            throw CheckpointStoreError(
                location: location.name,
                "reading checkpoints of \(connector) from s3://\(bucket)/\(directory(connector)) failed: \(error)")
        }
        // A commit's last sequence is the next commit's first - 1 (commits are contiguous).
        for index in state.commits.indices.dropLast() where state.commits[index].last == state.commits[index].first {
            state.commits[index].last = max(state.commits[index].first, state.commits[index + 1].first - 1)
        }
        if let lastIndex = state.commits.indices.last, state.commits[lastIndex].first <= state.chain.sequence {
            state.commits[lastIndex].last = max(state.commits[lastIndex].last, state.chain.sequence)
        }
        states[connector] = state
        return state
    }

    private func readCommit(_ key: String) async throws -> [CheckpointEntry] {
        let data: Data
        do {
            data = try await client.getObject(bucket: bucket, key: key)
        } catch {
            throw CheckpointStoreError.unavailable(location: location.name, "reading s3://\(bucket)/\(key) failed: \(error)")
        }
        guard let root = try? JSONValue.parse(Array(data)), root["version"]?.intValue == 1,
            let items = root["entries"]?.arrayValue
        else { throw CheckpointStoreError(location: location.name, "s3://\(bucket)/\(key) is not a Sluice checkpoint object") }
        return try items.map { item in
            guard let entry = CheckpointEntry(json: item) else {
                throw CheckpointStoreError(location: location.name, "s3://\(bucket)/\(key) holds a malformed entry")
            }
            return entry
        }
    }
}
