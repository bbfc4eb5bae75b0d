import Foundation
import Hummingbird
import SluiceConnectSDK
import SluiceRuntime

/// `/connectors/…`: Kafka Connect's connector lifecycle, config, status, offsets and topics.
struct ConnectorRoutes {
    let herder: StandaloneHerder

    func register(on router: Router<SluiceRequestContext>) {
        router.get("/connectors") { request, _ in try await list(request) }
        router.post("/connectors") { request, context in try await create(request, context) }
        router.get("/connectors/{connector}") { _, context in
            ConnectJSON.info(try await herder.info(try name(context)))
        }
        router.delete("/connectors/{connector}") { _, context in
            try await herder.delete(try name(context))
            return JSONResponse.empty(.noContent)
        }
        router.get("/connectors/{connector}/config") { _, context in
            ConnectJSON.strings(try await herder.config(try name(context)))
        }
        router.put("/connectors/{connector}/config") { request, context in try await putConfig(request, context) }
        router.patch("/connectors/{connector}/config") { request, context in try await patchConfig(request, context) }
        router.get("/connectors/{connector}/status") { _, context in
            ConnectJSON.status(try await herder.status(try name(context)))
        }
        router.get("/connectors/{connector}/tasks") { _, context in
            let tasks = try await herder.taskConfigs(try name(context))
            return JSONValue.array(
                tasks.map { .object(["id": ConnectJSON.taskID($0.id), "config": ConnectJSON.strings($0.config)]) })
        }
        router.get("/connectors/{connector}/tasks/{task}/status") { _, context in
            let connector = try name(context)
            let task = try taskNumber(context)
            let status = try await herder.status(connector)
            guard let unit = status.tasks.first(where: { $0.id == task }) else {
                throw ConnectRESTError.notFound("Task \(connector)-\(task) not found")
            }
            return ConnectJSON.unit(unit.status, id: task)
        }
        router.post("/connectors/{connector}/tasks/{task}/restart") { _, context in
            try await herder.restartTask(try name(context), try taskNumber(context))
            return JSONResponse.empty(.noContent)
        }
        router.post("/connectors/{connector}/restart") { request, context in
            let connector = try name(context)
            let includeTasks = try flag(request, "includeTasks")
            let onlyFailed = try flag(request, "onlyFailed")
            try await herder.restart(connector, includeTasks: includeTasks, onlyFailed: onlyFailed)
            guard includeTasks || onlyFailed else { return JSONResponse.empty(.noContent) }
            return JSONResponse.make(ConnectJSON.status(try await herder.status(connector)), status: .accepted)
        }
        router.put("/connectors/{connector}/pause") { _, context in
            try await herder.pause(try name(context))
            return JSONResponse.empty(.accepted)
        }
        router.put("/connectors/{connector}/resume") { _, context in
            try await herder.resume(try name(context))
            return JSONResponse.empty(.accepted)
        }
        router.put("/connectors/{connector}/stop") { _, context in
            try await herder.stop(try name(context))
            return JSONResponse.empty(.noContent)
        }
        router.get("/connectors/{connector}/offsets") { _, context in
            ConnectJSON.offsets(try await herder.offsets(try name(context)))
        }
        router.patch("/connectors/{connector}/offsets") { request, context in try await alterOffsets(request, context) }
        router.delete("/connectors/{connector}/offsets") { _, context in
            try await herder.resetOffsets(try name(context))
            return JSONValue.object(["message": .string("The offsets for this connector have been reset successfully")])
        }
        router.get("/connectors/{connector}/topics") { _, context in
            let connector = try name(context)
            let topics = try await herder.topics(connector)
            return JSONValue.object([connector: .object(["topics": .array(topics.map(JSONValue.string))])])
        }
        router.put("/connectors/{connector}/topics/reset") { _, context in
            try await herder.resetTopics(try name(context))
            return JSONResponse.empty(.accepted)
        }
    }

    /// `GET /connectors[?expand=status&expand=info]`.
    private func list(_ request: Request) async throws -> Response {
        let names = await herder.connectorNames
        let expand = Set(request.uri.queryParameters.getAll("expand").flatMap { $0.split(separator: ",").map(String.init) })
        if let unknown = expand.first(where: { $0 != "status" && $0 != "info" }) {
            throw ConnectRESTError.badRequest("expand=\(unknown) is not supported; use expand=status and/or expand=info")
        }
        guard !expand.isEmpty else { return JSONResponse.make(.array(names.map(JSONValue.string))) }
        var out: JSONObject = [:]
        for name in names {
            var entry: JSONObject = [:]
            // A connector deleted between listing and reading is simply left out.
            if expand.contains("status"), let status = try? await herder.status(name) {
                entry["status"] = ConnectJSON.status(status)
            }
            if expand.contains("info"), let info = try? await herder.info(name) { entry["info"] = ConnectJSON.info(info) }
            if !entry.isEmpty { out[name] = .object(entry) }
        }
        return JSONResponse.make(.object(out))
    }

