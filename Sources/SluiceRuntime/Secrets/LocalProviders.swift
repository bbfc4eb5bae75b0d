import Foundation
import SluiceConnectSDK

/// `${env:NAME}`: environment variables, limited to names matching `allowlist.pattern`
/// (default: every name) so a connector cannot read the worker's other variables.
public struct EnvironmentConfigProvider: ConfigProvider {
    let environment: [String: String]
    let allowlist: CompiledPattern?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, parameters: [String: String]) throws {
        self.environment = environment
        allowlist = try parameters["allowlist.pattern"].map { try CompiledPattern($0, setting: "allowlist.pattern") }
    }

    public func get(path: String, keys: Set<String>) async throws -> ConfigData {
        var values: [String: String] = [:]
        for key in keys {
            guard allowlist?.matchesWhole(key) ?? true else {
                throw ConfigProviderError(
                    provider: "env", "\(key) is not allowed by config.providers.env.param.allowlist.pattern")
            }
            guard let value = environment[key] else {
                throw ConfigProviderError(provider: "env", "\(key) is not set in the worker's environment")
            }
            values[key] = value
        }
        return ConfigData(values: values)
    }
}

/// Files only under `allowed.paths` (comma-separated directories), checked after resolving
/// `..` and symbolic links, so neither can reach outside.
struct AllowedPaths: Sendable {
    let roots: [String]
    let provider: String

    init(_ parameter: String?, provider: String) {
        self.provider = provider
        roots = (parameter ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { Self.canonical($0) ?? $0 }
    }

    /// The canonical path of `path` if it exists and lies under an allowed root.
    func check(_ path: String) throws -> String {
        guard let real = Self.canonical(path) else {
            throw ConfigProviderError(provider: provider, "\(path) does not exist or cannot be read")
        }
        guard roots.isEmpty || roots.contains(where: { real == $0 || real.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }) else {
            throw ConfigProviderError(
                provider: provider,
                "\(path) is outside config.providers.\(provider).param.allowed.paths (\(roots.joined(separator: ", "))); "
                    + "'..' and symbolic links are resolved before the check")
        }
        return real
    }

    static func canonical(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

/// `${file:/path/to/secrets.properties:key}`: Kafka Connect's FileConfigProvider — a
/// properties file, read whole on every fetch; `ttl.ms` (default 60000) makes the runtime look
/// again, so a rewritten file restarts the tasks that use a changed value.
public struct FileConfigProvider: ConfigProvider {
    let allowed: AllowedPaths
    let ttl: Duration?

    /// `name` is the provider's name in `config.providers` (for messages naming its settings).
    public init(parameters: [String: String], name: String = "file") {
        allowed = AllowedPaths(parameters["allowed.paths"], provider: name)
        ttl = ConfigProviders.ttl(parameters, default: .seconds(60))
    }

    public func get(path: String, keys: Set<String>) async throws -> ConfigData {
        let real = try allowed.check(path)
        let text: String
        do {
            text = try String(contentsOfFile: real, encoding: .utf8)
        } catch {
            throw ConfigProviderError(provider: allowed.provider, "cannot read \(path): \(error.localizedDescription)")
        }
        let properties = Properties.parse(text)
        var values: [String: String] = [:]
        for key in keys {
            guard let value = properties[key] else {
                throw ConfigProviderError(provider: allowed.provider, "\(path) has no key \(key)")
            }
            values[key] = value
        }
        return ConfigData(values: values, ttl: ttl)
    }
}

/// `${dir:/var/run/secrets/db:password}`: Kafka Connect's DirectoryConfigProvider — one file
/// per key, as Kubernetes mounts secrets; the value is the file's content.
public struct DirectoryConfigProvider: ConfigProvider {
    let allowed: AllowedPaths
    let ttl: Duration?

    /// `name` is the provider's name in `config.providers` (for messages naming its settings).
    public init(parameters: [String: String], name: String = "dir") {
        allowed = AllowedPaths(parameters["allowed.paths"], provider: name)
        ttl = ConfigProviders.ttl(parameters, default: .seconds(60))
    }

    public func get(path: String, keys: Set<String>) async throws -> ConfigData {
        var values: [String: String] = [:]
        for key in keys {
            guard !key.contains("/") else {
                throw ConfigProviderError(provider: allowed.provider, "key \(key) must be a file name in \(path), not a path")
            }
            let real = try allowed.check((path as NSString).appendingPathComponent(key))
            do {
                values[key] = try String(contentsOfFile: real, encoding: .utf8)
            } catch {
                throw ConfigProviderError(
                    provider: allowed.provider, "cannot read \(key) in \(path): \(error.localizedDescription)")
            }
        }
        return ConfigData(values: values, ttl: ttl)
    }
}

/// A whole-string regular expression from a setting (wraps `Regex`, which is not `Sendable`).
public struct CompiledPattern: @unchecked Sendable {
    private let regex: Regex<AnyRegexOutput>

    public init(_ pattern: String, setting: String) throws {
        do {
            regex = try Regex(pattern)
        } catch {
            throw ConfigException(key: setting, "\(setting) is not a valid regular expression: \(error)")
        }
    }

    public func matchesWhole(_ text: String) -> Bool { (try? regex.wholeMatch(in: text)) != nil }
}
