import Foundation
import Logging
import SluiceConnectSDK
import SluiceHTTP
import Synchronization

/// `${vault:secret/data/app/db:password}`: HashiCorp Vault's KV version 2 over HTTPS. The path
/// is the API path under `/v1/` (`<mount>/data/<secret>`). Parameters: `address`, a token from
/// `token.file` or the variable named by `token.env`, or an AppRole login (`approle.role.id`,
/// `approle.secret.id.file`, `approle.mount` default `approle`); `namespace`; `tls.ca.file`;
/// `ttl.ms` (default: the secret's lease, else 5 minutes).
public final class VaultConfigProvider: ConfigProvider {
    let address: URL
    let namespace: String?
    let tokenSource: TokenSource
    let environment: [String: String]
    let ttl: Duration
    let http: JSONHTTPClient
    private let token = Mutex<String?>(nil)

    enum TokenSource: Sendable {
        case file(String)
        case environment(String)
        case appRole(roleID: String, secretIDFile: String, mount: String)
    }

    public init(parameters: [String: String], environment: [String: String], logger: Logger) throws {
        guard let text = parameters["address"], let address = URL(string: text), address.scheme != nil else {
            throw ConfigException(
                key: "config.providers.vault.param.address", "set the Vault address, e.g. https://vault.example:8200")
        }
        self.address = address
        namespace = parameters["namespace"]
        if let role = parameters["approle.role.id"] {
            guard let file = parameters["approle.secret.id.file"] else {
                throw ConfigException(
                    key: "config.providers.vault.param.approle.secret.id.file", "AppRole login needs the secret id in a file")
            }
            tokenSource = .appRole(roleID: role, secretIDFile: file, mount: parameters["approle.mount"] ?? "approle")
        } else if let file = parameters["token.file"] {
            tokenSource = .file(file)
        } else {
            tokenSource = .environment(parameters["token.env"] ?? "VAULT_TOKEN")
        }
        ttl = ConfigProviders.ttl(parameters, default: .seconds(300)) ?? .seconds(300)
        http = JSONHTTPClient(
            configuration: .init(
                connections: 2, requestTimeout: .seconds(30), tls: TLSOptions(caFile: parameters["tls.ca.file"]),
                retry: .init(maxAttempts: 3, deadline: .seconds(20))),
            logger: logger)
        self.environment = environment
    }

    public func get(path: String, keys: Set<String>) async throws -> ConfigData {
        guard let url = URL(string: address.absoluteString.trimmingSuffix("/") + "/v1/" + path.trimmingPrefix("/")) else {
            throw ConfigProviderError(provider: "vault", "\(path) is not a valid Vault path")
        }
        var body: Data?
        // A 403 may be an expired token: log in (or read the token file) again, once.
        for attempt in 1...2 where body == nil {
            var headers = [(name: "X-Vault-Token", value: try await currentToken())]
            if let namespace { headers.append((name: "X-Vault-Namespace", value: namespace)) }
            do {
                body = try await http.sendRaw("GET", url: url, headers: headers)
            } catch let error as JSONHTTPClient.ResponseError {
                guard error.status == 403 else {
                    throw ConfigProviderError(provider: "vault", "reading \(path) failed with HTTP \(error.status)")
                }
                self.token.withLock { $0 = nil }
                if attempt == 2 {
                    throw ConfigProviderError(
                        provider: "vault", "reading \(path) failed with HTTP 403 (permission denied: check the token or policy)")
                }
            }
        }
        guard let body else { throw ConfigProviderError(provider: "vault", "reading \(path) returned nothing") }
        let json = try JSONValue.parse(Array(body))
        guard let data = json["data"]?["data"]?.objectValue else {
            throw ConfigProviderError(provider: "vault", "\(path) is not a KV v2 secret (no data.data in the answer)")
        }
        var values: [String: String] = [:]
        for key in keys {
            guard let value = data[key] else { throw ConfigProviderError(provider: "vault", "\(path) has no key \(key)") }
            values[key] = value.stringValue ?? value.jsonString
        }
        let lease = json["lease_duration"]?.intValue ?? 0
        return ConfigData(values: values, ttl: lease > 0 ? min(ttl, .seconds(lease)) : ttl)
    }

    private func currentToken() async throws -> String {
        if let token = token.withLock({ $0 }) { return token }
        let fresh: String
        switch tokenSource {
        case .file(let path):
            fresh = try Self.read(path, what: "token.file")
        case .environment(let name):
            guard let value = environment[name], !value.isEmpty else {
                throw ConfigProviderError(provider: "vault", "no Vault token: set \(name) or token.file or an AppRole")
            }
            fresh = value
        case .appRole(let roleID, let secretIDFile, let mount):
            let secretID = try Self.read(secretIDFile, what: "approle.secret.id.file")
            guard let url = URL(string: address.absoluteString.trimmingSuffix("/") + "/v1/auth/\(mount)/login") else {
                throw ConfigProviderError(provider: "vault", "bad AppRole mount \(mount)")
            }
            let login = JSONValue.object(["role_id": .string(roleID), "secret_id": .string(secretID)])
            let answer: Data
            do {
                answer = try await http.sendRaw(
                    "POST", url: url, headers: namespace.map { [(name: "X-Vault-Namespace", value: $0)] } ?? [],
                    body: Data(login.jsonBytes))
            } catch let error as JSONHTTPClient.ResponseError {
                throw ConfigProviderError(provider: "vault", "AppRole login failed with HTTP \(error.status)")
            }
            guard let token = try JSONValue.parse(Array(answer))["auth"]?["client_token"]?.stringValue else {
                throw ConfigProviderError(provider: "vault", "AppRole login answered without auth.client_token")
            }
            fresh = token
        }
        token.withLock { $0 = fresh }
        return fresh
    }

