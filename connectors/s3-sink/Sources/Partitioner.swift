import Foundation
import SluiceConnectSDK

/// How a record maps to the `<encodedPartition>` part of its object key (the Confluent storage
/// partitioners).
enum PartitionerSpec: Sendable {
    /// `partition=<kafkaPartition>`.
    case kafkaPartition
    /// `field1=value1/field2=value2` from the record value.
    case field([String])
    /// A time bucket of the record's time, formatted with a Joda-style pattern.
    case timeBased(TimeBasedSpec)

    struct TimeBasedSpec: Sendable {
        var pattern: JodaPattern
        var durationMs: Int64
        var timeZone: TimeZone
        var extractor: String
        var field: String
    }

    init(_ config: ParsedConfig) throws {
        let name = config.string("partitioner.class") ?? ""
        if name.hasSuffix("FieldPartitioner") {
            let fields = config.list("partition.field.name")
            guard !fields.isEmpty else {
                throw ConfigException(
                    key: "partition.field.name", "FieldPartitioner needs partition.field.name (one or more value fields)")
            }
            self = .field(fields)
        } else if name.hasSuffix("TimeBasedPartitioner") {
            let zoneName = config.string("timezone") ?? "UTC"
            guard let zone = TimeZone(identifier: zoneName) else {
                throw ConfigException(
                    key: "timezone", "timezone '\(zoneName)' is not a known time zone id (e.g. UTC, Europe/Berlin)")
            }
            let pattern = try JodaPattern(config.string("path.format") ?? "", key: "path.format")
            self = .timeBased(
                TimeBasedSpec(
                    pattern: pattern, durationMs: Int64(config.int("partition.duration.ms")), timeZone: zone,
                    extractor: config.string("timestamp.extractor") ?? "Record",
                    field: config.string("timestamp.field") ?? "timestamp"))
        } else {
            self = .kafkaPartition
        }
    }

    /// Whether the same records always land in the same prefixes (not with the wall clock).
    var isDeterministic: Bool {
        if case .timeBased(let spec) = self { return spec.extractor != "Wallclock" }
        return true
    }

    /// Whether encoding looks at the record's value (the field partitioner, a `RecordField` time).
    var readsValue: Bool {
        switch self {
        case .kafkaPartition: false
        case .field: true
        case .timeBased(let spec): spec.extractor == "RecordField"
        }
    }

    /// The encoded partition of `record`.
    func encode(_ record: SinkRecord, now: Int64) throws -> String {
        switch self {
        case .kafkaPartition:
            return "partition=\(record.kafkaPartition ?? 0)"
        case .field(let fields):
            return try fields.map { name in
                guard let value = record.value[name] else {
                    throw DataException(
                        "FieldPartitioner: the record value has no field \(name) (topic \(record.topic), offset \(record.kafkaOffset))"
                    )
                }
                return "\(name)=\(Self.text(value))"
            }.joined(separator: "/")
        case .timeBased(let spec):
            let time: Int64
            switch spec.extractor {
            case "Wallclock": time = now
            case "RecordField":
                guard let value = record.value[spec.field], let millis = Self.millis(value) else {
                    throw DataException(
                        "TimeBasedPartitioner: timestamp.field \(spec.field) is missing or not a time (topic \(record.topic), offset \(record.kafkaOffset))"
                    )
                }
                time = millis
            default:
                guard let timestamp = record.timestamp else {
                    throw DataException("TimeBasedPartitioner: record at \(record.topic)/\(record.kafkaOffset) has no timestamp")
                }
                time = timestamp
            }
            let offset = Int64(spec.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(time) / 1000))) * 1000
            let bucket = ((time + offset) / spec.durationMs) * spec.durationMs - offset  // floor in local time, like Confluent
            return spec.pattern.format(millis: bucket, timeZone: spec.timeZone)
        }
    }

    static func text(_ value: ConnectValue) -> String {
        switch value {
        case .string(let text): text
        case .boolean(let flag): String(flag)
        default: value.int64Value.map(String.init) ?? value.doubleValue.map { String($0) } ?? "null"
        }
    }

    static func millis(_ value: ConnectValue) -> Int64? {
        if let number = value.int64Value { return number }
        if case .string(let text) = value {
            return ISO8601DateFormatter().date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
        }
        return nil
    }
}

/// A Joda-Time `DateTimeFormat` pattern limited to what object paths use: `YYYY`/`yyyy`, `MM`,
/// `dd`, `HH`, `mm`, `ss`, and `'quoted'` literals.
struct JodaPattern: Sendable {
    enum Token: Sendable, Equatable {
        case literal(String)
        case field(Character, Int)
    }

    let tokens: [Token]

    init(_ pattern: String, key: String) throws {
        var tokens: [Token] = []
        var characters = Array(pattern)[...]
        while let first = characters.first {
            if first == "'" {
                characters = characters.dropFirst()
                guard let end = characters.firstIndex(of: "'") else {
                    throw ConfigException(key: key, "\(key) has an unclosed quote: \(pattern)")
                }
                tokens.append(.literal(String(characters[..<end])))
                characters = characters[(end + 1)...]
            } else if first.isLetter {
                let run = characters.prefix { $0 == first }
                guard "YyMdHms".contains(first) else {
                    throw ConfigException(
                        key: key,
                        "\(key): unsupported pattern letter '\(first)' in \(pattern); use YYYY, MM, dd, HH, mm, ss and 'literals'"
                    )
                }
                tokens.append(.field(first, run.count))
                characters = characters.dropFirst(run.count)
            } else {
                tokens.append(.literal(String(first)))
                characters = characters.dropFirst()
            }
        }
        self.tokens = tokens
    }

    func format(millis: Int64, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(millis) / 1000))
        return tokens.map { token in
            switch token {
            case .literal(let text): return text
            case .field(let letter, let width):
                let value: Int =
                    switch letter {
                    case "Y", "y": parts.year ?? 0
                    case "M": parts.month ?? 0
                    case "d": parts.day ?? 0
                    case "H": parts.hour ?? 0
                    case "m": parts.minute ?? 0
                    default: parts.second ?? 0
                    }
                let digits = String(value)
                return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
            }
        }.joined()
    }
}
