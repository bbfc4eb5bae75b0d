import SluiceConnectSDK

/// Reads Java `.properties` text (the format of Kafka Connect worker and connector files):
/// `key=value` or `key: value`, `#`/`!` comments, trailing-backslash continuations.
public enum Properties {
    public static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var pending = ""
        for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var line = String(rawLine)
            if pending.isEmpty {
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix("!") { continue }
                line = String(trimmed)
            } else {
                line = String(line.drop { $0 == " " || $0 == "\t" })
            }
            if line.hasSuffix("\\") && !line.hasSuffix("\\\\") {
                pending += line.dropLast()
                continue
            }
            let full = pending + line
            pending = ""
            guard let separator = full.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                result[full.trimmed] = ""
                continue
            }
            result[String(full[..<separator]).trimmed] = String(full[full.index(after: separator)...]).trimmed
        }
        return result
    }
}

extension String {
    var trimmed: String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}

/// Expands `${env:NAME}` placeholders (Kafka Connect's `EnvVarConfigProvider` syntax) in worker
/// settings and, in memory at task start, in connector configs (stored configs keep the
/// placeholders). Secret stores (file, Vault, AWS) come with the secrets work.
public enum EnvironmentPlaceholders {
    public static func expand(_ value: String, environment: [String: String], key: String) throws(ConfigException) -> String {
        var output = ""
        var rest = Substring(value)
        while let start = rest.firstRange(of: "${env:") {
            output += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw ConfigException(key: key, "\(key): unterminated ${env:…} placeholder")
            }
            let name = String(rest[start.upperBound..<end])
            guard let resolved = environment[name] else {
                throw ConfigException(key: key, "\(key) refers to ${env:\(name)}, but \(name) is not set in the environment")
            }
            output += resolved
            rest = rest[rest.index(after: end)...]
        }
        return output + rest
    }
}
