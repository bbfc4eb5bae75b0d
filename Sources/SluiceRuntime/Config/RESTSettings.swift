import Foundation
import SluiceConnectSDK

/// The worker's REST listener: address, TLS and authentication, from the worker config.
public struct RESTSettings: Sendable, Equatable {
    public var scheme: String
    public var host: String
    public var port: Int
    /// PEM certificate chain and private key; required with an `https://` listener.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// JSON file of principals, hashed passwords/tokens and roles; nil: no authentication.
    public var credentialsFile: String?
    /// Larger request bodies are refused with 413.
    public var maxRequestBytes: Int

    public var tlsEnabled: Bool { scheme == "https" }

    static let definition = ConfigDef()
        .define(
            "listeners", .string, default: "http://127.0.0.1:8083", importance: .high,
            documentation: "The REST listener, as Kafka Connect spells it: http://HOST:PORT or https://HOST:PORT (one listener)."
        )
        .define(
            "rest.tls.certificate.file", .string, default: "", importance: .medium,
            documentation: "PEM certificate chain served by an https listener."
        )
        .define(
            "rest.tls.key.file", .string, default: "", importance: .medium,
            documentation: "PEM private key of the https listener's certificate."
        )
        .define(
            "rest.auth.credentials.file", .string, default: "", importance: .high,
            documentation: "Credentials file enabling authentication (HTTP basic and bearer tokens, admin or read-only roles)."
        )
        .define(
            "rest.request.max.bytes", .int, default: "1048576", validator: .range(min: 1024, max: nil), importance: .low,
            documentation: "Largest accepted request body; larger bodies get 413."
        )

    init(_ parsed: ParsedConfig) throws(ConfigException) {
        let listener = parsed.string("listeners") ?? ""
        guard let (scheme, host, port) = Self.parseListener(listener) else {
            throw ConfigException(
                key: "listeners", "listeners must be one http://HOST:PORT or https://HOST:PORT URL, got '\(listener)'")
        }
        self.scheme = scheme
        self.host = host
        self.port = port
        func optional(_ key: String) -> String? { parsed.string(key).flatMap { $0.isEmpty ? nil : $0 } }
        tlsCertificateFile = optional("rest.tls.certificate.file")
        tlsKeyFile = optional("rest.tls.key.file")
        credentialsFile = optional("rest.auth.credentials.file")
        maxRequestBytes = parsed.int("rest.request.max.bytes")
        if scheme == "https" && (tlsCertificateFile == nil || tlsKeyFile == nil) {
            throw ConfigException(
                key: "listeners", "an https listener needs rest.tls.certificate.file and rest.tls.key.file (PEM files)")
        }
    }

    /// `http://127.0.0.1:8083` → ("http", "127.0.0.1", 8083); an empty host means all interfaces.
    static func parseListener(_ value: String) -> (String, String, Int)? {
        let parts = value.trimmingCharacters(in: .whitespaces).split(separator: "://", maxSplits: 1).map(String.init)
        guard parts.count == 2, ["http", "https"].contains(parts[0].lowercased()) else { return nil }
        var hostPort = parts[1]
        if hostPort.hasSuffix("/") { hostPort.removeLast() }
        guard let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        var host = String(hostPort[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (parts[0].lowercased(), host.isEmpty ? "0.0.0.0" : host, port)
    }
}
