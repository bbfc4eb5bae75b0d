import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import SluiceSupport

/// The audit event could not be written and `audit.failure.policy=block`: the change is refused.
public struct AuditUnavailable: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The worker's tamper-evident audit trail: every lifecycle change becomes one CloudEvents event,
/// appended (and fsynced) to a JSON-lines file with a SHA-256 hash chain and/or produced to a
/// Kafka topic. With `audit.failure.policy=block` a change whose event cannot be written is
/// refused (the REST API answers 503 and applies nothing); with `continue` it is applied and the
/// gap is logged and counted.
public actor AuditLog {
    public enum FailurePolicy: String, Sendable { case block, `continue` }

    let file: String?
    let kafkaTopic: String?
    let kafkaConfiguration: KafkaConfiguration?
    let policy: FailurePolicy
    let source: String
    let workerID: String
    let region: String?
    let logger: Logger
    private var producer: KafkaProducer?
    private var sequence: Int64 = 0
    private var lastHash = ""
    /// Events that could not be written (with `continue`).
    public private(set) var gaps = 0
    private var commits: [String: CommitSummary] = [:]
    private var flusher: Task<Void, Never>?

    struct CommitSummary {
        var connector: String
        var task: Int?
        var commits = 0
        var partitions = 0
        var first: Date
        var last: Date
    }

    public init(worker: WorkerConfig, logger: Logger) throws {
        file = worker.auditFile
        kafkaTopic = worker.auditKafkaTopic
        kafkaConfiguration =
            worker.auditKafkaTopic == nil
            ? nil
            : KafkaConfiguration(
                bootstrapServers: worker.auditKafkaBootstrapServers ?? worker.bootstrapServers,
                settings: worker.producerSettings.merging(["message.timeout.ms": "5000", "acks": "all"]) { _, new in new })
        policy = worker.auditFailurePolicy
        workerID = worker.workerID
        source = "sluice://worker/\(worker.workerID)"
        region = worker.workerRegion
        self.logger = logger
        if let file {
            let (sequence, hash) = try AuditFile.tail(file)
            self.sequence = sequence
            self.lastHash = hash
        }
    }

    /// Emits one event; `data` gets the actor, result, worker id and region. Throws
    /// `AuditUnavailable` only under the `block` policy.
    public func emit(
        _ type: String, subject: String, data: JSONObject = [:], result: String = "success", actor: AuditActor? = nil
    ) async throws {
        var payload = data
        payload["actor"] = (actor ?? AuditActor.current).json
        payload["result"] = .string(result)
        payload["workerId"] = .string(workerID)
        payload["region"] = region.map(JSONValue.string) ?? .null
        var event = AuditEvent(type: type, subject: subject, source: source, data: payload)
        event.sequence = sequence + 1
        event.previousHash = lastHash
        event.hash = AuditEvent.digest(event.unsealed, previousHash: lastHash)
        do {
            // The topic first: if it cannot take the event, the file does not get it either.
            if let kafkaTopic { try await produce(event, topic: kafkaTopic) }
            if let file { try AuditFile.append(event.json, to: file) }
        } catch {
            let message = "audit event \(event.type) for \(subject) could not be written: \(error)"
            guard policy == .continue else { throw AuditUnavailable(message: message + " (audit.failure.policy=block)") }
            gaps += 1
            logger.error(
                "audit gap", metadata: ["type": "\(event.type)", "subject": "\(subject)", "gaps": "\(gaps)", "error": "\(error)"])
            return
        }
        sequence = event.sequence
        lastHash = event.hash
    }

    /// Emits, and under `continue` never throws; for changes the worker makes on its own.
    public func record(_ type: String, subject: String, data: JSONObject = [:], result: String = "success") async {
        do {
            try await emit(type, subject: subject, data: data, result: result, actor: .worker)
        } catch {
            gaps += 1
            logger.error("audit gap", metadata: ["type": "\(type)", "subject": "\(subject)", "error": "\(error)"])
        }
    }

    private func produce(_ event: AuditEvent, topic: String) async throws {
        if producer == nil, let kafkaConfiguration {
            producer = try await KafkaProducer(configuration: kafkaConfiguration, logger: logger, connectTimeout: .seconds(3))
        }
        guard let producer else { return }
        _ = try await producer.send(
            KafkaProducerRecord(topic: topic, key: Array(event.subject.utf8), value: event.json.jsonBytes))
    }

    /// Counts a checkpoint commit; one `checkpoint.committed` event per task summarises them
    /// every `interval` (and at shutdown), so the trail shows commits without one event each.
    public func checkpointCommitted(connector: String, task: Int?, partitions: Int) {
        let key = "\(connector)/\(task.map(String.init) ?? "-")"
        let now = Date()
        commits[key, default: CommitSummary(connector: connector, task: task, first: now, last: now)].commits += 1
        commits[key]?.partitions += partitions
        commits[key]?.last = now
    }

    public func startSummaries(every interval: Duration) {
        flusher = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                await self?.flushSummaries()
            }
        }
    }

    public func flushSummaries() async {
        let pending = commits
        commits = [:]
        for (_, summary) in pending.sorted(by: { $0.key < $1.key }) {
            await record(
                "checkpoint.committed",
                subject: summary.task.map { "connectors/\(summary.connector)/tasks/\($0)" } ?? "connectors/\(summary.connector)",
                data: [
                    "connector": .string(summary.connector), "task": summary.task.map { .int(Int64($0)) } ?? .null,
                    "commits": .int(Int64(summary.commits)), "partitions": .int(Int64(summary.partitions)),
                    "from": .string(AuditEvent.rfc3339(summary.first)), "to": .string(AuditEvent.rfc3339(summary.last)),
                ])
        }
    }

    public func close() async {
        flusher?.cancel()
        await flushSummaries()
        if let producer { try? await producer.close() }
    }

    /// The chain head: the hash of the last event written (for evidence reports).
    public var head: (sequence: Int64, hash: String) { (sequence, lastHash) }

    /// Events from the audit file, oldest first, filtered (`GET /audit`).
    public func events(connector: String?, type: String?, since: Date?, after: Int64, limit: Int) throws -> [JSONValue] {
        guard let file else { return [] }
        var out: [JSONValue] = []
        for line in try AuditFile.lines(file) {
            guard let event = try? JSONValue.parse(line), (event["sequence"]?.intValue ?? 0) > after else { continue }
            if let type, event["type"]?.stringValue != type && event["type"]?.stringValue != AuditEvent.typePrefix + type {
                continue
            }
            if let connector {
                let subject = event["subject"]?.stringValue ?? ""
                guard subject == "connectors/\(connector)" || subject.hasPrefix("connectors/\(connector)/") else { continue }
            }
            if let since, let text = event["time"]?.stringValue, let time = AuditFile.parseTime(text), time < since { continue }
            out.append(event)
            if out.count >= limit { break }
        }
        return out
    }
}

