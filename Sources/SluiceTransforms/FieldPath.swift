import SluiceConnectSDK

/// A field reference in `field.syntax.version` V1 (a plain name) or V2 (a dotted path into
/// nested structs/maps; wrap a name containing dots in backticks, and escape a backtick that
/// ends such a name with a backslash) — Kafka's `SingleFieldPath` (KIP-821).
struct FieldPath: Sendable, Equatable {
    let steps: [String]

    /// Parses `text` from config key `key`, in the syntax `field.syntax.version` selects.
    init(_ text: String, key: String, configuration: [String: String]) throws {
        switch configuration["field.syntax.version"]?.uppercased() ?? "V1" {
        case "V1": steps = [text]
        case "V2": steps = try Self.parseV2(text, key: key)
        default:
            throw ConfigException(
                key: "field.syntax.version",
                "field.syntax.version must be V1 or V2, got '\(configuration["field.syntax.version"] ?? "")'")
        }
    }

    static func parseV2(_ path: String, key: String) throws -> [String] {
        let chars = Array(path)
        var steps: [String] = []
        var index = 0
        while index < chars.count {
            if chars[index] != "`" {
                let start = index
                while index < chars.count && chars[index] != "." { index += 1 }
                steps.append(String(chars[start..<index]))
                if index < chars.count { index += 1 }
                continue
            }
            let backtickAt = index
            var field = ""
            index += 1
            var start = index
            while true {
                guard let close = chars[index...].firstIndex(of: "`") else { throw incomplete(path, backtickAt, key) }
                let escaped = close > 0 && chars[close - 1] == "\\"
                if close >= chars.count - 1 {
                    if escaped { throw incomplete(path, backtickAt, key) }
                    field += String(chars[start..<close])
                    steps.append(field)
                    index = close + 1
                    break
                }
                if chars[close + 1] != "." {
                    index = close + 1
                    continue
                }
                if escaped {
                    field += String(chars[start..<(close - 1)]) + "`"
                    index = close + 1
                    start = index
                    continue
                }
                field += String(chars[start..<close])
                steps.append(field)
                index = close + 2
                break
            }
        }
        if path.hasSuffix(".") { steps.append("") }
        return steps
    }

    static func incomplete(_ path: String, _ position: Int, _ key: String) -> ConfigException {
        ConfigException(
            key: key,
            "\(key) has an incomplete backtick pair in path [\(path)]; "
                + "add a backslash before the backtick at position \(position) to escape it")
    }

    /// The field at this path in a struct schema, or `nil`.
    func field(in schema: Schema) -> Schema.Field? {
        var current = schema
        for step in steps.dropLast() {
            guard let field = current.field(step) else { return nil }
            current = field.schema
        }
        return current.field(steps.last ?? "")
    }

    /// The value at this path in a struct or string-keyed map; `.null` when a step is missing.
    func value(in value: ConnectValue) -> ConnectValue {
        var current = value
        for step in steps {
            switch current {
            case .struct(let nested): current = nested[step] ?? .null
            case .map(let entries): current = entries.value(forKey: step) ?? .null
            default: return .null
            }
        }
        return current
    }
}
