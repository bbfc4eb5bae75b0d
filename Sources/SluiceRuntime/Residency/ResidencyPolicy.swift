import Foundation
import SluiceConnectSDK

/// A residency policy (JSON; schema in `config/schemas/residency-policy.schema.json`):
///
///     {"mode": "enforce" | "warn",
///      "default": {"allowedRegions": ["eu-central-1"], "minimumLevel": "attested"},
///      "stateClasses": {"source-offsets": {"minimumLevel": "verified"}, …},
///      "connectors": {"orders-cdc": {"default": {…}, "stateClasses": {…}}}}
///
/// A rule's fields resolve one by one, most specific first: the connector's class rule, the
/// connector's default, the policy's class rule, the policy's default.
public struct ResidencyPolicy: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, Codable {
        /// Violations refuse the action (commit, task start, migration).
        case enforce
        /// Violations are logged; the action goes ahead.
        case warn
    }

    /// Allowed regions and minimum level; `nil` fields inherit.
    public struct Rule: Sendable, Hashable {
        public var allowedRegions: [String]?
        public var minimumLevel: VerificationLevel?

        public init(allowedRegions: [String]? = nil, minimumLevel: VerificationLevel? = nil) {
            self.allowedRegions = allowedRegions
            self.minimumLevel = minimumLevel
        }
    }

    public struct Section: Sendable, Hashable {
        public var `default`: Rule
        public var stateClasses: [StateClass: Rule]

        public init(default: Rule = Rule(), stateClasses: [StateClass: Rule] = [:]) {
            self.default = `default`
            self.stateClasses = stateClasses
        }
    }

    public var mode: Mode
    public var global: Section
    public var connectors: [String: Section]

    public init(mode: Mode, global: Section, connectors: [String: Section] = [:]) {
        self.mode = mode
        self.global = global
        self.connectors = connectors
    }

    /// The effective rule for a connector's state class (defaults: no region allowed, level `declared`).
    public func rule(for stateClass: StateClass, connector: String?) -> (
        allowedRegions: [String], minimumLevel: VerificationLevel
    ) {
        let section = connector.flatMap { connectors[$0] }
        let chain = [section?.stateClasses[stateClass], section?.default, global.stateClasses[stateClass], global.default]
        return (
            chain.lazy.compactMap { $0?.allowedRegions }.first ?? [],
            chain.lazy.compactMap { $0?.minimumLevel }.first ?? .declared
        )
    }
}

/// A policy file that cannot be read.
public struct ResidencyPolicyError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "residency policy: \(message)" }
}

extension ResidencyPolicy {
    /// Reads a policy file.
    public static func load(path: String) throws(ResidencyPolicyError) -> ResidencyPolicy {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ResidencyPolicyError("cannot read \(path): \(error.localizedDescription)")
        }
        do {
            return try parse(text)
        } catch {
            throw ResidencyPolicyError("\(path): \(error.message)")
        }
    }

    /// Parses policy JSON; unknown keys, classes and levels are errors.
    public static func parse(_ text: String) throws(ResidencyPolicyError) -> ResidencyPolicy {
        let root: JSONValue
        do {
            root = try JSONValue.parse(text)
        } catch {
            throw ResidencyPolicyError("not valid JSON: \(error)")
        }
        guard let object = root.objectValue else { throw ResidencyPolicyError("the policy must be a JSON object") }
        try checkKeys(object, ["$schema", "mode", "default", "stateClasses", "connectors", "description"], at: "policy")
        let modeText = object["mode"]?.stringValue ?? "enforce"
        guard let mode = Mode(rawValue: modeText) else {
            throw ResidencyPolicyError("mode must be enforce or warn, got \(modeText)")
        }
        guard object["default"] != nil else {
            throw ResidencyPolicyError("default {allowedRegions, minimumLevel} is required")
        }
        let global = try section(object, at: "policy")
        var connectors: [String: Section] = [:]
        if let value = object["connectors"] {
            guard let map = value.objectValue else { throw ResidencyPolicyError("connectors must be an object") }
            for (name, body) in map {
                guard let body = body.objectValue else { throw ResidencyPolicyError("connectors.\(name) must be an object") }
                try checkKeys(body, ["default", "stateClasses", "description"], at: "connectors.\(name)")
                connectors[name] = try section(body, at: "connectors.\(name)")
            }
        }
        return ResidencyPolicy(mode: mode, global: global, connectors: connectors)
    }

    static func section(_ object: JSONObject, at path: String) throws(ResidencyPolicyError) -> Section {
        var result = Section()
        if let value = object["default"] { result.default = try rule(value, at: "\(path).default") }
        if let value = object["stateClasses"] {
            guard let map = value.objectValue else { throw ResidencyPolicyError("\(path).stateClasses must be an object") }
            for (name, body) in map {
                guard let stateClass = StateClass(rawValue: name) else {
                    throw ResidencyPolicyError(
                        "\(path).stateClasses.\(name) is not a state class; known: "
                            + StateClass.allCases.map(\.rawValue).joined(separator: ", "))
                }
                result.stateClasses[stateClass] = try rule(body, at: "\(path).stateClasses.\(name)")
            }
        }
        return result
    }

    static func rule(_ value: JSONValue, at path: String) throws(ResidencyPolicyError) -> Rule {
        guard let object = value.objectValue else { throw ResidencyPolicyError("\(path) must be an object") }
        try checkKeys(object, ["allowedRegions", "minimumLevel", "description"], at: path)
        var rule = Rule()
        if let regions = object["allowedRegions"] {
            guard let list = regions.arrayValue?.compactMap(\.stringValue), list.count == regions.arrayValue?.count else {
                throw ResidencyPolicyError("\(path).allowedRegions must be an array of region names")
            }
            rule.allowedRegions = list
        }
        if let level = object["minimumLevel"] {
            guard let text = level.stringValue, let parsed = VerificationLevel(rawValue: text) else {
                throw ResidencyPolicyError("\(path).minimumLevel must be declared, attested or verified")
            }
            rule.minimumLevel = parsed
        }
        return rule
    }

    static func checkKeys(_ object: JSONObject, _ known: [String], at path: String) throws(ResidencyPolicyError) {
        for key in object.keys where !known.contains(key) {
            throw ResidencyPolicyError("unknown key \(path).\(key); known: \(known.joined(separator: ", "))")
        }
    }
}
