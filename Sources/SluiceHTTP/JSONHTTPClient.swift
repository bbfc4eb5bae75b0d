import Foundation
import Logging

/// A JSON-over-HTTPS client on the same libcurl layer, for Vault, AWS JSON APIs (Secrets
/// Manager, KMS) and the like. Optionally SigV4-signs every attempt.
public final class JSONHTTPClient: Sendable {
    /// A non-2xx answer, with the service's own error text when it sent one.
    public struct ResponseError: Error, Sendable, CustomStringConvertible {
        public var status: Int
        /// The service's error type/code if the body carried one (`__type`, `errors[0]`, …).
        public var code: String?
        public var message: String
        public var target: String
        public var description: String { "\(target) answered HTTP \(status)" + (code.map { " \($0)" } ?? "") + ": \(message)" }
    }

    private let http: HTTPClient
    private let signer: SigV4Signer?

    public init(configuration: HTTPClient.Configuration = .init(), signer: SigV4Signer? = nil, logger: Logger) {
        self.http = HTTPClient(configuration: configuration, logger: logger)
        self.signer = signer
    }

    /// Sends `body` (encoded as JSON when given) and decodes a 2xx body as `Response`.
    public func send<Response: Decodable & Sendable>(
        _ method: String, url: URL, headers: [(name: String, value: String)] = [],
        body: (some Encodable & Sendable)? = nil as Int?,
        as type: Response.Type
    ) async throws -> Response {
        let data = try await sendRaw(method, url: url, headers: headers, body: body.map { try JSONEncoder().encode($0) })
        return try JSONDecoder().decode(Response.self, from: data.isEmpty ? Data("{}".utf8) : data)
    }

    /// Sends raw JSON bytes and returns the raw 2xx body.
    public func sendRaw(
        _ method: String, url: URL, headers: [(name: String, value: String)] = [], body: Data? = nil,
        contentType: String = "application/json"
    ) async throws -> Data {
        var request = HTTPRequest(method: method, url: url, headers: headers, body: body ?? Data())
        if body != nil, request.header("Content-Type") == nil { request.setHeader("Content-Type", contentType) }
        request.setHeader("Accept", "application/json")
        let signer = self.signer
        let response = try await http.send(request) { request in signer?.sign(&request) }
        guard (200...299).contains(response.status) else {
            throw Self.error(from: response, target: "\(method) \(CurlEasy.redacted(url))")
        }
        return response.body
    }

    static func error(from response: HTTPResponse, target: String) -> ResponseError {
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        let code = (object?["__type"] as? String) ?? (object?["code"] as? String)
        let message =
            (object?["message"] as? String) ?? (object?["Message"] as? String)
            ?? (object?["errors"] as? [String])?.joined(separator: "; ") ?? String(response.text.prefix(300))
        return ResponseError(status: response.status, code: code, message: message, target: target)
    }
}
