import Hummingbird
import Logging
import NIOCore

/// Who made a request, once authentication succeeded.
public struct Principal: Sendable, Equatable {
    public enum Role: String, Sendable, Codable {
        /// Every endpoint.
        case admin
        /// GET and HEAD only; a mutation gets 403.
        case readOnly = "read-only"
    }

    public var name: String
    public var role: Role

    /// The principal when authentication is disabled.
    public static let anonymous = Principal(name: "anonymous", role: .admin)
}

/// Per-request state: the authenticated principal and the client's address (for the request
/// log and, later, audit events).
public struct SluiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    public let clientAddress: String
    public let maxBodyBytes: Int

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
        maxBodyBytes = RESTLimits.maxBodyBytes
    }

    public var maxUploadSize: Int { maxBodyBytes }
}

/// Limits shared by every request context (set once, when the server is built).
enum RESTLimits {
    nonisolated(unsafe) static var maxBodyBytes = 1_048_576
}
