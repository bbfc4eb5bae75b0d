import Foundation
import Hummingbird
import NIOCore
import SluiceConnectSDK
import Synchronization

/// An in-test stand-in for HashiCorp Vault (no Vault server can be installed here): KV version 2
/// reads and AppRole login with the request and response shapes of Vault's API documentation
/// (`GET /v1/<mount>/data/<path>` with `X-Vault-Token`; `POST /v1/auth/approle/login`;
/// errors as `{"errors": [...]}` with 403 for a bad token, 404 for a missing secret).
final class FakeVault: Sendable {
    struct State {
        /// mount-relative API path ("secret/data/app/db") → key → value
        var secrets: [String: [String: String]] = [:]
        var tokens: Set<String> = []
        /// role id → secret id
        var roles: [String: String] = [:]
        /// Required `X-Vault-Namespace`, if set.
        var namespace: String?
        var reads = 0
        var logins = 0
    }

    let state = Mutex(State())
    private let server = Mutex<Task<Void, any Error>?>(nil)
    private let port = Mutex<Int?>(nil)

    /// Starts the server on a free loopback port; returns its address.
    func start() async throws -> String {
        let router = Router()
        router.get("**") { request, _ in self.read(request) }
        router.post("**") { request, _ in try await self.login(request) }
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in self.port.withLock { $0 = channel.localAddress?.port } })
        server.withLock { $0 = Task { try await application.runService() } }
        try await TestStack.eventually("the fake Vault listens") { self.port.withLock { $0 } != nil }
        return "http://127.0.0.1:\(port.withLock { $0 }!)"
    }

    func stop() { server.withLock { $0?.cancel() } }

    static func answer(_ status: HTTPResponse.Status, _ body: JSONValue) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body.jsonBytes)))
    }

    static func errors(_ status: HTTPResponse.Status, _ messages: [String]) -> Response {
        answer(status, .object(["errors": .array(messages.map { .string($0) })]))
    }

    static func header(_ request: Request, _ name: String) -> String? {
        request.headers.first { $0.name.canonicalName == name }?.value
    }

    private func namespaceMatches(_ request: Request) -> Bool {
        let required = state.withLock { $0.namespace }
        return required == nil || Self.header(request, "x-vault-namespace") == required
    }

    private func read(_ request: Request) -> Response {
        let path = String(request.uri.path.dropFirst("/v1/".count))
        let token = Self.header(request, "x-vault-token") ?? ""
        let matches = namespaceMatches(request)
        return state.withLock { state in
            guard state.tokens.contains(token), matches else {
                return Self.errors(.forbidden, ["permission denied"])
            }
            guard let values = state.secrets[path] else { return Self.errors(.notFound, []) }
            state.reads += 1
            let data = JSONValue.object(JSONObject(values.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }))
            return Self.answer(
                .ok,
                .object([
                    "request_id": .string(UUID().uuidString.lowercased()), "lease_id": .string(""), "renewable": .bool(false),
                    "lease_duration": .int(0),
                    "data": .object([
                        "data": data,
                        "metadata": .object([
                            "created_time": .string("2024-01-01T00:00:00.000000Z"), "custom_metadata": .null,
                            "deletion_time": .string(""), "destroyed": .bool(false), "version": .int(1),
                        ]),
                    ]),
                    "wrap_info": .null, "warnings": .null, "auth": .null, "mount_type": .string("kv"),
                ]))
        }
    }

    private func login(_ request: Request) async throws -> Response {
        guard request.uri.path == "/v1/auth/approle/login" else { return Self.errors(.notFound, ["no handler for route"]) }
        var request = request
        let body = try await request.collectBody(upTo: 65536)
        let json = try? JSONValue.parse(String(decoding: body.readableBytesView, as: UTF8.self))
        let role = json?["role_id"]?.stringValue ?? ""
        let secret = json?["secret_id"]?.stringValue ?? ""
        let matches = namespaceMatches(request)
        return state.withLock { state in
            guard matches, let expected = state.roles[role], expected == secret else {
                return Self.errors(.badRequest, ["invalid role or secret ID"])
            }
            let token = "hvs.fake-\(UUID().uuidString.lowercased())"
            state.tokens.insert(token)
            state.logins += 1
            return Self.answer(
                .ok,
                .object([
                    "request_id": .string(UUID().uuidString.lowercased()), "lease_id": .string(""), "renewable": .bool(false),
                    "lease_duration": .int(0), "data": .null, "wrap_info": .null, "warnings": .null,
                    "auth": .object([
                        "client_token": .string(token), "accessor": .string("fake-accessor"),
                        "policies": .array([.string("default")]), "token_policies": .array([.string("default")]),
                        "metadata": .object(["role_name": .string("sluice")]), "lease_duration": .int(1200),
                        "renewable": .bool(true), "entity_id": .string(""), "token_type": .string("service"),
                        "orphan": .bool(true),
                    ]),
                ]))
        }
    }
}
