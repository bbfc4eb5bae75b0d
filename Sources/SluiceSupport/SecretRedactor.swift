import Logging
import Synchronization

/// Every secret value the worker resolved, so text leaving the process (log lines, REST error
/// messages, status traces, audit events) can have them replaced by `[hidden]` — a second line of
/// defence behind never formatting secrets in the first place.
public final class SecretRedactor: Sendable {
    public static let shared = SecretRedactor()

    /// Shorter values are not registered: replacing "1" or "true" everywhere would garble logs.
    public static let minimumLength = 6

    private let values = Mutex<Set<String>>([])

    public init() {}

    public func register(_ value: String) {
        guard value.count >= Self.minimumLength else { return }
        _ = values.withLock { $0.insert(value) }
    }

    /// `text` with every registered value replaced by the placeholder.
    public func redact(_ text: String) -> String {
        let secrets = values.withLock { $0 }
        guard !secrets.isEmpty else { return text }
        var output = text
        // Longest first, so a secret that contains another is hidden whole.
        for secret in secrets.sorted(by: { $0.count > $1.count }) where output.contains(secret) {
            output = output.replacingAll(secret, with: Redaction.placeholder)
        }
        return output
    }

    func redact(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(redact(text))
        case .stringConvertible(let convertible): .string(redact(convertible.description))
        case .array(let values): .array(values.map(redact))
        case .dictionary(let values): .dictionary(values.mapValues(redact))
        }
    }

    func redact(_ event: LogEvent) -> LogEvent {
        guard !values.withLock({ $0.isEmpty }) else { return event }
        var event = event
        event.message = Logger.Message(stringLiteral: redact(event.message.description))
        event.metadata = event.metadata?.mapValues(redact)
        return event
    }
}

extension String {
    fileprivate func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var output = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            output += rest[..<range.lowerBound]
            output += replacement
            rest = rest[range.upperBound...]
        }
        return output + rest
    }
}
