import Foundation
import Hummingbird
import SluiceConnectSDK
import SluiceRuntime
import SluiceSupport

/// An error answer in Kafka Connect's shape: `{"error_code": <status>, "message": "…"}`.
public struct ConnectRESTError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }

    static func badRequest(_ message: String) -> Self { .init(.badRequest, message) }
    static func notFound(_ message: String) -> Self { .init(.notFound, message) }

    /// Maps runtime errors to Kafka Connect's status codes.
    static func from(_ error: any Error) -> ConnectRESTError {
        switch error {
        case let error as ConnectRESTError: return error
        case let error as HerderError:
            switch error {
            case .notFound(let message): return .init(.notFound, message)
            case .conflict(let message): return .init(.conflict, message)
            case .badRequest(let message): return .init(.badRequest, message)
            case .invalidConfig(let problems): return .init(.badRequest, Self.describe(problems))
            }
        case let error as ConfigException: return .init(.badRequest, Self.describe(error))
        case let error as AuditUnavailable: return .init(.serviceUnavailable, error.message)
        case let error as PluginError:
            return .init(error.code == .unknownClass ? .badRequest : .internalServerError, error.message)
        case let error as HTTPError:
            return .init(
                error.status,
                error.status == .contentTooLarge
                    ? "Request body is larger than \(RESTLimits.maxBodyBytes) bytes (rest.request.max.bytes)"
                    : (error.body ?? error.status.reasonPhrase))
        default: return .init(.internalServerError, String(describing: error))
        }
    }

    /// Kafka Connect's wording for invalid configs, listing every key.
    static func describe(_ error: ConfigException) -> String {
        let count = error.problems.count
        return "Connector configuration is invalid and contains the following \(count) error(s):\n"
            + error.problems.map { "\($0.key): \($0.message)" }.joined(separator: "\n")
            + "\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`"
    }

    var response: Response {
        // A resolved secret never leaves in an error message, whatever produced it.
        JSONResponse.make(
            .object(["error_code": .int(Int64(status.code)), "message": .string(SecretRedactor.shared.redact(message))]),
            status: status)
    }
}

/// JSON bodies in and out, with the SDK's `JSONValue` (field order and types under our control).
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.jsonBytes)))
    }

    static func empty(_ status: HTTPResponse.Status) -> Response { Response(status: status) }

    /// The request body as JSON; malformed JSON is a 400 naming the problem.
    static func body(_ request: Request, context: SluiceRequestContext) async throws -> JSONValue {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxBodyBytes)
        let bytes = Array(buffer.readableBytesView)
        guard !bytes.isEmpty else { throw ConnectRESTError.badRequest("Request body is empty; a JSON object is required") }
        do {
            return try JSONValue.parse(String(decoding: bytes, as: UTF8.self))
        } catch {
            throw ConnectRESTError.badRequest("Request body is not valid JSON: \(error)")
        }
    }

    /// A JSON object of strings (connector configs); non-string scalars are converted as Kafka
    /// Connect's Jackson mapping does.
    static func stringMap(_ value: JSONValue?, field: String) throws -> [String: String] {
        guard let object = value?.objectValue else { throw ConnectRESTError.badRequest("\(field) must be a JSON object") }
        var out: [String: String] = [:]
        for (key, value) in object {
            switch value {
            case .null: continue
            case .object, .array: throw ConnectRESTError.badRequest("\(field).\(key) must be a string, got \(value.jsonString)")
            default: out[key] = value.stringValue ?? value.jsonString
            }
        }
        return out
    }
}
