import SluiceConnectSDK

/// `InsertHeader`: adds a header named `header` whose value is the string `value.literal`
/// (existing headers with that name are kept).
public struct InsertHeader: Transformation {
    let header: String
    let literal: String

    public init(configuration: [String: String]) throws {
        header = try required(configuration, "header", for: "InsertHeader")
        guard let literal = configuration["value.literal"] else {
            throw ConfigException(key: "value.literal", "InsertHeader needs value.literal: the header value to insert")
        }
        self.literal = literal
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        record.with { $0.headers.append(ConnectHeader(key: header, schema: .string, value: .string(literal))) }
    }
}