    static func read(_ path: String, what: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw ConfigProviderError(provider: "vault", "cannot read \(what) \(path): \(error.localizedDescription)")
        }
    }
}

/// `${aws:my-secret:password}` or `${aws:arn:aws:secretsmanager:eu-central-1:…:secret:db:password}`:
/// AWS Secrets Manager's GetSecretValue, SigV4-signed on the libcurl client. A JSON secret
/// string yields the named key; a key of `value` returns a plain string secret whole.
/// Parameters: `region`, `endpoint` (default the regional endpoint), `access.key.id`,
/// `secret.access.key` (use `${env:…}` in the worker file), `version.stage` (default
/// AWSCURRENT), `ttl.ms` (default 5 minutes).
public struct AWSSecretsManagerConfigProvider: ConfigProvider {
    let region: String
    let endpoint: URL
    let stage: String
    let ttl: Duration?
    let client: JSONHTTPClient

    public init(parameters: [String: String], logger: Logger) throws {
        guard let region = parameters["region"], !region.isEmpty else {
            throw ConfigException(key: "config.providers.aws.param.region", "set the Secrets Manager region, e.g. eu-central-1")
        }
        self.region = region
        let endpointText = parameters["endpoint"] ?? "https://secretsmanager.\(region).amazonaws.com"
        guard let endpoint = URL(string: endpointText) else {
            throw ConfigException(key: "config.providers.aws.param.endpoint", "\(endpointText) is not a URL")
        }
        self.endpoint = endpoint
        guard let key = parameters["access.key.id"], let secret = parameters["secret.access.key"] else {
            throw ConfigException(
                key: "config.providers.aws.param.access.key.id",
                "set access.key.id and secret.access.key (e.g. ${env:AWS_ACCESS_KEY_ID} / ${env:AWS_SECRET_ACCESS_KEY})")
        }
        stage = parameters["version.stage"] ?? "AWSCURRENT"
        ttl = ConfigProviders.ttl(parameters, default: .seconds(300))
        client = JSONHTTPClient(
            configuration: .init(
                connections: 2, requestTimeout: .seconds(30), retry: .init(maxAttempts: 3, deadline: .seconds(20))),
            signer: SigV4Signer(
                credentials: AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: parameters["session.token"]),
                region: region, service: "secretsmanager"),
            logger: logger)
    }

    /// The region inside an ARN (`arn:aws:secretsmanager:REGION:…`), the residency evidence for
    /// a secret.
    public static func region(ofARN arn: String) -> String? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count > 4 && parts[0] == "arn" ? String(parts[3]) : nil
    }

    public func get(path: String, keys: Set<String>) async throws -> ConfigData {
        let request = JSONValue.object(["SecretId": .string(path), "VersionStage": .string(stage)])
        let answer: Data
        do {
            answer = try await client.sendRaw(
                "POST", url: endpoint, headers: [(name: "X-Amz-Target", value: "secretsmanager.GetSecretValue")],
                body: Data(request.jsonBytes), contentType: "application/x-amz-json-1.1")
        } catch let error as JSONHTTPClient.ResponseError {
            throw ConfigProviderError(
                provider: "aws", "GetSecretValue(\(path)) failed with HTTP \(error.status) \(error.code ?? "")")
        }
        let json = try JSONValue.parse(Array(answer))
        let found = json["ARN"]?.stringValue.flatMap(Self.region(ofARN:))
        if let found, found != region {
            throw ConfigProviderError(provider: "aws", "\(path) lives in \(found), but the provider is pinned to \(region)")
        }
        guard let secret = json["SecretString"]?.stringValue else {
            throw ConfigProviderError(provider: "aws", "\(path) has no SecretString (binary secrets are not supported)")
        }
        let object = (try? JSONValue.parse(secret))?.objectValue
        var values: [String: String] = [:]
        for key in keys {
            if let object, let value = object[key] {
                values[key] = value.stringValue ?? value.jsonString
            } else if key == "value" || (object == nil && key.isEmpty) {
                values[key] = secret
            } else {
                throw ConfigProviderError(provider: "aws", "\(path) has no key \(key)")
            }
        }
        return ConfigData(values: values, ttl: ttl, region: found)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String { hasSuffix(suffix) ? String(dropLast(suffix.count)) : self }
    func trimmingPrefix(_ prefix: String) -> String { hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self }
}
