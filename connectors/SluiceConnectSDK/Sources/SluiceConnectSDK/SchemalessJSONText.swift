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
    let bytes: [UInt8]
    var index = 0
    private(set) var out: [UInt8] = []
    /// The keys of the objects being written, innermost object last: where each is in `out`
    /// (quotes included) and, unless it is plain ASCII copied as it was, its text.
    private var keys: [(range: Range<Int>, text: String?)] = []

    init(bytes: [UInt8]) {
        self.bytes = bytes
        out.reserveCapacity(bytes.count)
    }

    mutating func run() -> Bool {
        skipWhitespace()
        // A top-level null is Connect's tombstone: the long way says so.
        guard index < bytes.count, bytes[index] != UInt8(ascii: "n") else { return false }
        guard value(depth: 0) else { return false }
        skipWhitespace()
        return index == bytes.count
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    private mutating func value(depth: Int) -> Bool {
        guard depth < JSONParser.maxDepth, index < bytes.count else { return false }
        switch bytes[index] {
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
            guard this.index < this.bytes.count, this.bytes[this.index] == UInt8(ascii: "\"") else { return false }
            let start = this.out.count
            guard let text = this.string() else { return false }
            this.keys.append((start..<this.out.count, text))
            this.skipWhitespace()
            guard this.index < this.bytes.count, this.bytes[this.index] == UInt8(ascii: ":") else { return false }
            this.index += 1
            this.out.append(UInt8(ascii: ":"))
            this.skipWhitespace()
            return this.value(depth: depth + 1)
        } && distinctKeys(from: first)
    }

    private mutating func array(depth: Int) -> Bool {
        items(closedBy: UInt8(ascii: "]")) { this in this.value(depth: depth + 1) }
    }

    /// Copies the bracket at `index` and the comma-separated items `item` writes (as the parser
    /// reads them: whitespace around each) up to the closing bracket.
    private mutating func items(closedBy close: UInt8, _ item: (inout SchemalessCompactor) -> Bool) -> Bool {
        out.append(bytes[index])
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == close {
            index += 1
            out.append(close)
            return true
        }
        while true {
            skipWhitespace()
            guard item(&self) else { return false }
            skipWhitespace()
            guard index < bytes.count else { return false }
            if bytes[index] == UInt8(ascii: ",") {
                index += 1
                out.append(UInt8(ascii: ","))
                continue
            }
            guard bytes[index] == close else { return false }
            index += 1
            out.append(close)
            return true
        }
    }

    /// Writes the string at `index`. Returns `.some(nil)` for plain ASCII without escapes (copied
    /// as it is), `.some(text)` for any other string (decoded and written again), `nil` on an error.
    private mutating func string() -> String?? {
        let start = index + 1
        let end = bytes.withUnsafeBufferPointer { PlainRun.asciiEnd(in: $0, from: start) }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            out.append(contentsOf: bytes[index...end])
            index = end + 1
            return .some(nil)
        }
        var parser = JSONParser(bytes: bytes, index: index)
        guard let text = try? parser.string() else { return nil }
        index = parser.index
        JSONValue.writeString(text, to: &out)
        return .some(text)
    }

    private mutating func number() -> Bool {
        var parser = JSONParser(bytes: bytes, index: index)
        guard let number: ConnectValue = try? parser.number() else { return false }
        index = parser.index
        JsonConverter.writePayload(schema: nil, value: number, decimalNumeric: false, to: &out)
        return true
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        var parser = JSONParser(bytes: bytes, index: index)
        guard (try? parser.literal(word)) != nil else { return false }
        out.append(contentsOf: bytes[index..<parser.index])
        index = parser.index
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
                func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: written[range]) }
                for i in first + 1..<keys.count {
                    let key = bytes(keys[i].range)
                    for j in first..<i where bytes(keys[j].range).elementsEqual(key) { return false }
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