    /// `POST /connectors` with `{"name", "config", "initial_state"}`.
    private func create(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let body = try await JSONResponse.body(request, context: context)
        guard body.objectValue != nil else { throw ConnectRESTError.badRequest("Request body must be a JSON object") }
        guard let name = body["name"]?.stringValue, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ConnectRESTError.badRequest("Connector name is required: send {\"name\": \"…\", \"config\": {…}}")
        }
        guard !name.contains("/") else { throw ConnectRESTError.badRequest("Connector name \(name) must not contain '/'") }
        var config = try JSONResponse.stringMap(body["config"], field: "config")
        if let inner = config["name"], inner != name {
            throw ConnectRESTError.badRequest(
                "Connector name configuration (\(inner)) doesn't match connector name in the URL (\(name))")
        }
        config["name"] = name
        var initial = TargetState.running
        if let state = body["initial_state"], !state.isNull {
            guard let text = state.stringValue, let parsed = TargetState(rawValue: text.uppercased()) else {
                throw ConnectRESTError.badRequest(
                    "initial_state must be one of RUNNING, PAUSED, STOPPED; got \(state.jsonString)")
            }
            initial = parsed
        }
        let info = try await herder.create(config, initialState: initial)
        var response = JSONResponse.make(ConnectJSON.info(info), status: .created)
        response.headers[.location] = "/connectors/\(name)"
        return response
    }

    /// `PUT /connectors/{c}/config`: create (201) or update (200).
    private func putConfig(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let connector = try name(context)
        var config = try JSONResponse.stringMap(try await JSONResponse.body(request, context: context), field: "config")
        if let inner = config["name"], inner != connector {
            throw ConnectRESTError.badRequest(
                "Connector name configuration (\(inner)) doesn't match connector name in the URL (\(connector))")
        }
        config["name"] = connector
        let (created, info) = try await herder.put(config)
        var response = JSONResponse.make(ConnectJSON.info(info), status: created ? .created : .ok)
        if created { response.headers[.location] = "/connectors/\(connector)" }
        return response
    }

    /// `PATCH /connectors/{c}/config`: merge; a `null` value removes the key.
    private func patchConfig(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let connector = try name(context)
        let body = try await JSONResponse.body(request, context: context)
        guard let patch = body.objectValue else { throw ConnectRESTError.badRequest("Request body must be a JSON object") }
        var config = try await herder.rawConfig(connector)
        for (key, value) in patch {
            switch value {
            case .null: config[key] = nil
            case .object, .array: throw ConnectRESTError.badRequest("config.\(key) must be a string or null")
            default: config[key] = value.stringValue ?? value.jsonString
            }
        }
        if let inner = config["name"], inner != connector {
            throw ConnectRESTError.badRequest(
                "Connector name configuration (\(inner)) doesn't match connector name in the URL (\(connector))")
        }
        config["name"] = connector
        let (_, info) = try await herder.put(config)
        return JSONResponse.make(ConnectJSON.info(info))
    }

    /// `PATCH /connectors/{c}/offsets` with `{"offsets": [{"partition": {…}, "offset": {…}|null}]}`.
    private func alterOffsets(_ request: Request, _ context: SluiceRequestContext) async throws -> Response {
        let connector = try name(context)
        let body = try await JSONResponse.body(request, context: context)
        guard let entries = body["offsets"]?.arrayValue, !entries.isEmpty else {
            throw ConnectRESTError.badRequest(
                "Request body must be {\"offsets\": [{\"partition\": {…}, \"offset\": {…} or null}, …]} with at least one entry")
        }
        let offsets: [(partition: JSONObject, offset: JSONObject?)] = try entries.enumerated().map { index, entry in
            guard let partition = entry["partition"]?.objectValue else {
                throw ConnectRESTError.badRequest("offsets[\(index)].partition must be a JSON object")
            }
            let offset = entry["offset"]
            if let offset, !offset.isNull, offset.objectValue == nil {
                throw ConnectRESTError.badRequest("offsets[\(index)].offset must be a JSON object or null")
            }
            return (partition, offset?.objectValue)
        }
        try await herder.alterOffsets(connector, offsets)
        return JSONResponse.make(
            .object(["message": .string("The offsets for this connector have been altered successfully")]))
    }

    private func name(_ context: SluiceRequestContext) throws -> String {
        guard let name = context.parameters.get("connector") else { throw ConnectRESTError.badRequest("connector name missing") }
        return name.removingPercentEncoding ?? name
    }

    private func taskNumber(_ context: SluiceRequestContext) throws -> Int {
        guard let text = context.parameters.get("task"), let task = Int(text), task >= 0 else {
            throw ConnectRESTError.badRequest("task must be a non-negative integer")
        }
        return task
    }

    private func flag(_ request: Request, _ name: String) throws -> Bool {
        guard let value = request.uri.queryParameters.get(name) else { return false }
        switch value.lowercased() {
        case "true": return true
        case "false": return false
        default: throw ConnectRESTError.badRequest("\(name) must be true or false, got \(value)")
        }
    }
}

extension JSONValue: ResponseGenerator {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.make(self)
    }
}
