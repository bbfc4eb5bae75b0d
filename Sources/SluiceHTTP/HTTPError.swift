/// A request that produced no HTTP response: DNS, connect, TLS, time-out, or a bad URL.
/// (A response with an error status is not an `HTTPError`; callers map statuses themselves.)
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// Could not connect, connection reset, or the peer went away mid-transfer.
        case network
        /// The request did not finish within its time-out.
        case timeout
        /// Certificate or handshake failure.
        case tls
        /// The request itself is malformed (URL, option); retrying will not help.
        case invalidRequest
    }

    public var code: Code
    /// libcurl's numeric result, for support tickets.
    public var curlCode: Int
    public var message: String
    /// Method and URL (no query string: it may carry signatures).
    public var target: String

    public init(code: Code, curlCode: Int, message: String, target: String) {
        self.code = code
        self.curlCode = curlCode
        self.message = message
        self.target = target
    }

    /// Network errors and time-outs are transient; TLS and request errors are not.
    public var isRetryable: Bool { code == .network || code == .timeout }

    public var description: String { "HTTP \(code.rawValue) error on \(target): \(message) (curl \(curlCode))" }
}
