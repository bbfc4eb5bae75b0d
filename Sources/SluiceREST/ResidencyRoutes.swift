import Foundation
import Hummingbird
import SluiceConnectSDK
import SluiceRuntime

/// Sluice-only: where each connector's state lives and whether the residency policy allows it.
/// `GET /residency` (worker and every connector), `GET /connectors/{c}/residency`, and
/// `POST /residency/validate` (dry-run a proposed connector config).
struct ResidencyRoutes {
    let herder: StandaloneHerder

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/residency") { _, _ in
            try report(await herder.residency(nil))
        }
        router.get("/connectors/{connector}/residency") { _, context in
            let name = connectorName(context)
            return try report(await herder.residency(name), connector: name)
        }
        router.get("/connectors/{connector}/evidence") { _, context in
            try await herder.evidence(connectorName(context))
        }
        router.post("/connectors/{connector}/checkpoints/migrate") { request, context in
            let name = connectorName(context)
            let body = try await JSONResponse.body(request, context: context)
            guard body.objectValue != nil else {
                throw ConnectRESTError.badRequest(
                    "The body must be {\"to\": \"LOCATION\", \"dry_run\": false, \"rollback\": false}")
            }
            let report = try await herder.migrateCheckpoints(
                name, to: body["to"]?.stringValue, dryRun: body["dry_run"]?.boolValue ?? false,
                rollback: body["rollback"]?.boolValue ?? false)
            return report.json
        }
        router.post("/residency/validate") { request, context in
            let body = try await JSONResponse.body(request, context: context)
            var config = try JSONResponse.stringMap(body["config"] ?? body, field: "config")
            if config["name"] == nil, let name = body["name"]?.stringValue { config["name"] = name }
            guard let name = config["name"], !name.isEmpty else {
                throw ConnectRESTError.badRequest("The proposed connector needs a name: {\"name\": …, \"config\": {…}}")
            }
            return try report(await herder.validateResidency(config), connector: name)
        }
    }

    private func connectorName(_ context: SluiceRequestContext) -> String {
        let raw = context.parameters.get("connector") ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// The validation as JSON; only `connector`'s decisions when one is named.
    private func report(_ validation: ResidencyValidation?, connector: String? = nil) throws -> JSONValue {
        guard let validation else {
            throw ConnectRESTError.notFound(
                "No residency policy is configured: define locations.* and set residency.policy.file in the worker config")
        }
        let decisions = validation.decisions.filter { connector == nil || $0.connector == connector }
        let failed = decisions.filter { !$0.passed }
        let result =
            failed.contains { $0.result == .violation } ? "violations" : failed.isEmpty ? "pass" : "unverifiable"
        return .object([
            "connector": connector.map(JSONValue.string) ?? .null, "mode": .string(validation.mode.rawValue),
            "result": .string(result), "decisions": .array(decisions.map(\.json)),
        ])
    }
}
