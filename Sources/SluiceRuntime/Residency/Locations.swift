import SluiceConnectSDK

/// The kinds of state a connector creates (DESIGN.md §2); each resolves to one location.
public enum StateClass: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case records
    case sourceOffsets = "source-offsets"
    case sinkCheckpoints = "sink-checkpoints"
    case connectorConfig = "connector-config"
    case status
    case secrets
    case audit

    public static func < (lhs: StateClass, rhs: StateClass) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// What a location is.
public enum LocationKind: String, Sendable, Hashable, CaseIterable, Codable {
    case kafka, postgres, s3, file
    case secretStore = "secret-store"
    case audit

    /// The connection settings a location of this kind accepts (besides `kind` and `region`).
    /// `nil`: any (kinds whose settings are defined by later work).
    var settings: Set<String>? {
        switch self {
        case .kafka: ["bootstrap.servers", "cluster.id", "topic", "topic.partitions", "topic.replication.factor"]
        case .postgres: ["host", "port", "user", "password", "dbname", "dsn", "sslmode", "schema", "table"]
        case .s3: ["endpoint", "bucket", "prefix", "access.key", "secret.key", "path.style"]
        case .file: ["path"]
        case .secretStore, .audit: nil
        }
    }

    /// Settings whose values are secrets: never logged, printed or exported.
    static let secretSettings: Set<String> = ["password", "secret.key", "access.key", "dsn"]
}

/// One named location from the worker config: `locations.<name>.kind`, `.region` and the kind's
/// connection settings. `description` never shows secret settings.
public struct Location: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var kind: LocationKind
    /// The region the location claims (`nil`: none claimed, which no policy accepts).
    public var region: String?
    /// Connection settings with the `locations.<name>.` prefix removed (placeholders resolved).
    public var settings: [String: String]

    public init(name: String, kind: LocationKind, region: String?, settings: [String: String] = [:]) {
        self.name = name
        self.kind = kind
        self.region = region
        self.settings = settings
    }

    public subscript(_ key: String) -> String? { settings[key].flatMap { $0.isEmpty ? nil : $0 } }

    public var checkpointLocation: CheckpointLocation {
        CheckpointLocation(name: name, kind: kind.rawValue, region: region)
    }

    public var description: String {
        let shown = settings.keys.sorted().map { key in
            "\(key)=\(LocationKind.secretSettings.contains(key) ? "[hidden]" : settings[key] ?? "")"
        }
        return
            "\(name) (\(kind.rawValue), region \(region ?? "none")\(shown.isEmpty ? "" : "; " + shown.joined(separator: ", ")))"
    }
}

/// The worker's locations and the default location of each state class
/// (`state.<class>.location`); a connector config may override a class with the same key.
public struct Locations: Sendable, Hashable {
    public var byName: [String: Location]
    public var defaults: [StateClass: String]

    public init(byName: [String: Location] = [:], defaults: [StateClass: String] = [:]) {
        self.byName = byName
        self.defaults = defaults
    }

    public var isEmpty: Bool { byName.isEmpty }
    public var knownNames: String { byName.isEmpty ? "(none defined)" : byName.keys.sorted().joined(separator: ", ") }

    /// The config key naming a class's location (worker default or connector override).
    public static func key(_ stateClass: StateClass) -> String { "state.\(stateClass.rawValue).location" }

    /// The location a connector's state class resolves to: the connector's override, else the
    /// worker default, else `nil` (no location: the class is not placed).
    public func resolve(_ stateClass: StateClass, connector config: [String: String] = [:]) throws(ConfigException)
        -> Location?
    {
        let key = Self.key(stateClass)
        guard let name = config[key].flatMap({ $0.isEmpty ? nil : $0 }) ?? defaults[stateClass] else { return nil }
        guard let location = byName[name] else {
            throw ConfigException(key: key, "\(key)=\(name) names an unknown location; known locations: \(knownNames)")
        }
        return location
    }

