import Crypto
import Foundation
import SluiceConnectSDK

/// Checks HTTP basic and bearer credentials against a credentials file that holds only SHA-256
/// digests, never the passwords or tokens themselves:
///
/// ```json
/// {"users":  [{"name": "ops",   "password_sha256": "<hex>", "role": "admin"}],
///  "tokens": [{"name": "ci-bot", "token_sha256":    "<hex>", "role": "read-only"}]}
/// ```
///
/// `sluice credentials hash` prints the digest of a secret read from stdin.
public struct Authenticator: Sendable {
    struct Credential: Sendable {
        var principal: Principal
        var digest: [UInt8]
    }

    private var users: [String: Credential] = [:]
    private var tokens: [Credential] = []

    /// Loads the credentials file; every problem names the entry and the fix.
    public init(file path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigException(key: "rest.auth.credentials.file", "cannot read \(path): \(error.localizedDescription)")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(text)
        } catch {
            throw ConfigException(key: "rest.auth.credentials.file", "\(path) is not valid JSON: \(error)")
        }
        func entries(_ field: String, digestField: String) throws -> [(String, [UInt8], Principal.Role)] {
            try (json[field]?.arrayValue ?? []).enumerated().map { index, entry in
                let place = "\(path): \(field)[\(index)]"
                guard let name = entry["name"]?.stringValue, !name.isEmpty else {
                    throw ConfigException(key: "rest.auth.credentials.file", "\(place) needs a \"name\"")
                }
                guard let hex = entry[digestField]?.stringValue, let digest = Self.bytes(hex: hex), digest.count == 32 else {
                    throw ConfigException(
                        key: "rest.auth.credentials.file",
                        "\(place) needs \"\(digestField)\": 64 hex digits (print one with `sluice credentials hash`)")
                }
                let roleText = entry["role"]?.stringValue ?? "read-only"
                guard let role = Principal.Role(rawValue: roleText) else {
                    throw ConfigException(
                        key: "rest.auth.credentials.file", "\(place) has role \"\(roleText)\"; use \"admin\" or \"read-only\"")
                }
                return (name, digest, role)
            }
        }
        for (name, digest, role) in try entries("users", digestField: "password_sha256") {
            users[name] = Credential(principal: Principal(name: name, role: role), digest: digest)
        }
        for (name, digest, role) in try entries("tokens", digestField: "token_sha256") {
            tokens.append(Credential(principal: Principal(name: name, role: role), digest: digest))
        }
        guard !users.isEmpty || !tokens.isEmpty else {
            throw ConfigException(key: "rest.auth.credentials.file", "\(path) defines no users and no tokens")
        }
    }

    /// The principal for an `Authorization` header, or nil when it is missing or wrong.
    public func authenticate(authorization header: String?) -> Principal? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        switch parts[0].lowercased() {
        case "basic":
            guard let data = Data(base64Encoded: parts[1]), let text = String(data: data, encoding: .utf8),
                let colon = text.firstIndex(of: ":")
            else { return nil }
            let name = String(text[..<colon])
            let password = String(text[text.index(after: colon)...])
            guard let user = users[name], Self.matches(password, user.digest) else { return nil }
            return user.principal
        case "bearer":
            // Compare against every token so timing does not reveal which one nearly matched.
            var found: Principal?
            for token in tokens where Self.matches(parts[1], token.digest) { found = token.principal }
            return found
        default:
            return nil
        }
    }

    /// SHA-256 of `secret` as 64 lowercase hex digits (what the credentials file stores).
    public static func digest(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func matches(_ secret: String, _ digest: [UInt8]) -> Bool {
        let candidate = Array(SHA256.hash(data: Array(secret.utf8)))
        var difference: UInt8 = 0
        for (a, b) in zip(candidate, digest) { difference |= a ^ b }
        return difference == 0 && candidate.count == digest.count
    }

    static func bytes(hex: String) -> [UInt8]? {
        let characters = Array(hex.lowercased().utf8)
        guard characters.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for index in stride(from: 0, to: characters.count, by: 2) {
            guard let byte = UInt8(String(decoding: characters[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
