import Crypto
import Foundation
import Logging

/// An S3 client on the libcurl layer with SigV4 signing: objects, multipart uploads, listing,
/// conditional writes, server-side encryption, bucket location and tagging.
///
/// Every request is retried on network errors, 5xx and 429 with jittered backoff (the HTTP
/// client's `RetryPolicy`); every failure becomes an `S3Error` with the store's code, message
/// and request id.
public final class S3Client: Sendable {
    /// Where the store is and how to address it.
    public struct Configuration: Sendable {
        /// `https://s3.eu-central-1.amazonaws.com` or a local store such as `http://127.0.0.1:8333`.
        public var endpoint: URL
        public var region: String
        public var credentials: AWSCredentials
        /// `true`: `endpoint/bucket/key`; `false`: `bucket.endpoint/key` (virtual-hosted).
        public var pathStyle: Bool
        public var http: HTTPClient.Configuration

        public init(
            endpoint: URL, region: String, credentials: AWSCredentials, pathStyle: Bool = true,
            http: HTTPClient.Configuration = .init()
        ) {
            self.endpoint = endpoint
            self.region = region
            self.credentials = credentials
            self.pathStyle = pathStyle
            self.http = http
        }
    }

    public let configuration: Configuration
    let http: HTTPClient
    private let signer: SigV4Signer

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.http = HTTPClient(configuration: configuration.http, logger: logger)
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: "s3")
    }

    // MARK: Addressing

    /// The URL of `bucket`/`key` with `query` items (in order), per the addressing style.
    public func url(bucket: String, key: String? = nil, query: [(String, String?)] = []) -> URL {
        var components = URLComponents(url: configuration.endpoint, resolvingAgainstBaseURL: false)!
        let basePath =
            components.percentEncodedPath.hasSuffix("/")
            ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        let encodedKey = key.map { "/" + SigV4Signer.uriEncode($0, keepSlash: true) } ?? ""
        if configuration.pathStyle {
            components.percentEncodedPath =
                basePath + "/" + SigV4Signer.uriEncode(bucket) + (encodedKey.isEmpty ? "" : encodedKey)
        } else {
            components.host = "\(bucket).\(components.host ?? "")"
            components.percentEncodedPath = basePath + (encodedKey.isEmpty ? "/" : encodedKey)
        }
        if !query.isEmpty {
            components.percentEncodedQuery = query.map { name, value in
                SigV4Signer.uriEncode(name) + (value.map { "=" + SigV4Signer.uriEncode($0) } ?? "=")
            }.joined(separator: "&")
        }
        return components.url!
    }

    // MARK: Core request path

    /// Signs and sends a request; throws `S3Error` for transport errors and non-2xx statuses
    /// (except those in `accept`).
    func perform(
        _ method: String, bucket: String, key: String? = nil, query: [(String, String?)] = [],
        headers: [(name: String, value: String)] = [], body: Data = Data(), accept: Set<Int> = [], operation: String
    ) async throws(S3Error) -> HTTPResponse {
        let request = HTTPRequest(method: method, url: url(bucket: bucket, key: key, query: query), headers: headers, body: body)
        let signer = self.signer
        let payloadHash = SigV4Signer.hex(SHA256.hash(data: body))
        let label = "\(operation) \(bucket)" + (key.map { "/\($0)" } ?? "")
        let response: HTTPResponse
        do {
            response = try await http.send(request) { request in
                signer.sign(&request, payloadHash: payloadHash)
            }
        } catch let error as HTTPError {
            throw S3Error(kind: .network, code: error.code.rawValue, message: error.message, operation: label, transport: error)
        } catch {
            throw S3Error(kind: .network, code: "cancelled", message: "\(error)", operation: label)
        }
        if (200...299).contains(response.status), method != "HEAD", let root = XMLNode.parse(response.body), root.name == "Error"
        {
            // S3 may answer 200 and put the error in the body (CompleteMultipartUpload).
            throw S3Error.from(
                response: HTTPResponse(status: 500, headers: response.headers, body: response.body), operation: label)
        }
        guard (200...299).contains(response.status) || accept.contains(response.status) else {
            throw S3Error.from(response: response, operation: label)
        }
        return response
    }

    func parseXML(_ response: HTTPResponse, operation: String) throws(S3Error) -> XMLNode {
        guard let root = XMLNode.parse(response.body) else {
            throw S3Error(
                kind: .invalidResponse, code: "InvalidXML", message: "response body is not XML: \(response.text.prefix(200))",
                status: response.status, operation: operation)
        }
        return root
    }
}
