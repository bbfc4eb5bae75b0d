import Foundation
import Hummingbird
import SluiceConnectSDK
import SluiceRuntime

/// Sluice-only: `GET /audit?connector=&type=&since=&after=&limit=` pages through the audit file,
/// oldest first; `next` is the `after` value for the following page.
struct AuditRoutes {
    let audit: AuditLog?

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/audit") { request, _ in
            guard let audit else {
                throw ConnectRESTError.notFound("No audit trail is configured (audit.file)")
            }
            let query = request.uri.queryParameters
            let limit = min(max(query.get("limit").flatMap { Int($0) } ?? 100, 1), 1000)
            let after = query.get("after").flatMap { Int64($0) } ?? 0
            var since: Date?
            if let text = query.get("since") {
                guard let parsed = AuditFile.parseTime(text) else {
                    throw ConnectRESTError.badRequest("since must be an RFC 3339 time such as 2026-11-28T10:00:00Z, got \(text)")
                }
                since = parsed
            }
            let events = try await audit.events(
                connector: query.get("connector").map { String($0) }, type: query.get("type").map { String($0) }, since: since,
                after: after, limit: limit)
            let head = await audit.head
            return JSONValue.object([
                "events": .array(events),
                "next": events.count == limit ? (events.last?["sequence"] ?? .null) : .null,
                "head": .object(["sequence": .int(head.sequence), "hash": .string(head.hash)]),
            ])
        }
    }
}
