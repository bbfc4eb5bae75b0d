import SluiceConnectSDK

/// `TopicNameMatches`: the record's topic matches `pattern` entirely.
public struct TopicNameMatches: Predicate {
    let pattern: CompiledRegex

    public init(configuration: [String: String]) throws {
        pattern = try compileRegex(try required(configuration, "pattern", for: "TopicNameMatches"), key: "pattern")
    }

    public func test<R: ConnectRecord>(_ record: R) -> Bool { wholeMatch(pattern, record.topic) }
}

/// `HasHeaderKey`: the record has at least one header named `name`.
public struct HasHeaderKey: Predicate {
    let name: String

    public init(configuration: [String: String]) throws { name = try required(configuration, "name", for: "HasHeaderKey") }

    public func test<R: ConnectRecord>(_ record: R) -> Bool { record.headers.contains { $0.key == name } }
}

/// `RecordIsTombstone`: the record's value is null.
public struct RecordIsTombstone: Predicate {
    public init(configuration: [String: String]) throws {}
    public func test<R: ConnectRecord>(_ record: R) -> Bool { record.value == .null }
}
