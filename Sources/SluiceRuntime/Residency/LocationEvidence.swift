import Foundation
import SluiceConnectSDK

/// How strongly a location's region is backed, strongest last (DESIGN.md §2).
public enum VerificationLevel: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    /// Only the worker config says so.
    case declared
    /// A label the operator set on the resource says so (bucket tag, topic name, a setting the
    /// connecting role could change itself).
    case attested
    /// The provider itself confirmed it (S3 GetBucketLocation, a pinned Kafka cluster id, a
    /// database setting the connecting role cannot change).
    case verified

    public static func < (lhs: VerificationLevel, rhs: VerificationLevel) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What checking one location's region found.
public struct LocationEvidence: Sendable, Hashable, CustomStringConvertible {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// The region is backed at `level`.
        case ok
        /// The provider or label reports another region than the location claims: a failure,
        /// never a lower level.
        case mismatch
        /// The check itself failed (unreachable, denied): nothing is proven.
        case unverifiable
    }

    public var location: String
    public var kind: LocationKind
    public var claimedRegion: String?
    public var observedRegion: String?
    /// The level reached; `nil` unless `outcome == .ok`.
    public var level: VerificationLevel?
    /// How the region was established, for a human reader (e.g. "S3 GetBucketLocation returned eu-central-1").
    public var method: String
    /// Milliseconds since the Unix epoch.
    public var checkedAt: Int64
    public var outcome: Outcome
    /// Why the check failed (`mismatch` or `unverifiable`).
    public var error: String?

    public init(
        location: Location, observedRegion: String?, level: VerificationLevel?, method: String, outcome: Outcome = .ok,
        error: String? = nil, checkedAt: Int64 = Int64(Date().timeIntervalSince1970 * 1000)
    ) {
        self.location = location.name
        self.kind = location.kind
        self.claimedRegion = location.region
        self.observedRegion = observedRegion
        self.level = outcome == .ok ? level : nil
        self.method = method
        self.checkedAt = checkedAt
        self.outcome = outcome
        self.error = error
    }

    static func mismatch(_ location: Location, observed: String, method: String) -> LocationEvidence {
        LocationEvidence(
            location: location, observedRegion: observed, level: nil, method: method, outcome: .mismatch,
            error: "location \(location.name) claims region \(location.region ?? "(none)") but \(method)")
    }

    static func unverifiable(_ location: Location, method: String, _ error: String) -> LocationEvidence {
        LocationEvidence(
            location: location, observedRegion: nil, level: nil, method: method, outcome: .unverifiable,
            error: "could not check location \(location.name): \(error)")
    }

    public var description: String {
        switch outcome {
        case .ok: "\(location): \(level?.rawValue ?? "?") \(observedRegion ?? claimedRegion ?? "(no region)") — \(method)"
        case .mismatch, .unverifiable: "\(location): \(outcome.rawValue) — \(error ?? method)"
        }
    }

    /// JSON for reports and the CLI's `--output json`.
    public var json: JSONValue {
        [
            "location": .string(location), "kind": .string(kind.rawValue),
            "claimedRegion": claimedRegion.map { .string($0) } ?? .null,
            "observedRegion": observedRegion.map { .string($0) } ?? .null,
            "level": level.map { .string($0.rawValue) } ?? .null, "method": .string(method), "checkedAt": .int(checkedAt),
            "outcome": .string(outcome.rawValue), "error": error.map { .string($0) } ?? .null,
        ]
    }

    /// Structured-log metadata (no secrets: evidence never holds connection settings).
    public var logMetadata: [String: String] {
        var metadata = [
            "location": location, "kind": kind.rawValue, "claimed_region": claimedRegion ?? "",
            "observed_region": observedRegion ?? "",
            "level": level?.rawValue ?? "", "method": method, "checked_at": String(checkedAt), "outcome": outcome.rawValue,
        ]
        if let error { metadata["error"] = error }
        return metadata
    }
}

/// Whether a region label (a bucket tag, a topic name part) covers the claimed region: equal, or
/// a broader prefix (`eu` covers `eu-central-1`).
func region(_ label: String, covers claimed: String) -> Bool {
    let label = label.lowercased()
    let claimed = claimed.lowercased()
    return label == claimed || claimed.hasPrefix(label + "-")
}
