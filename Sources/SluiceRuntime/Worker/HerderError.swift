import SluiceConnectSDK

/// Why the herder refused a request; the REST layer maps each case to Kafka Connect's status code.
public enum HerderError: Error, Sendable, CustomStringConvertible {
    /// No such connector or task (404).
    case notFound(String)
    /// The connector already exists, or the request conflicts with its state (409).
    case conflict(String)
    /// The request itself is wrong (400).
    case badRequest(String)
    /// The config is invalid; each problem names its key (400).
    case invalidConfig(ConfigException)

    public var description: String {
        switch self {
        case .notFound(let message), .conflict(let message), .badRequest(let message): message
        case .invalidConfig(let error): error.description
        }
    }
}
