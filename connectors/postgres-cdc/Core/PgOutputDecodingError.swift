/// A pgoutput message that could not be decoded: which message, at which byte offset (from the
/// start of the message, i.e. the tag byte is offset 0), and why.
public struct PgOutputDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was wrong with the bytes.
    public enum Reason: Sendable, Equatable {
        /// The message was empty (no tag byte).
        case empty
        /// A field needed `needed` bytes but only `available` were left.
        case truncated(needed: Int, available: Int)
        /// The tag byte names no proto_version 1 message.
        case unknownMessageType(UInt8)
        /// A string field had no NUL terminator.
        case unterminatedString
        /// A TupleData column kind other than `n`, `u`, `t` or `b`.
        case invalidColumnKind(UInt8)
        /// A tuple marker other than the ones allowed here (`N`, `K`, `O`).
        case invalidTupleMarker(UInt8)
        /// A count or length that cannot be right (e.g. negative).
        case invalidLength(Int)
        /// Bytes left over after the message was fully decoded.
        case trailingBytes(count: Int)
    }

    /// The message being decoded, e.g. `Insert` (or `message` when the tag itself is bad).
    public var message: String
    /// Byte offset within the message where the problem was found.
    public var offset: Int
    public var reason: Reason

    public init(message: String, offset: Int, reason: Reason) {
        self.message = message
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        let detail: String =
            switch reason {
            case .empty: "empty message"
            case .truncated(let needed, let available): "truncated: needed \(needed) byte(s), \(available) left"
            case .unknownMessageType(let tag): "unknown message type \(Self.describe(tag))"
            case .unterminatedString: "string without NUL terminator"
            case .invalidColumnKind(let kind): "invalid tuple column kind \(Self.describe(kind))"
            case .invalidTupleMarker(let marker): "unexpected tuple marker \(Self.describe(marker))"
            case .invalidLength(let length): "invalid length \(length)"
            case .trailingBytes(let count): "\(count) unexpected trailing byte(s)"
            }
        return "cannot decode pgoutput \(message) at byte \(offset): \(detail)"
    }

    static func describe(_ byte: UInt8) -> String {
        let hex = "0x" + String(byte, radix: 16, uppercase: true)
        return (0x20..<0x7F).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))' (\(hex))" : hex
    }
}
