/// A Postgres WAL position (`pg_lsn`), printed as `X/Y` (two hex halves).
public struct LSN: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public var value: UInt64

    public init(_ value: UInt64) { self.value = value }

    /// Parses `16/B374D848`; `nil` when malformed.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, parts.allSatisfy({ (1...8).contains($0.count) }), let high = UInt64(parts[0], radix: 16),
            let low = UInt64(parts[1], radix: 16)
        else { return nil }
        value = high << 32 | low
    }

    public static let zero = LSN(0)
    public static func < (lhs: LSN, rhs: LSN) -> Bool { lhs.value < rhs.value }

    public var description: String {
        String(value >> 32, radix: 16, uppercase: true) + "/" + String(value & 0xFFFF_FFFF, radix: 16, uppercase: true)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let lsn = LSN(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an LSN: \(text)"))
        }
        self = lsn
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
