/// Parses the text form of a one-dimensional PostgreSQL array (`array_out`), e.g.
/// `{1,2,NULL}` or `{"a b","with \"quote\"",plain}`.
///
/// Rules (PostgreSQL docs, "Array Value Input"): elements are separated by `,`; an element is
/// double-quoted when it contains special characters, and inside quotes a backslash escapes the
/// next character; unquoted elements have surrounding whitespace removed and backslashes escape
/// too; an unquoted `NULL` (any case) is SQL NULL while a quoted `"NULL"` is the string. An
/// optional dimension decoration such as `[0:2]=` is skipped.
public enum PostgresArrayLiteral {
    /// Why an array literal could not be parsed.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "invalid array literal at character \(offset): \(reason)" }
    }

    /// The elements, `nil` for NULL.
    public static func parse(_ text: String) throws(ParseError) -> [String?] {
        let characters = Array(text)
        var index = 0
        func fail(_ reason: String) -> ParseError { ParseError(offset: index, reason: reason) }
        func skipWhitespace() { while index < characters.count, characters[index].isWhitespace { index += 1 } }

        skipWhitespace()
        if index < characters.count, characters[index] == "[" {
            guard let equals = characters[index...].firstIndex(of: "=") else { throw fail("dimension decoration without '='") }
            index = equals + 1
            skipWhitespace()
        }
        guard index < characters.count, characters[index] == "{" else { throw fail("expected '{'") }
        index += 1
        skipWhitespace()
        var elements: [String?] = []
        if index < characters.count, characters[index] == "}" {
            index += 1
            skipWhitespace()
            guard index == characters.count else { throw fail("unexpected text after '}'") }
            return elements
        }
        while true {
            skipWhitespace()
            guard index < characters.count else { throw fail("unterminated array") }
            if characters[index] == "{" { throw fail("multi-dimensional arrays are not supported") }
            if characters[index] == "\"" {
                index += 1
                var value = ""
                while true {
                    guard index < characters.count else { throw fail("unterminated quoted element") }
                    let character = characters[index]
                    index += 1
                    if character == "\"" { break }
                    if character == "\\" {
                        guard index < characters.count else { throw fail("unterminated escape") }
                        value.append(characters[index])
                        index += 1
                    } else {
                        value.append(character)
                    }
                }
                elements.append(value)
                skipWhitespace()
            } else {
                var value = ""
                var escapedUpTo = 0  // length of `value` that must survive trailing-whitespace trimming
                var sawEscape = false
                while index < characters.count, characters[index] != ",", characters[index] != "}" {
                    let character = characters[index]
                    if character == "\"" || character == "{" { throw fail("unexpected '\(character)' in unquoted element") }
                    if character == "\\" {
                        index += 1
                        guard index < characters.count else { throw fail("unterminated escape") }
                        value.append(characters[index])
                        escapedUpTo = value.count
                        sawEscape = true
                    } else {
                        value.append(character)
                    }
                    index += 1
                }
                while value.count > escapedUpTo, let last = value.last, last.isWhitespace { value.removeLast() }
                if value.isEmpty && !sawEscape { throw fail("empty element") }
                elements.append(!sawEscape && value.uppercased() == "NULL" ? nil : value)
            }
            guard index < characters.count else { throw fail("unterminated array") }
            if characters[index] == "," {
                index += 1
                continue
            }
            guard characters[index] == "}" else { throw fail("expected ',' or '}'") }
            index += 1
            skipWhitespace()
            guard index == characters.count else { throw fail("unexpected text after '}'") }
            return elements
        }
    }
}
