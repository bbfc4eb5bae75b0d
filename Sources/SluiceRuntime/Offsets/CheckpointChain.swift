import Crypto
import SluiceConnectSDK

/// A connector's hash chain of checkpoint entries (DESIGN.md §2, "checkpoint records carry
/// provenance").
///
/// Each entry's `hash` is the SHA-256 (lowercase hex) of its canonical JSON: a compact JSON object
/// with keys sorted (recursively, also inside `partition` and `offset`), no whitespace, UTF-8:
///
///     {"connector":"c","location":"pg-eu","offset":{"lsn":3}|null,"partition":{"table":"a"},
///      "previousHash":"<hex or empty>","sequence":7,"task":0|null,"time":1764325200000,"workerId":"w1"}
///
/// `previousHash` is the previous entry's `hash` (by sequence) of the same connector, `""` for the
/// first entry. Rewriting any field of an entry changes its hash; rewriting the hash as well breaks
/// the next entry's `previousHash`.
public struct CheckpointChain: Sendable, Hashable {
    /// The hash of the last entry (`""` before the first).
    public private(set) var head: String
    /// The sequence of the last entry (0 before the first).
    public private(set) var sequence: Int64

    public init(head: String = "", sequence: Int64 = 0) {
        self.head = head
        self.sequence = sequence
    }

    /// The chain continuing after `entry`.
    public init(after entry: CheckpointEntry) {
        self.init(head: entry.hash, sequence: entry.sequence)
    }

    /// Seals the next entry: sequence + 1, `previousHash` = head, `hash` computed; advances the chain.
    public mutating func append(
        connector: String, partition: JSONObject, offset: JSONObject?, provenance: CommitProvenance, time: Int64,
        location: String
    ) -> CheckpointEntry {
        var entry = CheckpointEntry(
            connector: connector, partition: partition, offset: offset, workerID: provenance.workerID,
            taskID: provenance.taskID, sequence: sequence + 1, time: time, location: location, previousHash: head)
        entry.hash = Self.hash(of: entry)
        sequence = entry.sequence
        head = entry.hash
        return entry
    }

    /// Advances past an entry written as-is (import); the caller checked it links.
    public mutating func advance(past entry: CheckpointEntry) {
        sequence = max(sequence, entry.sequence)
        if entry.sequence == sequence { head = entry.hash }
    }

    /// The canonical JSON text the hash covers.
    public static func canonicalJSON(of entry: CheckpointEntry) -> String {
        let object: JSONObject = [
            "connector": .string(entry.connector),
            "location": .string(entry.location),
            "offset": entry.offset.map { .object($0) } ?? .null,
            "partition": .object(entry.partition),
            "previousHash": .string(entry.previousHash),
            "sequence": .int(entry.sequence),
            "task": entry.taskID.map { .int(Int64($0)) } ?? .null,
            "time": .int(entry.time),
            "workerId": .string(entry.workerID),
        ]
        return JSONValue.object(object).canonical.jsonString
    }

    /// SHA-256 of the canonical JSON, lowercase hex.
    public static func hash(of entry: CheckpointEntry) -> String {
        SHA256.hash(data: Array(canonicalJSON(of: entry).utf8)).hexString
    }

    /// Recomputes every hash and link of `entries` (one connector, any order) and reports the
    /// first broken link. A gap in the sequences (history pruned below the latest entry of an idle
    /// partition, or a compacted Kafka topic) cannot be checked across; it is listed, not failed.
    public static func verify(_ entries: [CheckpointEntry]) -> ChainVerification {
        let sorted = entries.sorted { $0.sequence < $1.sequence }
        var report = ChainVerification(
            entries: sorted.count, firstSequence: sorted.first?.sequence, lastSequence: sorted.last?.sequence,
            head: sorted.last?.hash ?? "")
        var previous: CheckpointEntry?
        for entry in sorted {
            let computed = hash(of: entry)
            if computed != entry.hash {
                report.broken = BrokenLink(
                    sequence: entry.sequence, partition: entry.partition,
                    reason: "stored hash \(entry.hash.prefix(16))… does not match the recomputed \(computed.prefix(16))…: "
                        + "the entry was changed after it was written")
                return report
            }
            if let previous {
                if entry.sequence == previous.sequence {
                    report.broken = BrokenLink(
                        sequence: entry.sequence, partition: entry.partition, reason: "sequence \(entry.sequence) appears twice")
                    return report
                }
                if entry.sequence == previous.sequence + 1 {
                    if entry.previousHash != previous.hash {
                        report.broken = BrokenLink(
                            sequence: entry.sequence, partition: entry.partition,
                            reason: "previousHash \(entry.previousHash.prefix(16))… does not match the hash of sequence "
                                + "\(previous.sequence) (\(previous.hash.prefix(16))…): an entry before it was changed or replaced"
                        )
                        return report
                    }
                } else {
                    report.gaps.append((previous.sequence + 1)...(entry.sequence - 1))
                }
            } else if entry.sequence == 1 && !entry.previousHash.isEmpty {
                report.broken = BrokenLink(
                    sequence: entry.sequence, partition: entry.partition,
                    reason: "the first entry of the chain has a previousHash")
                return report
            }
            previous = entry
        }
        return report
    }
}

/// The result of `CheckpointChain.verify`.
public struct ChainVerification: Sendable, Hashable {
    public var entries: Int
    public var firstSequence: Int64?
    public var lastSequence: Int64?
    /// The hash of the last entry (the chain head).
    public var head: String
    /// Sequence ranges not retained (pruned or compacted); links across them are not checked.
    public var gaps: [ClosedRange<Int64>] = []
    /// The first entry whose hash or link does not hold, `nil` when the chain is intact.
    public var broken: BrokenLink?

    public var isIntact: Bool { broken == nil }
}

/// Where a chain stops holding.
public struct BrokenLink: Sendable, Hashable, CustomStringConvertible {
    public var sequence: Int64
    public var partition: JSONObject
    public var reason: String

    public var description: String { "entry sequence \(sequence) (partition \(partition.canonicalString)): \(reason)" }
}

extension JSONValue {
    /// The same value with every object's keys sorted (the canonical form hashes cover).
    public var canonical: JSONValue {
        switch self {
        case .object(let object):
            .object(JSONObject(object.entries.sorted { $0.key < $1.key }.map { ($0.key, $0.value.canonical) }))
        case .array(let values): .array(values.map(\.canonical))
        default: self
        }
    }
}

extension JSONObject {
    /// Canonical (sorted-keys, compact) JSON text.
    public var canonicalString: String { JSONValue.object(self).canonical.jsonString }
}

extension Sequence where Element == UInt8 {
    var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
