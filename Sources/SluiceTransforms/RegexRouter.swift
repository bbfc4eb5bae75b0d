import SluiceConnectSDK

/// `RegexRouter`: if the topic matches `regex` entirely, replace it with `replacement`
/// (`$1`… refer to groups).
public struct RegexRouter: Transformation {
    let regex: CompiledRegex
    let replacement: String

    public init(configuration: [String: String]) throws {
        regex = try compileRegex(try required(configuration, "regex", for: "RegexRouter"), key: "regex")
        replacement = configuration["replacement"] ?? ""
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        guard let match = try regex.wholeMatch(in: record.topic) else { return record }
        var topic = ""
        var rest = Substring(replacement)
        while let dollar = rest.firstIndex(of: "$") {
            topic += rest[..<dollar]
            let digits = rest[rest.index(after: dollar)...].prefix { $0.isNumber }
            if let group = Int(digits), group < match.output.count {
                topic += match.output[group].substring.map(String.init) ?? ""
                rest = rest[rest.index(dollar, offsetBy: digits.count + 1)...]
            } else {
                topic += "$"
                rest = rest[rest.index(after: dollar)...]
            }
        }
        topic += rest
        return record.with { $0.topic = topic }
    }
}

/// `Filter`: drops every record (use it with a predicate, e.g. drop tombstones).
public struct Filter: Transformation {
    public init(configuration: [String: String]) throws {}
    public func apply<R: ConnectRecord>(_ record: R) throws -> R? { nil }
}
