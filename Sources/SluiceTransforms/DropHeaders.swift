import SluiceConnectSDK

/// `DropHeaders`: removes every header whose name is in `headers`.
public struct DropHeaders: Transformation {
    let headers: Set<String>

    public init(configuration: [String: String]) throws {
        headers = Set(try requiredList(configuration, "headers", for: "DropHeaders", of: "header names"))
    }

    public func apply<R: ConnectRecord>(_ record: R) throws -> R? {
        record.with { $0.headers.removeAll { headers.contains($0.key) } }
    }
}
