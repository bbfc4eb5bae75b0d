import Foundation
import Glibc
import SluiceConnectSDK
import SluiceRuntime
import Synchronization
import Testing

/// Config providers against real stores: the process environment, files and directories on
/// disk, AWS Secrets Manager (moto_server from the local stack). No secret value is ever printed:
/// expectations compare values, and failure messages show only the provider's error text.
extension Integration {
    @Suite("Secrets: config providers against real stores")
    struct SecretsProviderTests {
        let logger = TestStack.logger("secrets-test")

        func providers(_ workerLines: String) throws -> ConfigProviders {
            let environment = ["SLUICE_TEST_TOKEN": "env-value-123", "HOME": "/root"]
            let worker = try WorkerConfig(
                settings: Properties.parse("bootstrap.servers=127.0.0.1:1\n" + workerLines), environment: environment,
                hostDescription: "test")
            return try ConfigProviders(worker: worker, environment: environment, logger: logger)
        }

        func problems(_ body: () async throws -> Void) async -> String {
            do {
                try await body()
                return ""
            } catch {
                return "\(error)"
            }
        }

        @Test("env: allowed names resolve, names outside allowlist.pattern are refused naming the key")
        func environment() async throws {
            let providers = try providers(
                "config.providers=env\nconfig.providers.env.param.allowlist.pattern=SLUICE_.*\n")
            let resolved = try await providers.resolve(["token": "${env:SLUICE_TEST_TOKEN}", "plain": "x"])
            #expect(resolved.config["token"] == "env-value-123")
            #expect(resolved.config["plain"] == "x")
            #expect(resolved.fingerprints.keys.map(\.description) == ["${env:SLUICE_TEST_TOKEN}"])
            let refused = await problems { _ = try await providers.resolve(["home": "${env:HOME}"]) }
            #expect(refused.contains("home") && refused.contains("allowlist.pattern"), "\(refused)")
            let missing = await problems { _ = try await providers.resolve(["k": "${env:SLUICE_NOT_SET}"]) }
            #expect(missing.contains("SLUICE_NOT_SET is not set"), "\(missing)")
            let unknown = await problems { _ = try await providers.resolve(["k": "${vault:secret/data/x:y}"]) }
            #expect(unknown.contains("no config provider vault is enabled"), "\(unknown)")
        }

