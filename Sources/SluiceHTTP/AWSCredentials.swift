/// AWS-style access credentials. `description` never shows the secret or the session token.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var accessKeyID: String
    public var secretAccessKey: String
    /// A temporary session token (`x-amz-security-token`), if any.
    public var sessionToken: String?

    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String { "AWSCredentials(accessKeyID: \(accessKeyID), secretAccessKey: [hidden])" }
    public var debugDescription: String { description }
}
