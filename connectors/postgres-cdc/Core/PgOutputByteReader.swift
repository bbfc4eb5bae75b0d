/// A cursor over one pgoutput message's bytes. Every read is bounds-checked and reports the
/// offset where the data ran out, so malformed input becomes a `PgOutputDecodingError` rather
/// than a crash. All integers are big-endian (network order), as the protocol specifies.
struct PgOutputByteReader {
    let bytes: [UInt8]
    /// The message being decoded, for error messages ("Insert", "Relation", …).
    var messageName: String
    private(set) var offset: Int

    init(_ bytes: [UInt8], messageName: String = "message") {
        self.bytes = bytes
        self.messageName = messageName
        self.offset = 0
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    func error(_ reason: PgOutputDecodingError.Reason, at position: Int? = nil) -> PgOutputDecodingError {
        PgOutputDecodingError(message: messageName, offset: position ?? offset, reason: reason)
    }

    private mutating func take(_ count: Int) throws(PgOutputDecodingError) -> ArraySlice<UInt8> {
        guard count >= 0, remaining >= count else {
            throw error(.truncated(needed: count, available: max(remaining, 0)))
        }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    private mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type) throws(PgOutputDecodingError) -> T {
        var value: T = 0
        for byte in try take(MemoryLayout<T>.size) { value = value << 8 | T(byte) }
        return value
    }

    mutating func readUInt8() throws(PgOutputDecodingError) -> UInt8 { try readBigEndian(UInt8.self) }
    mutating func readInt8() throws(PgOutputDecodingError) -> Int8 { Int8(bitPattern: try readUInt8()) }
    mutating func readInt16() throws(PgOutputDecodingError) -> Int16 { Int16(bitPattern: try readBigEndian(UInt16.self)) }
    mutating func readUInt32() throws(PgOutputDecodingError) -> UInt32 { try readBigEndian(UInt32.self) }
    mutating func readInt32() throws(PgOutputDecodingError) -> Int32 { Int32(bitPattern: try readUInt32()) }
    mutating func readUInt64() throws(PgOutputDecodingError) -> UInt64 { try readBigEndian(UInt64.self) }
    mutating func readInt64() throws(PgOutputDecodingError) -> Int64 { Int64(bitPattern: try readUInt64()) }

    /// `count` raw bytes.
    mutating func readBytes(_ count: Int) throws(PgOutputDecodingError) -> [UInt8] { Array(try take(count)) }

    /// A NUL-terminated string (the terminator is consumed, not returned).
    mutating func readCString() throws(PgOutputDecodingError) -> String {
        let start = offset
        guard let end = bytes[offset...].firstIndex(of: 0) else { throw error(.unterminatedString, at: start) }
        offset = end + 1
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// Fails if any bytes are left after a fully decoded message.
    func expectEnd() throws(PgOutputDecodingError) {
        guard isAtEnd else { throw error(.trailingBytes(count: remaining)) }
    }
}
