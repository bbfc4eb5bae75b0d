/// A connector's (or transform's) configuration: typed keys with defaults, validators,
/// importance, documentation, groups and dependents — Kafka Connect's `ConfigDef`.
public struct ConfigDef: Sendable {
    public enum ConfigType: String, Sendable {
        case boolean = "BOOLEAN"
        case string = "STRING"
        case int = "INT"
        case long = "LONG"
        case double = "DOUBLE"
        case list = "LIST"
        case `class` = "CLASS"
        /// A secret: never shown, logged or echoed; accepted from config providers.
        case password = "PASSWORD"
    }

    public enum Importance: String, Sendable {
        case high = "HIGH"
        case medium = "MEDIUM"
        case low = "LOW"
    }

    /// Checks one value; returns an error message naming the problem and the fix, or `nil`.
    public enum Validator: Sendable {
        /// A number in `[min, max]` (either bound optional).
        case range(min: Double?, max: Double?)
        /// One of these strings (case-insensitive).
        case oneOf([String])
        /// A non-empty string.
        case nonEmpty
        /// Each list element is one of these.
        case listOf([String])
        case custom(@Sendable (_ name: String, _ value: String) -> String?)

        func check(_ name: String, _ value: String, type: ConfigType) -> String? {
            switch self {
            case .range(let min, let max):
                guard let number = Double(value) else { return nil }  // type check reports it
                if let min, number < min { return "\(name) must be at least \(Self.format(min)), got \(value)" }
                if let max, number > max { return "\(name) must be at most \(Self.format(max)), got \(value)" }
                return nil
            case .oneOf(let allowed):
                return allowed.contains { $0.caseInsensitiveCompare(value) }
                    ? nil
                    : "\(name) must be one of \(allowed.joined(separator: ", ")); got '\(value)'"
            case .nonEmpty:
                return value.trimmingWhitespace().isEmpty ? "\(name) must not be empty" : nil
            case .listOf(let allowed):
                let bad = ConfigDef.splitList(value).filter { item in !allowed.contains { $0.caseInsensitiveCompare(item) } }
                return bad.isEmpty
                    ? nil
                    : "\(name) has unknown entries \(bad.joined(separator: ", ")); allowed: \(allowed.joined(separator: ", "))"
            case .custom(let check):
                return check(name, value)
            }
        }

        static func format(_ number: Double) -> String { number.rounded() == number ? String(Int64(number)) : String(number) }

        /// The values to suggest, for `/config/validate`'s `recommended_values`.
        var recommended: [String] {
            switch self {
            case .oneOf(let values), .listOf(let values): values
            default: []
            }
        }
    }

    /// One configuration key.
    public struct Key: Sendable {
        public var name: String
        public var type: ConfigType
        /// The raw default; `nil` means the key is required.
        public var defaultValue: String?
        public var validator: Validator?
        public var importance: Importance
        public var documentation: String
        public var group: String?
        public var orderInGroup: Int
        public var displayName: String
        /// Keys whose meaning depends on this one.
        public var dependents: [String]
        /// Whether the key must be given (no default and not optional).
        public var isRequired: Bool
    }

    public private(set) var keys: [Key] = []

    public init() {}

    /// Adds a key. A `nil` default makes it required unless `optional` is set.
    public func define(
        _ name: String, _ type: ConfigType, default defaultValue: String? = nil, optional: Bool = false,
        validator: Validator? = nil,
        importance: Importance = .medium, documentation: String, group: String? = nil, displayName: String? = nil,
        dependents: [String] = []
    ) -> ConfigDef {
        var copy = self
        precondition(!keys.contains { $0.name == name }, "config key \(name) defined twice")
        let order = keys.filter { $0.group == group }.count + 1
        copy.keys.append(
            Key(
                name: name, type: type, defaultValue: defaultValue, validator: validator, importance: importance,
                documentation: documentation, group: group, orderInGroup: order, displayName: displayName ?? name,
                dependents: dependents, isRequired: defaultValue == nil && !optional))
        return copy
    }

    /// This definition plus every key of `other` (e.g. the runtime's common keys).
    public func merging(_ other: ConfigDef) -> ConfigDef {
        var copy = self
        for key in other.keys where !copy.keys.contains(where: { $0.name == key.name }) { copy.keys.append(key) }
        return copy
    }

    public func key(_ name: String) -> Key? { keys.first { $0.name == name } }

    /// Names of PASSWORD keys (never echoed).
    public var passwordKeys: Set<String> { Set(keys.filter { $0.type == .password }.map(\.name)) }

