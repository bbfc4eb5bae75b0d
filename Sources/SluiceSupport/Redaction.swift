/// Settings whose values are secrets: never logged, echoed or put in an error message.
///
/// The check is by key name, the way Kafka Connect's `PASSWORD` type and librdkafka's
/// `*.password` / `*.secret` / `*.key` settings are redacted.
public enum Redaction {
    /// The placeholder that stands in for a hidden value.
    public static let placeholder = "[hidden]"

    /// Whether the value of `key` must never be shown.
    public static func isSecret(key: String) -> Bool {
        let lowered = key.lowercased()
        return ["password", "secret", "token", "credential", "private", "sasl.oauthbearer.config"]
            .contains { lowered.contains($0) }
            || lowered.hasSuffix(".key") || lowered.hasSuffix("key.pem")
    }

    /// `value`, or the placeholder when `key` names a secret.
    public static func display(key: String, value: String) -> String {
        isSecret(key: key) ? placeholder : value
    }
}

extension Array where Element == CChar {
    /// The NUL-terminated C string held in this buffer (C APIs fill `char errstr[N]` buffers).
    public var nulTerminatedString: String {
        let end = firstIndex(of: 0) ?? endIndex
        return String(decoding: self[..<end].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
