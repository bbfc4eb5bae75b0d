import Foundation
import Logging
import Synchronization

/// Log levels that can change while the worker runs (`GET/PUT /admin/loggers`), per logger name
/// with dotted-prefix inheritance: setting `sluice.task` also changes `sluice.task.orders`.
/// Names and level spellings follow Kafka Connect's log4j loggers (`ERROR`, `WARN`, `INFO`,
/// `DEBUG`, `TRACE`; `root` is the default).
public final class LogLevels: Sendable {
    public struct Entry: Sendable, Equatable {
        public var level: Logger.Level
        /// Milliseconds since the epoch of the last change; nil for the level the worker started with.
        public var lastModified: Int64?
    }

    private struct State {
        var root: Entry
        var explicit: [String: Entry] = [:]
        var known: Set<String> = []
    }

    private let state: Mutex<State>

    public init(root: Logger.Level) { state = Mutex(State(root: Entry(level: root, lastModified: nil))) }

    /// The effective level of `label`: its own, else its nearest dotted ancestor's, else root's.
    public func level(for label: String) -> Logger.Level {
        state.withLock { state in Self.effective(label, state).level }
    }

    /// Every known logger with its effective level, plus `root`.
    public var all: [String: Entry] {
        state.withLock { state in
            var out: [String: Entry] = ["root": state.root]
            for name in state.known.union(state.explicit.keys) { out[name] = Self.effective(name, state) }
            return out
        }
    }

    /// Sets `name` (and every logger below it) to `level`; returns the loggers affected, sorted.
    @discardableResult
    public func set(_ name: String, to level: Logger.Level) -> [String] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return state.withLock { state in
            let entry = Entry(level: level, lastModified: now)
            if name == "root" {
                state.root = entry
                state.explicit = [:]
                return (["root"] + state.known.sorted())
            }
            let affected = state.known.union(state.explicit.keys).union([name])
                .filter { $0 == name || $0.hasPrefix(name + ".") }
            for logger in affected { state.explicit[logger] = entry }
            return affected.sorted()
        }
    }

    /// Records that a logger with this label exists (so `GET /admin/loggers` lists it).
    public func register(_ label: String) { _ = state.withLock { $0.known.insert(label) } }

    private static func effective(_ label: String, _ state: State) -> Entry {
        var name = Substring(label)
        while true {
            if let entry = state.explicit[String(name)] { return entry }
            guard let dot = name.lastIndex(of: ".") else { return state.root }
            name = name[..<dot]
        }
    }

    /// Kafka Connect's level names (log4j) to swift-log's; nil for an unknown name.
    public static func parse(_ text: String) -> Logger.Level? {
        switch text.uppercased() {
        case "TRACE", "ALL": .trace
        case "DEBUG": .debug
        case "INFO": .info
        case "NOTICE": .notice
        case "WARN", "WARNING": .warning
        case "ERROR": .error
        case "FATAL", "CRITICAL", "OFF": .critical
        default: nil
        }
    }

    /// swift-log's level in Kafka Connect's spelling.
    public static func name(_ level: Logger.Level) -> String {
        switch level {
        case .trace: "TRACE"
        case .debug: "DEBUG"
        case .info, .notice: "INFO"
        case .warning: "WARN"
        case .error: "ERROR"
        case .critical: "FATAL"
        }
    }
}

/// A log handler whose level follows `LogLevels` for its label, and which hides every secret
/// value the worker resolved (`SecretRedactor`).
public struct DynamicLevelLogHandler: LogHandler {
    private var inner: any LogHandler
    private let label: String
    private let levels: LogLevels

    public init(label: String, levels: LogLevels, inner: any LogHandler) {
        self.inner = inner
        self.label = label
        self.levels = levels
        levels.register(label)
    }

    public var logLevel: Logger.Level {
        get { levels.level(for: label) }
        set { levels.set(label, to: newValue) }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        inner.log(event: SecretRedactor.shared.redact(event))
    }
}
