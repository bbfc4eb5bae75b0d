/// An error from an S3 operation: the service's error code, message and request id, or the
/// transport failure that kept a response from arriving.
public struct S3Error: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, for callers that decide (retry, fail the task, tell the user).
    public enum Kind: String, Sendable {
        /// Wrong access key or secret, or a signature the store rejected (403/401).
        case authentication
        /// The bucket does not exist.
        case noSuchBucket
        /// The key, upload or configuration does not exist.
        case notFound
        /// A conditional write lost: another writer got there first (412 / 409 on conditions).
        case preconditionFailed
        /// Throttled (429, SlowDown).
        case throttled
        /// 5xx from the store.
        case server
        /// No HTTP response at all (see `transport`).
        case network
        /// Any other 4xx: the request is wrong and retrying will not help.
        case client
        /// A 2xx response Sluice could not read.
        case invalidResponse
    }

    public var kind: Kind
    /// The S3 error code (`NoSuchBucket`, `SignatureDoesNotMatch`, …), or the HTTP status as text.
    public var code: String
    public var message: String
    public var requestID: String?
    public var status: Int?
    /// `operation bucket/key`, for the message.
    public var operation: String
    /// The transport error when `kind == .network`.
    public var transport: HTTPError?

    public init(
        kind: Kind, code: String, message: String, requestID: String? = nil, status: Int? = nil, operation: String,
        transport: HTTPError? = nil
    ) {
        self.kind = kind
        self.code = code
        self.message = message
        self.requestID = requestID
        self.status = status
        self.operation = operation
        self.transport = transport
    }

    public var description: String {
        var text = "S3 \(operation) failed: \(code): \(message)"
        if let status { text += " (HTTP \(status)" + (requestID.map { ", request id \($0))" } ?? ")") }
        if kind == .authentication {
            text += ". Check aws.access.key.id / aws.secret.access.key and the region the store expects."
        } else if kind == .noSuchBucket {
            text += ". Create the bucket or fix s3.bucket.name."
        }
        return text
    }

    /// Builds the error for a non-2xx response from the S3 XML error body.
    static func from(response: HTTPResponse, operation: String) -> S3Error {
        let xml = XMLNode.parse(response.body)
        let code = xml?.value("Code") ?? "HTTP\(response.status)"
        let message = xml?.value("Message") ?? (response.status == 404 ? "not found" : "HTTP status \(response.status)")
        let requestID = xml?.value("RequestId") ?? response.header("x-amz-request-id")
        let kind: Kind =
            switch (response.status, code) {
            case (_, "NoSuchBucket"): .noSuchBucket
            case (_, "InvalidAccessKeyId"), (_, "SignatureDoesNotMatch"), (_, "AccessDenied"), (401, _), (403, _):
                .authentication
            case (412, _), (_, "PreconditionFailed"), (_, "ConditionalRequestConflict"): .preconditionFailed
            case (404, _), (_, "NoSuchKey"), (_, "NoSuchUpload"), (_, "NoSuchTagSet"): .notFound
            case (429, _), (_, "SlowDown"): .throttled
            case (500...599, _): .server
            default: .client
            }
        return S3Error(
            kind: kind, code: code, message: message, requestID: requestID, status: response.status, operation: operation)
    }
}
