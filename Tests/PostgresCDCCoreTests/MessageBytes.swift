/// Builds pgoutput message bytes by hand for the decoder tests (big-endian, as on the wire).
final class MessageBytes {
    private(set) var bytes: [UInt8] = []

    init(_ tag: Character) { byte(tag) }

    @discardableResult
    func byte(_ character: Character) -> MessageBytes {
        bytes.append(character.asciiValue!)
        return self
    }

    @discardableResult
    func uint8(_ value: UInt8) -> MessageBytes {
        bytes.append(value)
        return self
    }

    @discardableResult
    func int16(_ value: Int16) -> MessageBytes { append(UInt16(bitPattern: value)) }
    @discardableResult
    func int32(_ value: Int32) -> MessageBytes { append(UInt32(bitPattern: value)) }
    @discardableResult
    func uint32(_ value: UInt32) -> MessageBytes { append(value) }
    @discardableResult
    func int64(_ value: Int64) -> MessageBytes { append(UInt64(bitPattern: value)) }
    @discardableResult
    func uint64(_ value: UInt64) -> MessageBytes { append(value) }

    @discardableResult
    func cString(_ text: String) -> MessageBytes {
        bytes += Array(text.utf8) + [0]
        return self
    }

    @discardableResult
    func raw(_ data: [UInt8]) -> MessageBytes {
        bytes += data
        return self
    }

    /// Appends a TupleData: Int16 count, then per column its kind byte and data.
    @discardableResult
    func tuple(_ columns: [Column]) -> MessageBytes {
        int16(Int16(columns.count))
        for column in columns {
            switch column {
            case .null: byte("n")
            case .toast: byte("u")
            case .text(let text):
                byte("t")
                int32(Int32(text.utf8.count))
                raw(Array(text.utf8))
            case .binary(let data):
                byte("b")
                int32(Int32(data.count))
                raw(data)
            }
        }
        return self
    }

    enum Column {
        case null
        case toast
        case text(String)
        case binary([UInt8])
    }

    @discardableResult
    private func append<T: FixedWidthInteger>(_ value: T) -> MessageBytes {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
        return self
    }
}
