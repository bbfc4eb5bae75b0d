import Crypto
import Foundation
import SluiceConnectSDK

/// A connector's checkpoints as a self-checking JSON document (`sluice checkpoints export`):
///
///     {"format": "sluice-checkpoints", "version": 1, "connector": "c",
///      "location": {"name", "kind", "region"}, "exportedAt": ms,
///      "offsets": [{"partition": {…}, "offset": {…}}…],          latest offset per partition
///      "entries": [CheckpointEntry.json…],                       the retained hash chain, by sequence
///      "chain": {"entries": n, "head": "…", "intact": true, "gaps": [[from, to]…]},
///      "digest": {"algorithm": "SHA-256", "value": "…"}}
///
/// `digest` is the SHA-256 of the canonical JSON (sorted keys, compact) of the document without
/// `digest`, so any edit to the file is detected on import.
public struct CheckpointExport: Sendable, Hashable {
    public var connector: String
    public var location: CheckpointLocation
    public var exportedAt: Int64
    public var offsets: [JSONObject: JSONObject]
    public var entries: [CheckpointEntry]

    public init(
        connector: String, location: CheckpointLocation, offsets: [JSONObject: JSONObject], entries: [CheckpointEntry],
        exportedAt: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
    ) {
        self.connector = connector
        self.location = location
        self.offsets = offsets
        self.entries = entries.sorted { $0.sequence < $1.sequence }
        self.exportedAt = exportedAt
    }

    /// Reads a connector's offsets and history from a store.
    public static func read(from store: any CheckpointStore, connector: String) async throws -> CheckpointExport {
        CheckpointExport(
            connector: connector, location: store.location, offsets: try await store.offsets(connector: connector),
            entries: try await store.history(connector: connector))
    }

    public var verification: ChainVerification { CheckpointChain.verify(entries) }

    var body: JSONObject {
        let verification = self.verification
        return [
            "format": "sluice-checkpoints", "version": 1, "connector": .string(connector),
            "location": [
                "name": .string(location.name), "kind": .string(location.kind),
                "region": location.region.map { .string($0) } ?? .null,
            ],
            "exportedAt": .int(exportedAt),
            "offsets": .array(
                offsets.keys.sorted { $0.canonicalString < $1.canonicalString }.map {
                    ["partition": .object($0), "offset": .object(offsets[$0]!)]
                }),
            "entries": .array(entries.map(\.json)),
            "chain": [
                "entries": .int(Int64(verification.entries)), "head": .string(verification.head),
                "intact": .bool(verification.isIntact),
                "gaps": .array(verification.gaps.map { [.int($0.lowerBound), .int($0.upperBound)] }),
            ],
        ]
    }

    static func digest(of body: JSONObject) -> String {
        SHA256.hash(data: Array(body.canonicalString.utf8)).hexString
    }

    /// The document with its digest, pretty enough to diff (one entry per line is not needed: canonical compact JSON).
    public var json: JSONValue {
        var object = body
        object["digest"] = ["algorithm": "SHA-256", "value": .string(Self.digest(of: body))]
        return .object(object)
    }

    /// Parses an export and checks its digest and chain.
    public static func parse(_ bytes: [UInt8]) throws -> CheckpointExport {
        func fail(_ message: String) -> CheckpointStoreError { CheckpointStoreError(location: "export", message) }
        guard var object = (try? JSONValue.parse(bytes))?.objectValue, object["format"]?.stringValue == "sluice-checkpoints",
            object["version"]?.intValue == 1
        else { throw fail("not a Sluice checkpoint export (format sluice-checkpoints, version 1)") }
        guard let recorded = object["digest"]?["value"]?.stringValue else { throw fail("the export has no digest") }
        object["digest"] = nil
        let computed = Self.digest(of: object)
        guard computed == recorded else {
            throw fail(
                "digest mismatch: the file says \(recorded) but its content hashes to \(computed); it was changed after export")
        }
        guard let connector = object["connector"]?.stringValue, let location = object["location"]?.objectValue,
            let items = object["entries"]?.arrayValue
        else { throw fail("the export lacks connector, location or entries") }
        var offsets: [JSONObject: JSONObject] = [:]
        for item in object["offsets"]?.arrayValue ?? [] {
            if let partition = item["partition"]?.objectValue, let offset = item["offset"]?.objectValue {
                offsets[partition] = offset
            }
        }
        let entries = try items.map { item in
            guard let entry = CheckpointEntry(json: item) else { throw fail("malformed entry \(item.jsonString)") }
            return entry
        }
        return CheckpointExport(
            connector: connector,
            location: CheckpointLocation(
                name: location["name"]?.stringValue ?? "", kind: location["kind"]?.stringValue ?? "",
                region: location["region"]?.stringValue),
            offsets: offsets, entries: entries, exportedAt: object["exportedAt"]?.intValue ?? 0)
    }
}