/// The audit file: one CloudEvents JSON object per line, appended and fsynced.
public enum AuditFile {
    static func append(_ event: JSONValue, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        guard fd >= 0 else { throw AuditUnavailable(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = event.jsonBytes + [UInt8(ascii: "\n")]
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw AuditUnavailable(message: "cannot write \(path): \(String(cString: strerror(errno))) (is the disk full?)")
        }
    }

    static func lines(_ path: String) throws -> [[UInt8]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            .filter { !$0.isEmpty }
    }

    /// The sequence and hash of the last event, to continue the chain after a restart.
    static func tail(_ path: String) throws -> (Int64, String) {
        guard let last = try lines(path).last else { return (0, "") }
        guard let event = try? JSONValue.parse(last), let sequence = event["sequence"]?.intValue,
            let hash = event["hash"]?.stringValue
        else {
            throw AuditUnavailable(
                message: "the last line of the audit file \(path) is not a Sluice audit event; run `sluice audit verify \(path)`")
        }
        return (sequence, hash)
    }

    /// An RFC 3339 time, with or without fractional seconds.
    public static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    /// The outcome of `verify`.
    public struct Verification: Sendable {
        public var events: Int
        public var head: String
        /// 1-based line number of the first problem, and what is wrong there.
        public var broken: (line: Int, reason: String)?
    }

    /// Recomputes the hash chain: a modified line breaks its hash, a deleted or reordered line
    /// breaks `prevhash`/`sequence`, and truncation shows as a head different from `--head`.
    public static func verify(_ path: String, expectedHead: String? = nil) throws -> Verification {
        var previousHash = ""
        var previousSequence: Int64 = 0
        var count = 0
        for (index, line) in try lines(path).enumerated() {
            let number = index + 1
            guard case .object(var object) = (try? JSONValue.parse(line)) ?? .null else {
                return Verification(events: count, head: previousHash, broken: (number, "not a JSON object"))
            }
            let hash = object["hash"]?.stringValue ?? ""
            let sequence = object["sequence"]?.intValue ?? -1
            let prev = object["prevhash"]?.stringValue ?? ""
            object["hash"] = nil
            if sequence != previousSequence + 1 {
                return Verification(
                    events: count, head: previousHash,
                    broken: (number, "sequence \(sequence) follows \(previousSequence): an event was deleted or moved"))
            }
            if prev != previousHash {
                return Verification(
                    events: count, head: previousHash, broken: (number, "prevhash does not match the previous event's hash"))
            }
            if AuditEvent.digest(.object(object), previousHash: prev) != hash {
                return Verification(events: count, head: previousHash, broken: (number, "hash mismatch: the event was modified"))
            }
            previousHash = hash
            previousSequence = sequence
            count += 1
        }
        if let expectedHead, expectedHead != previousHash {
            return Verification(
                events: count, head: previousHash,
                broken: (count, "the chain ends at \(previousHash.prefix(16))…, not at the expected head: the file was truncated")
            )
        }
        return Verification(events: count, head: previousHash, broken: nil)
    }
}

extension AuditLog {
    /// One `secret.resolved` event per reference: provider, path and key name — never the value.
    public func secretsResolved(_ resolution: ConfigProviders.Resolution, subject: String, connector: String, task: Int?) async {
        for reference in resolution.fingerprints.keys.sorted(by: { $0.description < $1.description }) {
            await record(
                "secret.resolved", subject: subject,
                data: [
                    "connector": .string(connector), "task": task.map { .int(Int64($0)) } ?? .null,
                    "provider": .string(reference.provider), "path": .string(reference.path), "key": .string(reference.key),
                ])
        }
    }
}
