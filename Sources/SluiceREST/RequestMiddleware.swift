import Foundation
import Hummingbird
import Logging
import Metrics
import SluiceConnectSDK
import SluiceRuntime

/// The outermost layer of every request: authentication and roles, Kafka Connect's error body
/// for every failure, and one log line per request (method, path, status, latency, principal,
/// client) — never a body, so no config value or secret reaches the log.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    let authenticator: Authenticator?
    let audit: AuditLog?
    let logger: Logger

    func handle(
        _ request: Request, context: SluiceRequestContext,
        next: (Request, SluiceRequestContext) async throws -> Response
    ) async throws -> Response {
        let began = ContinuousClock.now
        var context = context
        var response: Response
        let requestID = request.headers[.init("X-Request-Id")!] ?? UUID().uuidString.lowercased()
        do {
            if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxBodyBytes {
                throw ConnectRESTError(
                    .contentTooLarge,
                    "Request body is \(length) bytes; the limit is \(context.maxBodyBytes) (rest.request.max.bytes)")
            }
            if let authenticator {
                guard let principal = authenticator.authenticate(authorization: request.headers[.authorization]) else {
                    // Audited without the credentials tried: only the scheme, the client and the path.
                    await audit?.record(
                        "rest.authentication.failed", subject: "rest\(request.uri.path)",
                        data: [
                            "method": .string("\(request.method)"), "path": .string(request.uri.path),
                            "client": .string(context.clientAddress), "requestId": .string(requestID),
                            "scheme": .string(request.headers[.authorization].map { String($0.prefix { $0 != " " }) } ?? "none"),
                        ],
                        result: "failure")
                    throw ConnectRESTError(
                        .unauthorized, "Authentication required: send HTTP basic credentials or a bearer token")
                }
                if principal.role == .readOnly && ![.get, .head].contains(request.method) {
                    context.principal = principal
                    throw ConnectRESTError(
                        .forbidden, "\(principal.name) has the read-only role and cannot \(request.method) \(request.uri.path)")
                }
                context.principal = principal
            } else {
                context.principal = .anonymous
            }
            let actor = AuditActor(
                principal: context.principal?.name ?? "anonymous", client: context.clientAddress, requestID: requestID)
            let current = context
            response = try await AuditActor.$current.withValue(actor) { try await next(request, current) }
        } catch {
            response = ConnectRESTError.from(error).response
            if response.status == .unauthorized {
                response.headers[.wwwAuthenticate] = "Basic realm=\"sluice\", Bearer realm=\"sluice\""
            }
        }
        response.headers[.init("X-Request-Id")!] = requestID
        let elapsed = ContinuousClock.now - began
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let status = response.status.code
        logger.info(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status)",
                "latency_ms": "\(String(format: "%.1f", milliseconds))", "principal": "\(context.principal?.name ?? "-")",
                "client": "\(context.clientAddress)", "request_id": "\(requestID)",
            ])
        Counter(label: "sluice_rest_requests_total", dimensions: [("method", "\(request.method)"), ("status", "\(status)")])
            .increment()
        return response
    }
}
