import Crypto
import Foundation
import Glibc
import SluiceConnectSDK
import Testing

extension Integration {
    /// Authentication, roles and TLS of the REST API, and the `sluice` CLI against them.
    @Suite("REST API security")
    struct RESTSecurityTests {
        static func sha256(_ text: String) -> String {
            SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
        }

        /// A self-signed certificate for 127.0.0.1 made with openssl.
        static func certificate(in directory: URL) async throws -> (cert: String, key: String) {
            let cert = directory.appendingPathComponent("rest.crt").path
            let key = directory.appendingPathComponent("rest.key").path
            let status = try await ChildProcess.spawn(
                "/usr/bin/openssl",
                [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                ], output: directory.appendingPathComponent("openssl.log").path
            ).wait()
            guard status == 0 else { throw StackError("openssl could not make a test certificate") }
            return (cert, key)
        }

        @Test("HTTPS with basic and bearer auth: 401 without credentials, 403 for read-only mutations; the CLI works over it")
        func authAndTLS() async throws {
            let harness = try WorkerHarness()
            let (cert, key) = try await Self.certificate(in: harness.directory)
            let adminPassword = "admin-\(UUID().uuidString)"
            let viewerPassword = "viewer-\(UUID().uuidString)"
            let token = "token-\(UUID().uuidString)"
            let credentials = harness.directory.appendingPathComponent("credentials.json").path
            let file: JSONValue = .object([
                "users": .array([
                    .object(["name": "ops", "password_sha256": .string(Self.sha256(adminPassword)), "role": "admin"]),
                    .object(["name": "viewer", "password_sha256": .string(Self.sha256(viewerPassword)), "role": "read-only"]),
                ]),
                "tokens": .array([.object(["name": "ci-bot", "token_sha256": .string(Self.sha256(token)), "role": "admin"])]),
            ])
            try Data(file.jsonBytes).write(to: URL(fileURLWithPath: credentials))
            let base = try String(contentsOf: TestStack.root.appendingPathComponent("config/worker.properties"), encoding: .utf8)
            let workerConfig = harness.directory.appendingPathComponent("worker-secure.properties").path
            try
                (base
                + "\nrest.auth.credentials.file=\(credentials)\nrest.tls.certificate.file=\(cert)\nrest.tls.key.file=\(key)\n")
                .write(toFile: workerConfig, atomically: true, encoding: .utf8)
            let worker = try harness.start(
                [], workerConfig: workerConfig, extraEnvironment: ["SLUICE_REST_LISTENER": "https://127.0.0.1:0"])
            defer { worker.signal(SIGKILL) }
            let url = try await harness.restURL()
            #expect(url.hasPrefix("https://"))

            let anonymous = RESTProbe(base: url, caFile: cert)
            let missing = try await anonymous.call("GET", "/connectors")
            #expect(missing.status == 401)
            #expect(missing.body?["error_code"]?.intValue == 401)
            let wrong = try await anonymous.with(authorization: RESTProbe.basic("ops", "nope"), caFile: cert).call(
                "GET", "/connectors")
            #expect(wrong.status == 401)
            let viewer = anonymous.with(authorization: RESTProbe.basic("viewer", viewerPassword), caFile: cert)
            #expect(try await viewer.call("GET", "/connectors").status == 200)
            let name = TestStack.unique("secure")
            let body: JSONValue = .object([
                "name": .string(name),
                "config": .object([
                    "connector.class": "io.sluice.connect.datagen.DatagenConnector", "kafka.topic": .string(name),
                    "quickstart": "orders", "iterations": "50", "max.interval": "10",
                ]),
            ])
            let forbidden = try await viewer.call("POST", "/connectors", json: body)
            #expect(forbidden.status == 403)
            #expect(forbidden.body?["message"]?.stringValue?.contains("read-only") == true)
            let admin = anonymous.with(authorization: RESTProbe.basic("ops", adminPassword), caFile: cert)
            #expect(try await admin.call("POST", "/connectors", json: body).status == 201)
            let bot = anonymous.with(authorization: "Bearer \(token)", caFile: cert)
            #expect(try await bot.call("GET", "/connectors/\(name)/status").status == 200)
            #expect(try await anonymous.with(authorization: "Bearer wrong", caFile: cert).call("GET", "/").status == 401)

            // The CLI over TLS with basic auth (password from the environment) and with a token file.
            let binary = TestStack.root.appendingPathComponent(".build/debug/sluice").path
            let output = harness.directory.appendingPathComponent("cli.out").path
            let list = try await ChildProcess.spawn(
                binary, ["connectors", "list", "--url", url, "--cacert", cert, "--user", "ops"],
                environment: ["SLUICE_PASSWORD": adminPassword], output: output
            ).wait()
            #expect(list == 0)
            let listed = try String(contentsOfFile: output, encoding: .utf8)
            #expect(listed.contains(name) && listed.contains("NAME"), "\(listed)")
            let tokenFile = harness.directory.appendingPathComponent("token").path
            try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let status = try await ChildProcess.spawn(
                binary,
                ["connectors", "status", name, "--url", url, "--cacert", cert, "--token-file", tokenFile, "--output", "json"],
                output: output
            ).wait()
            #expect(status == 0)
            let denied = try await ChildProcess.spawn(
                binary, ["connectors", "delete", name, "--url", url, "--cacert", cert, "--user", "viewer"],
                environment: ["SLUICE_PASSWORD": viewerPassword], output: output
            ).wait()
            #expect(denied != 0, "a read-only user cannot delete")
            #expect(try String(contentsOfFile: output, encoding: .utf8).contains("403"))
            let deleted = try await ChildProcess.spawn(
                binary, ["connectors", "delete", name, "--url", url, "--cacert", cert, "--token-file", tokenFile], output: output
            ).wait()
            #expect(deleted == 0)

            // The request log names principals and never carries a secret.
            let log = harness.logText
            #expect(log.contains("principal=ops") && log.contains("principal=viewer") && log.contains("principal=ci-bot"))
            for secret in [adminPassword, viewerPassword, token] { #expect(!log.contains(secret)) }
            #expect(!(try String(contentsOfFile: output, encoding: .utf8)).contains(adminPassword))
            // Failed authentications are audit events (never with the credentials tried).
            let audit =
                (try? String(contentsOfFile: harness.directory.appendingPathComponent("audit.jsonl").path, encoding: .utf8)) ?? ""
            #expect(audit.contains("dev.sluice.rest.authentication.failed"), "401s are audited")
            #expect(!audit.contains("nope") && !audit.contains(viewerPassword) && !audit.contains(token))

            // A second worker on the same port fails fast and names the setting.
            let other = try WorkerHarness()
            let port = String(url.split(separator: ":").last ?? "")
            let clash = try other.start([], extraEnvironment: ["SLUICE_REST_LISTENER": "http://127.0.0.1:\(port)"])
            #expect(await clash.wait() != 0, "a taken REST port stops the worker")
            #expect(
                other.logText.contains("cannot listen") && other.logText.contains("listeners"), "\(other.logText.suffix(800))")

            worker.signal(SIGTERM)
            #expect(await worker.wait() == 0)
        }
    }
}
