import Foundation
import Logging
import SluiceConnectSDK
import SluiceHTTP
import Testing

/// AWS Secrets Manager on the local stack (moto_server): creates secrets and puts new versions,
/// as an operator rotating a secret would.
struct SecretsManagerAdmin {
    let endpoint: URL
    let region: String
    let client: JSONHTTPClient

    init() throws {
        endpoint = URL(string: try TestStack.value("SLUICE_SECRETS_ENDPOINT"))!
        region = try TestStack.value("SLUICE_S3_REGION")
        client = JSONHTTPClient(
            configuration: .init(connections: 1, requestTimeout: .seconds(10)),
            signer: SigV4Signer(
                credentials: AWSCredentials(accessKeyID: Self.accessKey, secretAccessKey: Self.secretKey), region: region,
                service: "secretsmanager"),
            logger: TestStack.logger("secrets-admin"))
    }

    /// moto accepts any credentials; the provider signs with these.
    static let accessKey = "sluice-test-access"
    static let secretKey = "sluice-test-secret-for-moto"

    @discardableResult
    func call(_ action: String, _ body: JSONValue) async throws -> JSONValue {
        let answer = try await client.sendRaw(
            "POST", url: endpoint, headers: [(name: "X-Amz-Target", value: "secretsmanager.\(action)")],
            body: Data(body.jsonBytes), contentType: "application/x-amz-json-1.1")
        return try JSONValue.parse(Array(answer))
    }

    /// Creates `name` with a JSON object of `values`; returns the secret's ARN.
    @discardableResult
    func create(_ name: String, _ values: [String: String]) async throws -> String {
        let answer = try await call(
            "CreateSecret", .object(["Name": .string(name), "SecretString": .string(Self.json(values))]))
        return answer["ARN"]?.stringValue ?? ""
    }

    /// A new AWSCURRENT version of `name` (rotation).
    func put(_ name: String, _ values: [String: String]) async throws {
        try await call("PutSecretValue", .object(["SecretId": .string(name), "SecretString": .string(Self.json(values))]))
    }

    static func json(_ values: [String: String]) -> String {
        JSONValue.object(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })).jsonString
    }

    /// Worker-config lines enabling an `aws` provider against moto.
    func workerLines(name: String = "aws", ttlMs: Int? = nil) -> String {
        """
        config.providers.\(name).class=aws-secretsmanager
        config.providers.\(name).param.region=\(region)
        config.providers.\(name).param.endpoint=\(endpoint.absoluteString)
        config.providers.\(name).param.access.key.id=\(Self.accessKey)
        config.providers.\(name).param.secret.access.key=\(Self.secretKey)
        \(ttlMs.map { "config.providers.\(name).param.ttl.ms=\($0)" } ?? "")

        """
    }
}

/// A directory of secret files for the file and dir providers, and worker configs that use them.
struct SecretsWorkspace {
    let harness: WorkerHarness
    /// The only directory the providers may read (`allowed.paths`).
    let allowed: String
    /// A directory outside it, holding a secret that must stay unreachable.
    let outside: String

    init(_ harness: WorkerHarness) throws {
        self.harness = harness
        allowed = harness.directory.appendingPathComponent("secrets").path
        outside = harness.directory.appendingPathComponent("elsewhere").path
        for directory in [allowed, outside] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
    }

    /// Writes a properties file (atomically, as a rotation would) under `allowed`.
    @discardableResult
    func properties(_ name: String, _ values: [String: String], in directory: String? = nil) throws -> String {
        let path = (directory ?? allowed) + "/" + name
        let text = values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// One file per key in `directory` (as Kubernetes mounts a secret), no trailing newline.
    func keyFiles(_ directory: String, _ values: [String: String]) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (key, value) in values { try value.write(toFile: directory + "/" + key, atomically: true, encoding: .utf8) }
    }

    /// `config/worker.properties` plus `extra`, with providers env, file and dir limited to `allowed`.
    func workerConfig(providers: [String] = ["env", "file", "dir"], extra: String = "", fileTTLMs: Int? = nil) throws -> String {
        var lines = try String(contentsOf: TestStack.root.appendingPathComponent("config/worker.properties"), encoding: .utf8)
        lines = lines.replacingOccurrences(of: "config.providers=env\n", with: "")
        lines += """

            config.providers=\(providers.joined(separator: ","))
            config.providers.env.param.allowlist.pattern=SLUICE_.*
            config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
            config.providers.file.param.allowed.paths=\(allowed)
            config.providers.dir.class=org.apache.kafka.common.config.provider.DirectoryConfigProvider
            config.providers.dir.param.allowed.paths=\(allowed)
            \(fileTTLMs.map { "config.providers.file.param.ttl.ms=\($0)\nconfig.providers.dir.param.ttl.ms=\($0)" } ?? "")
            \(extra)

            """
        let path = harness.directory.appendingPathComponent("worker-\(UUID().uuidString.prefix(8)).properties").path
        try lines.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

extension String {
    /// How often `needle` occurs (for leak counts; never print the needle itself).
    func occurrences(of needle: String) -> Int {
        guard !needle.isEmpty else { return 0 }
        return components(separatedBy: needle).count - 1
    }
}
