import Foundation
import Hummingbird
import Logging
import Metrics

/// The outermost layer of every request: authentication and roles, Kafka Connect's error body
/// for every failure, and one log line per request (method, path, status, latency, principal,
/// client) — never a body, so no config value or secret reaches the log.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = SluiceRequestContext

    let authenticator: Authenticator?
    let logger: Logger

    func handle(
        _ request: Request, context: SluiceRequestContext,
        next: (Request, SluiceRequestContext) async throws -> Response
    ) async throws -> Response {
        let began = ContinuousClock.now
        var context = context
        var response: Response
        do {
            if let length = request.headers[.contentLength].flatMap(Int.init), length > context.maxBodyBytes {
                throw ConnectRESTError(
                    .contentTooLarge,
                    "Request body is \(length) bytes; the limit is \(context.maxBodyBytes) (rest.request.max.bytes)")
            }
            if let authenticator {
                guard let principal = authenticator.authenticate(authorization: request.headers[.authorization]) else {
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
            response = try await next(request, context)
        } catch {
            response = ConnectRESTError.from(error).response
            if response.status == .unauthorized {
                response.headers[.wwwAuthenticate] = "Basic realm=\"sluice\", Bearer realm=\"sluice\""
            }
        }
        let elapsed = ContinuousClock.now - began
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let status = response.status.code
        logger.info(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status)",
                "latency_ms": "\(String(format: "%.1f", milliseconds))", "principal": "\(context.principal?.name ?? "-")",
                "client": "\(context.clientAddress)",
            ])
        Counter(label: "sluice_rest_requests_total", dimensions: [("method", "\(request.method)"), ("status", "\(status)")])
            .increment()
        return response
    }
}
