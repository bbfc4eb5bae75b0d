import Crypto
import Foundation
import SluiceConnectSDK

/// Who asked for a change: the authenticated principal, the client's address and the request id
/// (REST), or the worker itself. Set for the duration of a request with `AuditActor.$current`.
public struct AuditActor: Sendable, Equatable {
    public var principal: String
    public var client: String?
    public var requestID: String?

    public init(principal: String, client: String? = nil, requestID: String? = nil) {
        self.principal = principal
        self.client = client
        self.requestID = requestID
    }

    /// Changes the worker makes on its own (start-up, supervision, automatic restarts).
    public static let worker = AuditActor(principal: "sluice-worker")

    @TaskLocal public static var current: AuditActor = .worker

    var json: JSONValue {
        .object([
            "principal": .string(principal), "client": client.map(JSONValue.string) ?? .null,
            "requestId": requestID.map(JSONValue.string) ?? .null,
        ])
    }
}

/// One lifecycle change as a CloudEvents 1.0 event (structured JSON mode). Each event in the
/// audit file also carries the extension attributes `sequence`, `prevhash` and `hash`: SHA-256
/// over the previous hash and this event's canonical JSON, so editing, deleting, reordering or
/// truncating the file breaks the chain (`sluice audit verify`).
public struct AuditEvent: Sendable, Equatable {
    public var id: String
    public var source: String
    public var type: String
    public var subject: String
    /// RFC 3339 with milliseconds, UTC.
    public var time: String
    public var data: JSONObject
    public var sequence: Int64 = 0
    public var previousHash: String = ""
    public var hash: String = ""

    public static let typePrefix = "dev.sluice."

    public init(type: String, subject: String, source: String, data: JSONObject, time: Date = Date()) {
        id = UUID().uuidString.lowercased()
        self.source = source
        self.type = type.hasPrefix(Self.typePrefix) ? type : Self.typePrefix + type
        self.subject = subject
        self.time = Self.rfc3339(time)
        self.data = data
    }

    /// The event without its `hash` (what the hash covers).
    var unsealed: JSONValue {
        .object([
            "specversion": "1.0", "id": .string(id), "source": .string(source), "type": .string(type),
            "subject": .string(subject), "time": .string(time), "datacontenttype": "application/json",
            "sequence": .int(sequence), "prevhash": .string(previousHash), "data": .object(data),
        ])
    }

    /// The event as one JSON line.
    public var json: JSONValue {
        guard case .object(var object) = unsealed else { return unsealed }
        object["hash"] = .string(hash)
        return .object(object)
    }

    /// SHA-256 hex of `previousHash` + the canonical JSON (keys sorted) of the unsealed event.
    static func digest(_ unsealed: JSONValue, previousHash: String) -> String {
        var bytes = Array(previousHash.utf8)
        bytes += canonical(unsealed)
        return SHA256.hash(data: bytes).hexString
    }

    /// Compact JSON with object keys sorted at every level (stable across parse and print).
    static func canonical(_ value: JSONValue) -> [UInt8] { value.canonical.jsonBytes }

    /// RFC 3339 in UTC with milliseconds (event times, reports).
    public static func rfc3339(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    /// SHA-256 hex of a raw config (before/after digests: what changed, without the values).
    public static func configDigest(_ config: [String: String]?) -> JSONValue {
        guard let config else { return .null }
        var object: JSONObject = [:]
        for key in config.keys.sorted() { object[key] = .string(config[key]!) }
        return .string(SHA256.hash(data: canonical(.object(object))).hexString)
    }
}
