import SluiceConnectSDK

/// Values a provider returned for one path, and how long they may be cached.
public struct ConfigData: Sendable, Equatable {
    public var values: [String: String]
    /// After this long the values must be fetched again (a rotated secret restarts the tasks
    /// that use it); nil: they do not expire.
    public var ttl: Duration?
    /// The region the store itself reported for these values (e.g. a Secrets Manager ARN's
    /// region): residency evidence at the `verified` level. nil: the store does not say.
    public var region: String?

    public init(values: [String: String], ttl: Duration? = nil, region: String? = nil) {
        self.values = values
        self.ttl = ttl
        self.region = region
    }
}

/// A source of config values (Kafka Connect's `ConfigProvider`): `${name:path:key}` in a
/// connector config is replaced by `get(path:keys:)[key]`, in memory, when a connector or task
/// starts. Providers read customer-owned stores; nothing they return is persisted or logged.
public protocol ConfigProvider: Sendable {
    /// Fetches `keys` under `path`; a missing key is an error naming the path and key.
    func get(path: String, keys: Set<String>) async throws -> ConfigData
}

/// One `${provider:path:key}` reference in a config value.
public struct SecretReference: Sendable, Hashable, CustomStringConvertible {
    public var provider: String
    public var path: String
    public var key: String

    /// The placeholder text as written — safe to log, it names the secret, not its value.
    public var description: String { path.isEmpty ? "${\(provider):\(key)}" : "${\(provider):\(path):\(key)}" }

    /// Every reference in `value`, with the ranges they occupy. The grammar is Kafka Connect's:
    /// `${provider:key}` or `${provider:path:key}`; the path runs to the last `:` so ARNs and
    /// Vault paths keep their colons.
    public static func scan(_ value: String) -> [(range: Range<String.Index>, reference: SecretReference)] {
        var found: [(Range<String.Index>, SecretReference)] = []
        var rest = value[...]
        while let start = rest.firstRange(of: "${") {
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { break }
            let body = rest[start.upperBound..<end]
            if let colon = body.firstIndex(of: ":") {
                let provider = String(body[..<colon])
                let remainder = body[body.index(after: colon)...]
                let reference: SecretReference
                if let last = remainder.lastIndex(of: ":") {
                    reference = SecretReference(
                        provider: provider, path: String(remainder[..<last]),
                        key: String(remainder[remainder.index(after: last)...]))
                } else {
                    reference = SecretReference(provider: provider, path: "", key: String(remainder))
                }
                if !provider.isEmpty && !provider.contains(where: { $0 == "{" || $0 == " " }) {
                    found.append((start.lowerBound..<value.index(after: end), reference))
                }
            }
            rest = value[value.index(after: end)...]
        }
        return found
    }
}

/// A provider refused or failed; the message names the reference, never a value.
public struct ConfigProviderError: Error, Sendable, CustomStringConvertible {
    public var provider: String
    public var message: String

    public init(provider: String, _ message: String) {
        self.provider = provider
        self.message = message
    }

    public var description: String { "config provider \(provider): \(message)" }
}