        @Test("file and dir: values, missing keys name key and path, '..' and symlinks outside allowed.paths refused")
        func filesAndDirectories() async throws {
            let workspace = try SecretsWorkspace(try WorkerHarness())
            let file = try workspace.properties("db.properties", ["password": "file-secret-1", "user": "app"])
            try workspace.keyFiles(workspace.allowed + "/k8s", ["password": "dir-secret-1"])
            try workspace.properties("stolen.properties", ["password": "outside-secret"], in: workspace.outside)
            try workspace.keyFiles(workspace.outside + "/k8s", ["password": "outside-dir-secret"])
            try FileManager.default.createSymbolicLink(
                atPath: workspace.allowed + "/link.properties", withDestinationPath: workspace.outside + "/stolen.properties")
            try FileManager.default.createSymbolicLink(
                atPath: workspace.allowed + "/linkdir", withDestinationPath: workspace.outside + "/k8s")
            let providers = try providers(
                """
                config.providers=file,dir
                config.providers.file.param.allowed.paths=\(workspace.allowed)
                config.providers.dir.param.allowed.paths=\(workspace.allowed)

                """)
            let resolved = try await providers.resolve([
                "a": "${file:\(file):password}", "b": "user=${file:\(file):user};",
                "c": "${dir:\(workspace.allowed)/k8s:password}",
            ])
            #expect(resolved.config["a"] == "file-secret-1")
            #expect(resolved.config["b"] == "user=app;")
            #expect(resolved.config["c"] == "dir-secret-1")
            #expect(resolved.ttl == .seconds(60), "ttl.ms defaults to 60 s")

            let missingKey = await problems { _ = try await providers.resolve(["database.password": "${file:\(file):nope}"]) }
            #expect(
                missingKey.contains("database.password") && missingKey.contains("has no key nope") && missingKey.contains(file))
            let missingDirKey = await problems {
                _ = try await providers.resolve(["database.password": "${dir:\(workspace.allowed)/k8s:nope}"])
            }
            #expect(missingDirKey.contains("database.password") && missingDirKey.contains("k8s/nope"), "\(missingDirKey)")
            for reference in [
                "${file:\(workspace.allowed)/../elsewhere/stolen.properties:password}",
                "${file:\(workspace.allowed)/link.properties:password}",
                "${dir:\(workspace.allowed)/../elsewhere/k8s:password}",
                "${dir:\(workspace.allowed)/linkdir:password}",
            ] {
                let refused = await problems { _ = try await providers.resolve(["database.password": reference]) }
                #expect(
                    refused.contains("database.password") && refused.contains("outside")
                        && refused.contains("allowed.paths"), "\(reference): \(refused)")
                #expect(!refused.contains("outside-secret") && !refused.contains("outside-dir-secret"))
            }
        }

        @Test("aws-secretsmanager on moto: JSON keys, plain strings, version stage, missing key and secret, ARN region")
        func secretsManager() async throws {
            let admin = try SecretsManagerAdmin()
            let name = TestStack.unique("sm")
            let arn = try await admin.create(name, ["password": "sm-secret-v1", "user": "app"])
            #expect(AWSSecretsManagerConfigProvider.region(ofARN: arn) == admin.region)
            try await admin.call(
                "CreateSecret", .object(["Name": .string("\(name)-plain"), "SecretString": .string("plain-secret-xyz")]))
            let providers = try providers("config.providers=aws\n" + admin.workerLines(ttlMs: 1000))
            let resolved = try await providers.resolve([
                "p": "${aws:\(name):password}", "u": "${aws:\(name):user}", "byARN": "${aws:\(arn):password}",
                "plain": "${aws:\(name)-plain:value}",
            ])
            #expect(resolved.config["p"] == "sm-secret-v1")
            #expect(resolved.config["u"] == "app")
            #expect(resolved.config["byARN"] == "sm-secret-v1", "an ARN path keeps its colons")
            #expect(resolved.config["plain"] == "plain-secret-xyz")
            #expect(resolved.ttl == .seconds(1))

            try await admin.put(name, ["password": "sm-secret-v2", "user": "app"])
            let rotated = try await providers.resolve(["p": "${aws:\(name):password}"])
            #expect(rotated.config["p"] == "sm-secret-v2")
            #expect(rotated.fingerprints != resolved.fingerprints.filter { $0.key.key == "password" && $0.key.path == name })

            let previous = try self.providers(
                "config.providers=aws\n" + admin.workerLines() + "config.providers.aws.param.version.stage=AWSPREVIOUS\n")
            #expect(try await previous.resolve(["p": "${aws:\(name):password}"]).config["p"] == "sm-secret-v1")

            let missingKey = await problems { _ = try await providers.resolve(["aws.secret.access.key": "${aws:\(name):nope}"]) }
            #expect(missingKey.contains("aws.secret.access.key") && missingKey.contains("has no key nope"), "\(missingKey)")
            let missingSecret = await problems { _ = try await providers.resolve(["k": "${aws:\(name)-missing:password}"]) }
            #expect(missingSecret.contains("ResourceNotFoundException"), "\(missingSecret)")
            #expect(!missingKey.contains("sm-secret") && !missingSecret.contains("sm-secret"))

            // A provider pinned to another region does not resolve a secret of this one (Secrets
            // Manager is regional; the provider also refuses an answer whose ARN names another region).
            let other = try self.providers(
                "config.providers=aws\n"
                    + admin.workerLines().replacingOccurrences(of: "region=\(admin.region)", with: "region=us-east-1"))
            let pinned = await problems { _ = try await other.resolve(["k": "${aws:\(arn):password}"]) }
            #expect(pinned.contains("cannot resolve") && !pinned.contains("sm-secret"), "\(pinned)")
        }

        @Test(
            "worker: a reference outside allowed.paths ('..' or a symlink) or an inline PASSWORD (refuse) is a 400 naming the key; nothing starts"
        )
        func workerRefuses() async throws {
            let harness = try WorkerHarness()
            let workspace = try SecretsWorkspace(harness)
            try workspace.properties("stolen.properties", ["password": "outside-secret"], in: workspace.outside)
            try workspace.keyFiles(workspace.outside + "/k8s", ["password": "outside-dir-secret"])
            try FileManager.default.createSymbolicLink(
                atPath: workspace.allowed + "/link.properties", withDestinationPath: workspace.outside + "/stolen.properties")
            let worker = try harness.start(
                [], workerConfig: try workspace.workerConfig(extra: "secrets.inline.policy=refuse"))
            defer { worker.signal(SIGKILL) }
            let probe = RESTProbe(base: try await harness.restURL())
            let topic = TestStack.unique("secrets-refuse")
            func cdc(_ password: String) -> JSONValue {
                .object([
                    "name": .string(topic),
                    "config": .object([
                        "connector.class": .string("io.sluice.connect.postgres.PostgresCDCConnector"),
                        "database.hostname": .string("${env:SLUICE_PG_HOST}"), "database.port": .string("${env:SLUICE_PG_PORT}"),
                        "database.user": .string("${env:SLUICE_PG_USER}"), "database.password": .string(password),
                        "database.dbname": .string("${env:SLUICE_PG_DATABASE}"), "topic.prefix": .string(topic),
                        "slot.name": .string("\(topic)_slot"), "publication.name": .string("\(topic)_pub"),
                    ]),
                ])
            }
            for reference in [
                "${file:\(workspace.allowed)/../elsewhere/stolen.properties:password}",
                "${file:\(workspace.allowed)/link.properties:password}",
                "${dir:\(workspace.allowed)/../elsewhere/k8s:password}",
            ] {
                let answer = try await probe.call("POST", "/connectors", json: cdc(reference))
                #expect(answer.status == 400, "\(reference): \(answer.status)")
                #expect(answer.text.contains("database.password") && answer.text.contains("allowed.paths"), "\(answer.text)")
                #expect(answer.text.occurrences(of: "outside-") == 0)
            }
            let inline = try await probe.call("POST", "/connectors", json: cdc("inline-password-1"))
            #expect(inline.status == 400)
            #expect(
                inline.text.contains("database.password") && inline.text.contains("secrets.inline.policy=refuse"),
                "\(inline.text)")
            #expect(inline.text.occurrences(of: "inline-password-1") == 0)
            #expect(try await probe.call("GET", "/connectors/\(topic)").status == 404, "the connector was not created")
            #expect(try await probe.call("GET", "/connectors").body == .array([]))
            #expect(harness.logText.occurrences(of: "outside-") == 0)
        }

        @Test("worker: placeholders in transform settings are resolved at task start; the config keeps the placeholder")
        func transformSettings() async throws {
            let harness = try WorkerHarness()
            let workspace = try SecretsWorkspace(harness)
            let tenant = "tenant-\(UInt32.random(in: 100_000...999_999))"
            let properties = try workspace.properties("tags.properties", ["tenant": tenant])
            let worker = try harness.start([], workerConfig: try workspace.workerConfig())
            defer { worker.signal(SIGKILL) }
            let probe = RESTProbe(base: try await harness.restURL())
            let topic = TestStack.unique("secrets-xform")
            let out = harness.directory.appendingPathComponent("tagged.jsonl").path
            let reference = "${file:\(properties):tenant}"
            let configs: [(String, [String: String])] = [
                (
                    "\(topic)-gen",
                    [
                        "connector.class": "io.sluice.connect.datagen.DatagenConnector", "kafka.topic": topic,
                        "quickstart": "orders", "max.interval": "20", "iterations": "50",
                    ]
                ),
                (
                    "\(topic)-sink",
                    [
                        "connector.class": "io.sluice.connect.file.FileStreamSinkConnector", "topics": topic, "file": out,
                        "transforms": "tag", "transforms.tag.type": "org.apache.kafka.connect.transforms.InsertField$Value",
                        "transforms.tag.static.field": "tenant", "transforms.tag.static.value": reference,
                    ]
                ),
            ]
            for (name, config) in configs {
                let answer = try await probe.call(
                    "POST", "/connectors",
                    json: .object([
                        "name": .string(name),
                        "config": .object(JSONObject(config.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
                    ]))
                #expect(answer.status == 201, "\(answer.text)")
            }
            try await TestStack.eventually(timeout: .seconds(60), "tagged records in the sink file") {
                ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains(tenant)
            }
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            #expect(text.occurrences(of: reference) == 0, "no record carries the unresolved placeholder")
            let shown = try await probe.call("GET", "/connectors/\(topic)-sink/config")
            #expect(shown.body?["transforms.tag.static.value"]?.stringValue == reference)
            #expect(shown.text.occurrences(of: tenant) == 0)
        }

        @Test("worker: secrets.inline.policy=warn accepts an inline PASSWORD with a warning naming the key, not the value")
        func inlineWarns() async throws {
            let harness = try WorkerHarness()
            let workspace = try SecretsWorkspace(harness)
            let worker = try harness.start([], workerConfig: try workspace.workerConfig(extra: "secrets.inline.policy=warn"))
            defer { worker.signal(SIGKILL) }
            let probe = RESTProbe(base: try await harness.restURL())
            let name = TestStack.unique("secrets-warn")
            let answer = try await probe.call(
                "POST", "/connectors",
                json: .object([
                    "name": .string(name),
                    "config": .object([
                        "connector.class": .string("io.sluice.connect.s3.S3SinkConnector"), "topics": .string(name),
                        "s3.bucket.name": .string("sluice-test"), "s3.region": .string("${env:SLUICE_S3_REGION}"),
                        "store.url": .string("${env:SLUICE_S3_ENDPOINT}"), "s3.path.style.access.enabled": .string("true"),
                        "aws.access.key.id": .string("${env:SLUICE_S3_ACCESS_KEY}"),
                        "aws.secret.access.key": .string("${env:SLUICE_S3_SECRET_KEY}"),
                        "format.class": .string("io.confluent.connect.s3.format.json.JsonFormat"),
                        "flush.size": .string("10"),
                    ]),
                ]))
            #expect(answer.status == 201, "\(answer.text)")
            // A PASSWORD given inline: accepted, hidden in answers, warned about by key.
            var config = try #require(try await probe.call("GET", "/connectors/\(name)/config").body?.objectValue)
            #expect(config["aws.secret.access.key"]?.stringValue == "${env:SLUICE_S3_SECRET_KEY}")
            config["aws.secret.access.key"] = .string("inline-secret-value-42")
            let put = try await probe.call("PUT", "/connectors/\(name)/config", json: .object(config))
            #expect(put.status == 200, "\(put.text)")
            #expect(put.text.occurrences(of: "inline-secret-value-42") == 0)
            try await TestStack.eventually("the inline-secret warning is logged") {
                harness.logText.contains("secret given inline") && harness.logText.contains("aws.secret.access.key")
            }
            #expect(harness.logText.occurrences(of: "inline-secret-value-42") == 0)
            #expect(try await probe.call("DELETE", "/connectors/\(name)").status == 204)
        }
    }
}

