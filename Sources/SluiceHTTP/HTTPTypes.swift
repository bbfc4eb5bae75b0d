import Foundation
import SluiceSupport

/// An HTTP request as the libcurl layer sends it. The body is held in memory; S3 multipart keeps
/// each part small enough (`s3.part.size`) for that to be the right trade.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: URL
    /// Header fields in send order. Names are case-insensitive.
    public var headers: [(name: String, value: String)]
    public var body: Data

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: Data = Data()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The first value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Sets header `name`, replacing every earlier value.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
        headers.append((name, value))
    }
}

/// An HTTP response: status, headers (names lowercased) and the whole body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of header `name` (case-insensitive).
    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The body as UTF-8 text (lossy), for error messages.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// TLS settings for HTTPS endpoints (S3, Vault, AWS JSON APIs).
public struct TLSOptions: Sendable, Equatable {
    /// A PEM bundle of trusted CAs; `nil` uses the system store.
    public var caFile: String?
    /// Turns off certificate and host-name checks. Only for local development.
    public var insecureSkipVerify: Bool

    public init(caFile: String? = nil, insecureSkipVerify: Bool = false) {
        self.caFile = caFile
        self.insecureSkipVerify = insecureSkipVerify
    }
}

/// When the HTTP client retries a request: network errors, 5xx and 429, with jittered backoff,
/// until `maxAttempts` or `deadline` is reached, whichever comes first.
public struct RetryPolicy: Sendable, Equatable {
    public var maxAttempts: Int
    public var deadline: Duration
    public var backoff: SluiceBackoff

    public init(maxAttempts: Int = 6, deadline: Duration = .seconds(60), backoff: SluiceBackoff = .init()) {
        self.maxAttempts = maxAttempts
        self.deadline = deadline
        self.backoff = backoff
    }

    /// Send once; never retry.
    public static let never = RetryPolicy(maxAttempts: 1, deadline: .zero)

    /// Whether a response status is worth retrying.
    public static func isRetryable(status: Int) -> Bool { status == 429 || (500...599).contains(status) }
}
