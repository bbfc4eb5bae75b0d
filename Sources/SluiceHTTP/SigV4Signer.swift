import Crypto
import Foundation

/// AWS Signature Version 4 request signing (header form), for S3 and AWS JSON APIs.
///
/// Pure value logic: `sign` adds `x-amz-date`, `x-amz-content-sha256` (S3), an optional
/// `x-amz-security-token` and `Authorization` to a request. Tested against AWS's published
/// examples.
public struct SigV4Signer: Sendable {
    public var credentials: AWSCredentials
    public var region: String
    /// `s3`, `secretsmanager`, `kms`, …
    public var service: String

    public init(credentials: AWSCredentials, region: String, service: String) {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The payload hash S3 accepts for bodies it should not check.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// Signs `request` in place at time `date`.
    /// - Parameter payloadHash: hex SHA-256 of the body; computed when `nil`.
    public func sign(_ request: inout HTTPRequest, date: Date = Date(), payloadHash: String? = nil) {
        let amzDate = Self.amzDate(date)
        let day = String(amzDate.prefix(8))
        let hash = payloadHash ?? Self.hex(SHA256.hash(data: request.body))
        request.setHeader("x-amz-date", amzDate)
        if service == "s3" { request.setHeader("x-amz-content-sha256", hash) }
        if let token = credentials.sessionToken { request.setHeader("x-amz-security-token", token) }
        request.headers.removeAll { $0.name.lowercased() == "authorization" }

        let (canonical, signedHeaders) = canonicalRequest(request, payloadHash: hash)
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let toSign = "AWS4-HMAC-SHA256\n\(amzDate)\n\(scope)\n\(Self.hex(SHA256.hash(data: Data(canonical.utf8))))"
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(toSign.utf8), using: signingKey(day: day)))
        request.setHeader(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        )
    }

    /// The canonical request and the signed-header list (exposed for tests).
    public func canonicalRequest(_ request: HTTPRequest, payloadHash: String) -> (String, String) {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        var host = components?.host ?? ""
        if let port = components?.port, !(components?.scheme == "http" && port == 80),
            !(components?.scheme == "https" && port == 443)
        {
            host += ":\(port)"
        }
        var headers: [String: [String]] = ["host": [host]]
        for (name, value) in request.headers {
            let lowered = name.lowercased()
            guard lowered != "authorization", lowered != "expect", !value.isEmpty || lowered.hasPrefix("x-amz-") else { continue }
            headers[lowered, default: []].append(Self.trimHeaderValue(value))
        }
        let names = headers.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(headers[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")

        // The path as sent (already percent-encoded). Non-S3 services encode it a second time.
        var path = components?.percentEncodedPath ?? "/"
        if path.isEmpty { path = "/" }
        if service != "s3" {
            path = path.split(separator: "/", omittingEmptySubsequences: false)
                .map { Self.uriEncode(String($0)) }.joined(separator: "/")
        }
        let query = Self.canonicalQuery(components?.percentEncodedQuery)
        let canonical = [request.method, path, query, canonicalHeaders, signedHeaders, payloadHash].joined(separator: "\n")
        return (canonical, signedHeaders)
    }

    private func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    static func canonicalQuery(_ encoded: String?) -> String {
        guard let encoded, !encoded.isEmpty else { return "" }
        var pairs: [(name: String, value: String)] = []
        for pair in encoded.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawName = String(parts[0])
            let rawValue = parts.count > 1 ? String(parts[1]) : ""
            let name = uriEncode(rawName.removingPercentEncoding ?? rawName)
            let value = uriEncode(rawValue.removingPercentEncoding ?? rawValue)
            pairs.append((name, value))
        }
        pairs.sort { (a: (name: String, value: String), b: (name: String, value: String)) -> Bool in
            a.name == b.name ? a.value < b.value : a.name < b.name
        }
        return pairs.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
    }

    /// RFC 3986 encoding as SigV4 wants it: everything but `A–Z a–z 0–9 - _ . ~` is escaped;
    /// `/` too, unless `keepSlash`.
    public static func uriEncode(_ value: String, keepSlash: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            case UInt8(ascii: "/") where keepSlash:
                out.append("/")
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    static func trimHeaderValue(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    static func amzDate(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    /// Lowercase hex of a digest or MAC.
    public static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hex(_ digest: SHA256.Digest) -> String { hex(Array(digest)) }
    static func hex(_ code: HMAC<SHA256>.MAC) -> String { hex(Array(code)) }
}