/// The Vault provider against `FakeVault` (no Vault server can be installed here).
@Suite("Secrets: Vault provider against an in-test KV v2 / AppRole server")
struct VaultProviderTests {
    let logger = TestStack.logger("vault-test")

    func problems(_ body: () async throws -> Void) async -> String {
        do {
            try await body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test("token file: KV v2 values; a bad token is a 403 error naming the path; a missing key names it")
    func tokenFile() async throws {
        let vault = FakeVault()
        let address = try await vault.start()
        defer { vault.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tokenFile = directory.appendingPathComponent("token").path
        try "hvs.good-token\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        vault.state.withLock {
            $0.tokens = ["hvs.good-token"]
            $0.secrets["secret/data/app/db"] = ["password": "vault-secret-1", "user": "app"]
            $0.namespace = "team-a"
        }
        let provider = try VaultConfigProvider(
            parameters: ["address": address, "token.file": tokenFile, "namespace": "team-a", "ttl.ms": "2000"],
            environment: [:], logger: logger)
        let providers = ConfigProviders(providers: ["vault": provider])
        let resolved = try await providers.resolve([
            "database.password": "${vault:secret/data/app/db:password}", "database.user": "${vault:secret/data/app/db:user}",
        ])
        #expect(resolved.config["database.password"] == "vault-secret-1")
        #expect(resolved.config["database.user"] == "app")
        #expect(resolved.ttl == .seconds(2))
        #expect(vault.state.withLock { $0.reads } == 1, "one read per path")

        let missing = await problems { _ = try await providers.resolve(["k": "${vault:secret/data/app/db:nope}"]) }
        #expect(missing.contains("has no key nope") && missing.contains("secret/data/app/db"), "\(missing)")
        let notFound = await problems { _ = try await providers.resolve(["k": "${vault:secret/data/app/none:x}"]) }
        #expect(notFound.contains("HTTP 404"), "\(notFound)")

        // The token is revoked: 403, even after reading the token file again.
        vault.state.withLock { $0.tokens = [] }
        let denied = await problems {
            _ = try await providers.resolve(["database.password": "${vault:secret/data/app/db:password}"])
        }
        #expect(denied.contains("database.password") && denied.contains("403"), "\(denied)")
        #expect(!denied.contains("vault-secret-1"))
        // A new token in the file is picked up.
        try "hvs.next-token".write(toFile: tokenFile, atomically: true, encoding: .utf8)
        vault.state.withLock { $0.tokens = ["hvs.next-token"] }
        #expect(try await providers.resolve(["p": "${vault:secret/data/app/db:password}"]).config["p"] == "vault-secret-1")
        // Token from the environment.
        let fromEnv = try VaultConfigProvider(
            parameters: ["address": address, "token.env": "MY_VAULT_TOKEN", "namespace": "team-a"],
            environment: ["MY_VAULT_TOKEN": "hvs.next-token"], logger: logger)
        #expect(try await fromEnv.get(path: "secret/data/app/db", keys: ["user"]).values["user"] == "app")
    }

    @Test("AppRole: logs in with role id and secret id, reads with the token it got, logs in again when it expires")
    func appRole() async throws {
        let vault = FakeVault()
        let address = try await vault.start()
        defer { vault.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vault-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secretIDFile = directory.appendingPathComponent("secret-id").path
        try "approle-secret-id-1\n".write(toFile: secretIDFile, atomically: true, encoding: .utf8)
        vault.state.withLock {
            $0.roles = ["sluice-role": "approle-secret-id-1"]
            $0.secrets["kv/data/s3"] = ["secret": "vault-s3-secret"]
        }
        let provider = try VaultConfigProvider(
            parameters: ["address": address, "approle.role.id": "sluice-role", "approle.secret.id.file": secretIDFile],
            environment: [:], logger: logger)
        #expect(try await provider.get(path: "kv/data/s3", keys: ["secret"]).values["secret"] == "vault-s3-secret")
        #expect(try await provider.get(path: "/kv/data/s3", keys: ["secret"]).values["secret"] == "vault-s3-secret")
        #expect(vault.state.withLock { $0.logins } == 1, "the token is reused")
        vault.state.withLock { $0.tokens = [] }  // the token expired
        #expect(try await provider.get(path: "kv/data/s3", keys: ["secret"]).values["secret"] == "vault-s3-secret")
        #expect(vault.state.withLock { $0.logins } == 2, "logged in again after a 403")

        try "wrong-secret-id".write(toFile: secretIDFile, atomically: true, encoding: .utf8)
        let wrong = try VaultConfigProvider(
            parameters: ["address": address, "approle.role.id": "sluice-role", "approle.secret.id.file": secretIDFile],
            environment: [:], logger: logger)
        let refused = await problems { _ = try await wrong.get(path: "kv/data/s3", keys: ["secret"]) }
        #expect(refused.contains("AppRole login failed with HTTP 400"), "\(refused)")
    }
}