    /// Every placed state class of a connector; unknown names in its config are all reported.
    public func resolveAll(connector config: [String: String] = [:]) throws(ConfigException) -> [StateClass: Location] {
        var problems: [(String, String)] = []
        var result: [StateClass: Location] = [:]
        for key in config.keys.sorted() where key.hasPrefix("state.") && key.hasSuffix(".location") {
            let name = String(key.dropFirst("state.".count).dropLast(".location".count))
            if StateClass(rawValue: name) == nil {
                problems.append(
                    (
                        key,
                        "\(key): unknown state class \(name); known: \(StateClass.allCases.map(\.rawValue).joined(separator: ", "))"
                    ))
            }
        }
        for stateClass in StateClass.allCases {
            do throws(ConfigException) {
                if let location = try resolve(stateClass, connector: config) { result[stateClass] = location }
            } catch {
                problems += error.problems.map { ($0.key, $0.message) }
            }
        }
        guard problems.isEmpty else { throw ConfigException(problems: problems) }
        return result
    }

    /// Parses `locations.<name>.*` and `state.<class>.location` keys out of worker settings
    /// (placeholders already expanded). Returns the problems instead of throwing so the worker
    /// config reports them together with its own.
    static func parse(_ settings: [String: String]) -> (Locations, [(String, String)]) {
        var problems: [(String, String)] = []
        var raw: [String: [String: String]] = [:]
        for (key, value) in settings where key.hasPrefix("locations.") {
            let rest = key.dropFirst("locations.".count)
            guard let dot = rest.firstIndex(of: "."), dot != rest.startIndex else {
                problems.append((key, "\(key): expected locations.<name>.<setting>"))
                continue
            }
            raw[String(rest[..<dot]), default: [:]][String(rest[rest.index(after: dot)...])] = value
        }
        var locations = Locations()
        for name in raw.keys.sorted() {
            var settings = raw[name] ?? [:]
            guard let kindText = settings.removeValue(forKey: "kind") else {
                problems.append(
                    (
                        "locations.\(name).kind",
                        "location \(name) has no kind; set locations.\(name).kind to one of "
                            + LocationKind.allCases.map(\.rawValue).joined(separator: ", ")
                    ))
                continue
            }
            guard let kind = LocationKind(rawValue: kindText) else {
                problems.append(
                    (
                        "locations.\(name).kind",
                        "locations.\(name).kind=\(kindText) is not a location kind; known kinds: "
                            + LocationKind.allCases.map(\.rawValue).joined(separator: ", ")
                    ))
                continue
            }
            let region = settings.removeValue(forKey: "region").flatMap { $0.isEmpty ? nil : $0 }
            if let allowed = kind.settings {
                for key in settings.keys.sorted() where !allowed.contains(key) {
                    problems.append(
                        (
                            "locations.\(name).\(key)",
                            "unknown setting locations.\(name).\(key) for a \(kind.rawValue) location; known: kind, region, "
                                + allowed.sorted().joined(separator: ", ")
                        ))
                }
            }
            let required: [String] =
                switch kind {
                case .kafka: []
                case .postgres: settings["dsn"] == nil ? ["host", "user", "dbname"] : []
                case .s3: ["bucket"]
                case .file: ["path"]
                case .secretStore, .audit: []
                }
            for key in required where (settings[key] ?? "").isEmpty {
                problems.append(
                    ("locations.\(name).\(key)", "location \(name) (\(kind.rawValue)) needs locations.\(name).\(key)"))
            }
            locations.byName[name] = Location(name: name, kind: kind, region: region, settings: settings)
        }
        for (key, value) in settings where key.hasPrefix("state.") && key.hasSuffix(".location") {
            let className = String(key.dropFirst("state.".count).dropLast(".location".count))
            guard let stateClass = StateClass(rawValue: className) else {
                problems.append(
                    (
                        key,
                        "\(key): unknown state class \(className); known: "
                            + StateClass.allCases.map(\.rawValue).joined(separator: ", ")
                    ))
                continue
            }
            guard !value.isEmpty else { continue }
            if locations.byName[value] == nil {
                problems.append((key, "\(key)=\(value) names an unknown location; known locations: \(locations.knownNames)"))
            }
            locations.defaults[stateClass] = value
        }
        return (locations, problems)
    }
}
