import Foundation
import Hummingbird
import Logging
import Prometheus
import SluiceConnectSDK
import SluiceRuntime
import SluiceSupport

/// `GET /`, `GET /health`, `/connector-plugins…`, `/admin/loggers…` and `GET /metrics`.
struct WorkerRoutes {
    let herder: StandaloneHerder
    let kafkaClusterID: String
    let levels: LogLevels
    let metrics: PrometheusCollectorRegistry
    let readiness: AtomicFlag

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/") { _, _ in
            JSONValue.object([
                "version": .string(SluiceVersion.current), "commit": .string("sluice-\(SluiceVersion.current)"),
                "kafka_cluster_id": .string(kafkaClusterID),
            ])
        }
        router.get("/health") { _, _ in
            readiness.load()
                ? JSONResponse.make(
                    .object([
                        "status": .string("healthy"),
                        "message": .string("Worker has completed startup and is ready to handle requests."),
                    ]))
                : JSONResponse.make(
                    .object(["status": .string("starting"), "message": .string("Worker is still starting up.")]),
                    status: .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            var buffer: [UInt8] = []
            metrics.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("/connector-plugins") { request, _ in
            let connectorsOnly = request.uri.queryParameters.get("connectorsOnly").map { $0.lowercased() != "false" } ?? true
            return JSONValue.array(plugins(connectorsOnly: connectorsOnly))
        }
        router.get("/connector-plugins/{pluginName}/config") { _, context in
            let plugin = try plugin(context)
            return JSONValue.array(herder.definition(of: plugin).keys.map(ConnectJSON.key))
        }
        router.put("/connector-plugins/{pluginName}/config/validate") { request, context in
            let plugin = try plugin(context)
            var config = try JSONResponse.stringMap(try await JSONResponse.body(request, context: context), field: "config")
            if let given = config["connector.class"], given != plugin.className, !plugin.aliases.contains(given) {
                throw ConnectRESTError.badRequest(
                    "Included connector type \(given) does not match request type \(context.parameters.get("pluginName") ?? "")")
            }
            config["connector.class"] = config["connector.class"] ?? plugin.className
            let reports = await herder.validationReport(plugin: plugin, config)
            return ConnectJSON.validation(plugin: plugin, definition: herder.definition(of: plugin), reports: reports)
        }
        router.get("/admin/loggers") { _, _ in
            var out: JSONObject = [:]
            let all = levels.all
            for name in all.keys.sorted() { out[name] = level(all[name]!) }
            return JSONValue.object(out)
        }
        router.get("/admin/loggers/{logger}") { _, context in
            let name = context.parameters.get("logger") ?? ""
            guard let entry = levels.all[name] else {
                throw ConnectRESTError.notFound("Logger \(name) not found; GET /admin/loggers lists the known loggers")
            }
            return level(entry)
        }
        router.put("/admin/loggers/{logger}") { request, context in
            let name = context.parameters.get("logger") ?? ""
            let body = try await JSONResponse.body(request, context: context)
            guard let text = body["level"]?.stringValue else {
                throw ConnectRESTError.badRequest("The request body must be {\"level\": \"ERROR|WARN|INFO|DEBUG|TRACE\"}")
            }
            guard let parsed = LogLevels.parse(text) else {
                throw ConnectRESTError.badRequest("Invalid log level '\(text)'; use one of ERROR, WARN, INFO, DEBUG, TRACE")
            }
            if let scope = request.uri.queryParameters.get("scope"), !["worker", "cluster"].contains(scope.lowercased()) {
                throw ConnectRESTError.badRequest("scope must be worker or cluster, got \(scope)")
            }
            return JSONValue.array(levels.set(name, to: parsed).map(JSONValue.string))
        }
    }

    private func level(_ entry: LogLevels.Entry) -> JSONValue {
        .object(["level": .string(LogLevels.name(entry.level)), "last_modified": entry.lastModified.map(JSONValue.int) ?? .null])
    }

    private func plugin(_ context: SluiceRequestContext) throws -> ConnectorPlugin {
        let name = context.parameters.get("pluginName") ?? ""
        do {
            return try herder.registry.connector(name)
        } catch {
            throw ConnectRESTError.notFound(error.message)
        }
    }

    /// `PluginInfo`s, one per class (aliases are not listed separately).
    private func plugins(connectorsOnly: Bool) -> [JSONValue] {
        let registry = herder.registry
        var seen = Set<String>()
        var out: [JSONValue] = []
        for plugin in registry.connectors.values.sorted(by: { $0.className < $1.className })
        where seen.insert(plugin.className).inserted {
            out.append(ConnectJSON.plugin(className: plugin.className, type: plugin.kind.rawValue, version: plugin.version))
        }
        guard !connectorsOnly else { return out }
        for name in Set(registry.transformations.values.map(\.className)).sorted() {
            out.append(ConnectJSON.plugin(className: name, type: "transformation", version: SluiceVersion.current))
        }
        for name in Set(registry.predicates.values.map(\.className)).sorted() {
            out.append(ConnectJSON.plugin(className: name, type: "predicate", version: SluiceVersion.current))
        }
        for name in PluginRegistry.converterClasses {
            out.append(ConnectJSON.plugin(className: name, type: "converter", version: SluiceVersion.current))
        }
        return out
    }
}
