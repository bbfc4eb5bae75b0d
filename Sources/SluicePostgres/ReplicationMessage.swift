/// A message of the streaming replication protocol (inside CopyBoth data), as the server sends it.
public enum ReplicationMessage: Sendable, Equatable {
    /// WAL data: for logical replication, one pgoutput message.
    case xLogData(XLogData)
    /// The server's keepalive; `replyRequested` means "send a status update now".
    case keepalive(walEnd: LSN, sendTime: Int64, replyRequested: Bool)

    /// One `XLogData` ('w') message.
    public struct XLogData: Sendable, Equatable {
        /// Where this message's WAL starts.
        public var walStart: LSN
        /// The server's current end of WAL.
        public var walEnd: LSN
        /// Server clock, microseconds since 2000-01-01.
        public var sendTime: Int64
        /// The output plugin's bytes (pgoutput message).
        public var data: [UInt8]

        public init(walStart: LSN, walEnd: LSN, sendTime: Int64, data: [UInt8]) {
            self.walStart = walStart
            self.walEnd = walEnd
            self.sendTime = sendTime
            self.data = data
        }
    }

    /// Decodes one CopyData payload.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(PostgresError) -> ReplicationMessage {
        var reader = ByteReader(bytes)
        let tag = try reader.uint8()
        switch tag {
        case UInt8(ascii: "w"):
            let start = try reader.uint64()
            let end = try reader.uint64()
            let time = try reader.int64()
            return .xLogData(XLogData(walStart: LSN(start), walEnd: LSN(end), sendTime: time, data: reader.rest()))
        case UInt8(ascii: "k"):
            let end = try reader.uint64()
            let time = try reader.int64()
            let reply = try reader.uint8()
            return .keepalive(walEnd: LSN(end), sendTime: time, replyRequested: reply != 0)
        default:
            throw PostgresError(code: .protocolViolation, message: "unknown replication message tag \(tag)")
        }
    }

    /// Encodes a Standby Status Update ('r'): written, flushed and applied positions.
    public static func statusUpdate(write: LSN, flush: LSN, apply: LSN, clock: Int64, replyRequested: Bool) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "r")]
        out.reserveCapacity(34)
        for value in [write.value, flush.value, apply.value, UInt64(bitPattern: clock)] {
            withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
        }
        out.append(replyRequested ? 1 : 0)
        return out
    }

    /// Microseconds since 2000-01-01 00:00 UTC (Postgres' epoch) for a Unix time in seconds.
    public static func postgresClock(unixSeconds: Double) -> Int64 {
        Int64((unixSeconds - 946_684_800) * 1_000_000)
    }
}

/// Big-endian reads over a byte buffer, throwing on truncation.
public struct ByteReader {
    private let bytes: UnsafeRawBufferPointer
    public private(set) var offset = 0

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    private mutating func take(_ count: Int) throws(PostgresError) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else {
            throw PostgresError(
                code: .protocolViolation,
                message: "message truncated: needed \(count) bytes at offset \(offset), have \(remaining)")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    public mutating func uint8() throws(PostgresError) -> UInt8 { try take(1)[0] }

    public mutating func uint16() throws(PostgresError) -> UInt16 {
        let b = try take(2)
        return UInt16(b[0]) << 8 | UInt16(b[1])
    }

    public mutating func uint32() throws(PostgresError) -> UInt32 {
        let b = try take(4)
        return b.reduce(0) { $0 << 8 | UInt32($1) }
    }

    public mutating func uint64() throws(PostgresError) -> UInt64 {
        let b = try take(8)
        return b.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public mutating func int16() throws(PostgresError) -> Int16 { Int16(bitPattern: try uint16()) }
    public mutating func int32() throws(PostgresError) -> Int32 { Int32(bitPattern: try uint32()) }
    public mutating func int64() throws(PostgresError) -> Int64 { Int64(bitPattern: try uint64()) }

    public mutating func bytes(_ count: Int) throws(PostgresError) -> [UInt8] { Array(try take(count)) }

    /// A NUL-terminated string.
    public mutating func cString() throws(PostgresError) -> String {
        guard let end = bytes[offset...].firstIndex(of: 0) else {
            throw PostgresError(code: .protocolViolation, message: "unterminated string at offset \(offset)")
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<end]), as: UTF8.self)
        offset = end + 1
        return text
    }

    /// Everything not read yet.
    public mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
    }
}