    /// Per-key results for every defined key — what `PUT /connector-plugins/{p}/config/validate`
    /// returns.
    public func validate(_ config: [String: String]) -> [ConfigValueReport] {
        keys.map { key in
            let raw = config[key.name]
            var errors: [String] = []
            if let raw {
                if let problem = Self.typeProblem(key, raw) {
                    errors.append(problem)
                } else if let message = key.validator?.check(key.name, raw, type: key.type) {
                    errors.append(message)
                }
            } else if key.isRequired {
                errors.append("Missing required configuration \"\(key.name)\" which has no default value.")
            }
            let shown: String? = key.type == .password ? (raw == nil ? nil : "[hidden]") : (raw ?? key.defaultValue)
            return ConfigValueReport(
                name: key.name, value: shown, recommendedValues: key.validator?.recommended ?? [], errors: errors)
        }
    }

    /// Parses and validates `config`, or throws one error listing every problem by key.
    public func parse(_ config: [String: String]) throws(ConfigException) -> ParsedConfig {
        let problems = validate(config).flatMap { report in report.errors.map { (report.name, $0) } }
        guard problems.isEmpty else { throw ConfigException(problems: problems) }
        var values: [String: String] = [:]
        for key in keys { values[key.name] = config[key.name] ?? key.defaultValue }
        return ParsedConfig(values: values, raw: config, definition: self)
    }

    static func typeProblem(_ key: Key, _ raw: String) -> String? {
        let value = raw.trimmingWhitespace()
        switch key.type {
        case .int: return Int32(value) == nil ? "\(key.name) must be a 32-bit integer, got '\(raw)'" : nil
        case .long: return Int64(value) == nil ? "\(key.name) must be an integer, got '\(raw)'" : nil
        case .double: return Double(value) == nil ? "\(key.name) must be a number, got '\(raw)'" : nil
        case .boolean:
            return ["true", "false"].contains(value.lowercased()) ? nil : "\(key.name) must be true or false, got '\(raw)'"
        case .string, .list, .class, .password: return nil
        }
    }

    /// Kafka Connect list syntax: comma-separated, whitespace trimmed, empties dropped.
    public static func splitList(_ value: String) -> [String] {
        value.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}

/// One key's validation result (Kafka Connect's `ConfigValue`).
public struct ConfigValueReport: Sendable, Hashable {
    public var name: String
    /// The value as given (or the default); `[hidden]` for passwords.
    public var value: String?
    public var recommendedValues: [String]
    public var errors: [String]

    public init(name: String, value: String? = nil, recommendedValues: [String] = [], errors: [String] = []) {
        self.name = name
        self.value = value
        self.recommendedValues = recommendedValues
        self.errors = errors
    }
}

/// Configuration problems, each naming its key and how to fix it.
public struct ConfigException: Error, Sendable, CustomStringConvertible {
    public var problems: [(key: String, message: String)]

    public init(problems: [(String, String)]) { self.problems = problems.map { (key: $0.0, message: $0.1) } }
    public init(key: String, _ message: String) { self.init(problems: [(key, message)]) }

    public var description: String {
        "invalid configuration: " + problems.map(\.message).joined(separator: "; ")
    }
}

/// A validated configuration with typed getters. Passwords come back as `Password`, whose
/// description is `[hidden]`.
public struct ParsedConfig: Sendable {
    public let values: [String: String]
    /// The config as given, including keys this definition does not know.
    public let raw: [String: String]
    public let definition: ConfigDef

    public func string(_ name: String) -> String? { values[name] }
    public func int(_ name: String) -> Int { values[name].flatMap { Int($0.trimmingWhitespace()) } ?? 0 }
    public func double(_ name: String) -> Double { values[name].flatMap { Double($0.trimmingWhitespace()) } ?? 0 }
    public func bool(_ name: String) -> Bool { values[name]?.trimmingWhitespace().lowercased() == "true" }
    public func list(_ name: String) -> [String] { values[name].map(ConfigDef.splitList) ?? [] }
    public func password(_ name: String) -> Password? { values[name].map(Password.init) }
}

/// A secret value. Printing it shows `[hidden]`; `value` is the only way to read it.
public struct Password: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let value: String
    public init(_ value: String) { self.value = value }
    public var description: String { "[hidden]" }
    public var debugDescription: String { "[hidden]" }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }

    func caseInsensitiveCompare(_ other: String) -> Bool { lowercased() == other.lowercased() }
}
