import Foundation
import Logging
import SluiceConnectSDK
import SluiceSupport

/// The worker's config providers (`config.providers=file,vault,…` with
/// `config.providers.<name>.class` and `config.providers.<name>.param.*`, as in Kafka Connect),
/// and placeholder resolution for connector and task configs.
///
/// Resolution happens in memory only, when a connector or task starts (or reloads): stored and
/// returned configs keep their placeholders, and resolved values are registered with
/// `SecretRedactor` so they cannot reach a log line or a REST answer: every value from a secret
/// store (file, dir, vault, aws), and `env` values of keys that name a secret (`Redaction`).
public struct ConfigProviders: Sendable {
    /// A resolved config and what it took to resolve it.
    public struct Resolution: Sendable {
        public var config: [String: String]
        /// Every reference used, with a per-process fingerprint of its value (to notice rotation
        /// without keeping a second copy of the secret).
        public var fingerprints: [SecretReference: Int]
        /// The shortest time-to-live among the values, if any expires.
        public var ttl: Duration?
    }

    public let providers: [String: any ConfigProvider]
    /// Residency: the secret-store location of each provider that has one, the policy and where
    /// decisions are logged (`ConfigProviders+Residency.swift`).
    public let residency: SecretResidency?

    public init(providers: [String: any ConfigProvider], residency: SecretResidency? = nil) {
        self.providers = providers
        self.residency = residency
    }

    /// Builds the providers the worker config enables.
    public init(worker: WorkerConfig, environment: [String: String] = ProcessInfo.processInfo.environment, logger: Logger)
        throws
    {
        var providers: [String: any ConfigProvider] = [:]
        for name in worker.configProviders {
            var parameters: [String: String] = [:]
            for (key, value) in worker.providerSettings where key.hasPrefix("\(name).param.") {
                parameters[String(key.dropFirst("\(name).param.".count))] = value
            }
            providers[name] = try Self.make(
                name: name, className: worker.providerSettings["\(name).class"], parameters: parameters,
                environment: environment, logger: logger)
        }
        self.providers = providers
        residency = try SecretResidency(worker: worker, providers: worker.configProviders, logger: logger)
    }

    /// Kafka Connect's provider class names and Sluice's, or the provider's name alone.
    static func make(
        name: String, className: String?, parameters: [String: String], environment: [String: String], logger: Logger
    ) throws -> any ConfigProvider {
        switch className ?? name {
        case "org.apache.kafka.common.config.provider.EnvVarConfigProvider", "env":
            return try EnvironmentConfigProvider(environment: environment, parameters: parameters)
        case "org.apache.kafka.common.config.provider.FileConfigProvider", "file":
            return FileConfigProvider(parameters: parameters, name: name)
        case "org.apache.kafka.common.config.provider.DirectoryConfigProvider", "dir", "directory":
            return DirectoryConfigProvider(parameters: parameters, name: name)
        case "io.sluice.config.VaultConfigProvider", "vault":
            return try VaultConfigProvider(parameters: parameters, environment: environment, logger: logger)
        case "io.sluice.config.AwsSecretsManagerConfigProvider", "aws", "aws-secretsmanager":
            return try AWSSecretsManagerConfigProvider(parameters: parameters, logger: logger)
        default:
            throw ConfigException(
                key: "config.providers.\(name).class",
                "unknown config provider class \(className ?? name); use env, file, dir, vault or aws-secretsmanager "
                    + "(or Kafka's EnvVarConfigProvider, FileConfigProvider, DirectoryConfigProvider)")
        }
    }

    /// `ttl.ms` from provider parameters (0 or negative: never expires).
    static func ttl(_ parameters: [String: String], default fallback: Duration?) -> Duration? {
        guard let text = parameters["ttl.ms"], let milliseconds = Int64(text) else { return fallback }
        return milliseconds > 0 ? .milliseconds(milliseconds) : nil
    }

    /// `raw` with every `${provider:path:key}` replaced. Each problem names the config key and
    /// the reference, never a value.
    public func resolve(_ raw: [String: String]) async throws -> Resolution {
        var wanted: [String: [String: Set<String>]] = [:]  // provider → path → keys
        var problems: [(String, String)] = []
        for (key, value) in raw {
            for (_, reference) in SecretReference.scan(value) {
                guard providers[reference.provider] != nil else {
                    let enabled = providers.keys.sorted().joined(separator: ", ")
                    problems.append(
                        (
                            key,
                            "\(key) refers to \(reference), but no config provider \(reference.provider) is enabled "
                                + "(config.providers=\(enabled.isEmpty ? "<none>" : enabled))"
                        ))
                    continue
                }
                wanted[reference.provider, default: [:]][reference.path, default: []].insert(reference.key)
            }
        }
        guard problems.isEmpty else { throw ConfigException(problems: problems) }
        var fetched: [SecretReference: String] = [:]
        var ttl: Duration?
        var failures: [SecretReference: String] = [:]
        for (name, paths) in wanted {
            for (path, keys) in paths {
                do {
                    let data = try await providers[name]!.get(path: path, keys: keys)
                    for (key, value) in data.values {
                        fetched[SecretReference(provider: name, path: path, key: key)] = value
                    }
                    if let expiry = data.ttl { ttl = min(ttl ?? expiry, expiry) }
                    if let residency,
                        let refusal = residency.check(provider: name, path: path, data: data, connector: raw["name"])
                    {
                        for key in keys { failures[SecretReference(provider: name, path: path, key: key)] = refusal }
                        for key in data.values.keys { fetched[SecretReference(provider: name, path: path, key: key)] = nil }
                    }
                } catch {
                    for key in keys { failures[SecretReference(provider: name, path: path, key: key)] = "\(error)" }
                }
            }
        }
        var resolved: [String: String] = [:]
        var fingerprints: [SecretReference: Int] = [:]
        for (key, value) in raw {
            var output = ""
            var cursor = value.startIndex
            for (range, reference) in SecretReference.scan(value) {
                output += value[cursor..<range.lowerBound]
                if let secret = fetched[reference] {
                    output += secret
                    // Values from secret stores are hidden from then on; `env` also serves plain
                    // settings (hosts, topics), so its values only when the key names a secret —
                    // hiding "127.0.0.1" everywhere would garble every log line.
                    if !(providers[reference.provider] is EnvironmentConfigProvider) || Redaction.isSecret(key: key) {
                        SecretRedactor.shared.register(secret)
                    }
                    fingerprints[reference] = secret.hashValue
                } else {
                    problems.append((key, "\(key): cannot resolve \(reference): \(failures[reference] ?? "no value returned")"))
                }
                cursor = range.upperBound
            }
            resolved[key] = output + value[cursor...]
        }
        guard problems.isEmpty else { throw ConfigException(problems: problems) }
        return Resolution(config: resolved, fingerprints: fingerprints, ttl: ttl)
    }
}
