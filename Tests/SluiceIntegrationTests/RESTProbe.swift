import Foundation
import Logging
import SluiceConnectSDK
import SluiceHTTP
import Synchronization

/// A REST client for tests that keeps every exchange, so the OpenAPI conformance check can
/// replay them against `docs/openapi.json`.
final class RESTProbe: Sendable {
    struct Exchange: Sendable {
        var method: String
        var path: String
        var status: Int
        var contentType: String?
        var body: JSONValue?
        var text: String
    }

    let base: String
    let authorization: String?
    let caFile: String?
    private let http: HTTPClient
    private let exchanges = Mutex<[Exchange]>([])

    init(base: String, authorization: String? = nil, caFile: String? = nil) {
        self.base = base
        self.authorization = authorization
        self.caFile = caFile
        http = HTTPClient(
            configuration: .init(connections: 2, requestTimeout: .seconds(60), tls: TLSOptions(caFile: caFile)),
            logger: TestStack.logger("rest-probe"))
    }

    /// A probe with other credentials, sharing nothing else.
    func with(authorization: String?, caFile: String? = nil) -> RESTProbe {
        RESTProbe(base: base, authorization: authorization, caFile: caFile ?? self.caFile)
    }

    @discardableResult
    func call(
        _ method: String, _ path: String, json: JSONValue? = nil, raw: String? = nil, headers: [(String, String)] = []
    ) async throws -> Exchange {
        var request = HTTPRequest(
            method: method, url: URL(string: base + path)!, headers: [],
            body: Data(raw.map { Array($0.utf8) } ?? json?.jsonBytes ?? []))
        if json != nil || raw != nil { request.setHeader("Content-Type", "application/json") }
        if let authorization { request.setHeader("Authorization", authorization) }
        for (name, value) in headers { request.setHeader(name, value) }
        let response = try await http.sendOnce(request)
        let body = response.body.isEmpty ? nil : try? JSONValue.parse(Array(response.body))
        let exchange = Exchange(
            method: method, path: path, status: response.status, contentType: response.header("content-type"), body: body,
            text: response.text)
        exchanges.withLock { $0.append(exchange) }
        return exchange
    }

    var recorded: [Exchange] { exchanges.withLock { $0 } }

    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}
