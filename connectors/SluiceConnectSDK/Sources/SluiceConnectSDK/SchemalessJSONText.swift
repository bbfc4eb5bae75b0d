extension JsonConverter {
    /// The compact JSON text of a schemaless value, made straight from the bytes `toConnectData`
    /// would read: exactly what `writePayload(schema: nil, value:)` writes for the value that
    /// `toConnectData` returns with `schemas.enable=false`, without building that value. `nil` for
    /// a JSON `null` (a tombstone to Connect). Text that is not JSON throws the `DataException`
    /// `toConnectData` throws.
    ///
    /// This is the sink's hot path for JSON lines: one pass copies the structure without
    /// whitespace and plain ASCII strings as they are; numbers and strings with escapes or other
    /// characters are read and written by the parser's and writer's own rules. Whatever the pass
    /// does not handle (an object with a repeated key, which Connect merges, a top-level null, an
    /// error) is read the long way, so the text never differs.
    public static func schemalessText(topic: String, bytes: [UInt8]) throws -> [UInt8]? {
        var compactor = SchemalessCompactor(bytes: bytes)
        if compactor.run() { return compactor.out }
        let value: ConnectValue = try parse(bytes, topic: topic)
        if value.isNull { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        writePayload(schema: nil, value: value, decimalNumeric: false, to: &out)
        return out
    }
}

/// The one pass of `JsonConverter.schemalessText`. `run()` returns false whenever the long way
/// must decide; it never produces a different text.
struct SchemalessCompactor {
    /// Reads the input: its whitespace, strings, numbers and literals are the parser's own.
    private var reader: JSONParser
    private(set) var out: [UInt8] = []
    /// The keys of the objects being written, innermost object last: where each is in `out`
    /// (quotes included) and, unless it is plain ASCII copied as it was, its text.
    private var keys: [(range: Range<Int>, text: String?)] = []

    init(bytes: [UInt8]) {
        reader = JSONParser(bytes: bytes)
        out.reserveCapacity(reader.bytes.count)
    }

    /// The byte at the reader's position, `nil` at the end.
    private var next: UInt8? { reader.index < reader.bytes.count ? reader.bytes[reader.index] : nil }

    mutating func run() -> Bool {
        reader.skipWhitespace()
        // A top-level null is Connect's tombstone: the long way says so.
        guard let first = next, first != UInt8(ascii: "n") else { return false }
        guard value(depth: 0) else { return false }
        reader.skipWhitespace()
        return reader.index == reader.bytes.count
    }

    private mutating func value(depth: Int) -> Bool {
        guard depth < JSONParser.maxDepth, let first = next else { return false }
        switch first {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    private mutating func object(depth: Int) -> Bool {
        let first = keys.count
        defer { keys.removeSubrange(first...) }
        return items(closedBy: UInt8(ascii: "}")) { this in
            guard this.next == UInt8(ascii: "\"") else { return false }
            let start = this.out.count
            guard let text = this.string() else { return false }
            this.keys.append((start..<this.out.count, text))
            this.reader.skipWhitespace()
            guard this.next == UInt8(ascii: ":") else { return false }
            this.reader.index += 1
            this.out.append(UInt8(ascii: ":"))
            this.reader.skipWhitespace()
            return this.value(depth: depth + 1)
        } && distinctKeys(from: first)
    }

    private mutating func array(depth: Int) -> Bool {
        items(closedBy: UInt8(ascii: "]")) { this in this.value(depth: depth + 1) }
    }

    /// Copies the bracket at the reader's position and the comma-separated items `item` writes (as
    /// the parser reads them: whitespace around each) up to the closing bracket.
    private mutating func items(closedBy close: UInt8, _ item: (inout SchemalessCompactor) -> Bool) -> Bool {
        out.append(reader.bytes[reader.index])
        reader.index += 1
        reader.skipWhitespace()
        if next == close {
            reader.index += 1
            out.append(close)
            return true
        }
        while true {
            guard item(&self) else { return false }
            reader.skipWhitespace()
            guard let separator = next else { return false }
            if separator == UInt8(ascii: ",") {
                reader.index += 1
                out.append(UInt8(ascii: ","))
                reader.skipWhitespace()
                continue
            }
            guard separator == close else { return false }
            reader.index += 1
            out.append(close)
            return true
        }
    }

    /// Writes the string at the reader's position. Returns `.some(nil)` for plain ASCII without
    /// escapes (copied as it is), `.some(text)` for any other string (decoded and written again),
    /// `nil` on an error.
    private mutating func string() -> String?? {
        let start = reader.index + 1
        let end = reader.bytes.withUnsafeBufferPointer { PlainRun.end(in: $0, from: start, asciiOnly: true) }
        if end < reader.bytes.count, reader.bytes[end] == UInt8(ascii: "\"") {
            out.append(contentsOf: reader.bytes[reader.index...end])
            reader.index = end + 1
            return .some(nil)
        }
        guard let text = try? reader.string() else { return nil }
        JSONValue.writeString(text, to: &out)
        return .some(text)
    }

    private mutating func number() -> Bool {
        guard let number: ConnectValue = try? reader.number() else { return false }
        JsonConverter.writePayload(schema: nil, value: number, decimalNumeric: false, to: &out)
        return true
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let start = reader.index
        guard (try? reader.literal(word)) != nil else { return false }
        out.append(contentsOf: reader.bytes[start..<reader.index])
        return true
    }

    /// Whether the keys from `first` on are distinct as the parser compares them (as Strings,
    /// which are equal when canonically equivalent). Plain ASCII keys are equal exactly when
    /// their bytes are, so a small object of them is checked without making Strings.
    private func distinctKeys(from first: Int) -> Bool {
        let count = keys.count - first
        if count < 2 { return true }
        if count <= 16, keys[first...].allSatisfy({ $0.text == nil }) {
            return out.withUnsafeBufferPointer { written in
                func keyBytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: written[range]) }
                for i in first + 1..<keys.count {
                    let key = keyBytes(keys[i].range)
                    for j in first..<i where keyBytes(keys[j].range).elementsEqual(key) { return false }
                }
                return true
            }
        }
        var seen = Set<String>(minimumCapacity: count)
        for key in keys[first...] {
            let text = key.text ?? String(decoding: out[key.range].dropFirst().dropLast(), as: UTF8.self)
            guard seen.insert(text).inserted else { return false }
        }
        return true
    }
}
