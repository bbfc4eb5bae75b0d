import Foundation
import SluiceConnectSDK
import Testing

/// Checks recorded REST exchanges against `docs/openapi.json`: the path and method are
/// described, the status code is documented for it, and a JSON body matches the schema
/// (types, required fields, properties, items, enums, `$ref`, `oneOf`, `nullable`).
struct OpenAPIConformance {
    let spec: JSONValue

    static func load(_ path: String = TestStack.root.appendingPathComponent("docs/openapi.json").path) throws
        -> OpenAPIConformance
    {
        OpenAPIConformance(spec: try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
    }

    /// The spec's path template for a concrete path (`/connectors/x/status` → `/connectors/{connector}/status`).
    func template(for path: String) -> String? {
        let segments = path.split(separator: "?", maxSplits: 1)[0].split(separator: "/", omittingEmptySubsequences: false)
        for template in (spec["paths"]?.objectValue ?? [:]).map(\.key) {
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == segments.count else { continue }
            if zip(parts, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { return template }
        }
        return nil
    }

    func check(_ exchanges: [RESTProbe.Exchange]) -> [String] {
        var problems: [String] = []
        for exchange in exchanges {
            let label = "\(exchange.method) \(exchange.path.prefix(120)) → \(exchange.status)"
            guard let template = template(for: exchange.path),
                let operation = spec["paths"]?[template]?[exchange.method.lowercased()]
            else {
                problems.append("\(label): not described")
                continue
            }
            guard let documented = operation["responses"]?[String(exchange.status)] ?? operation["responses"]?["default"] else {
                problems.append("\(label): status not documented for \(template)")
                continue
            }
            let response = resolve(documented)
            guard let content = response["content"]?.objectValue, !content.isEmpty else {
                if !exchange.text.isEmpty {
                    problems.append("\(label): documented without a body but sent \(exchange.text.prefix(80))")
                }
                continue
            }
            if let schema = content["application/json"]?["schema"] {
                guard let body = exchange.body else {
                    problems.append("\(label): expected a JSON body, got \(exchange.text.prefix(80))")
                    continue
                }
                problems += validate(body, schema, at: "body").map { "\(label): \($0)" }
            } else if content["text/plain"] != nil || content.contains(where: { $0.key.hasPrefix("text/plain") }) {
                if exchange.contentType?.hasPrefix("text/plain") != true {
                    problems.append("\(label): expected text/plain, got \(exchange.contentType ?? "none")")
                }
            }
        }
        return problems
    }

    /// Follows a local `$ref` (`#/components/schemas/X`, `#/components/responses/Y`).
    func resolve(_ schema: JSONValue) -> JSONValue {
        guard let ref = schema["$ref"]?.stringValue else { return schema }
        let parts = ref.split(separator: "/").map(String.init)
        guard parts.count == 4, parts[0] == "#", parts[1] == "components" else { return .object([:]) }
        return spec["components"]?[parts[2]]?[parts[3]].map(resolve) ?? .object([:])
    }

    func validate(_ value: JSONValue, _ schema: JSONValue, at path: String) -> [String] {
        let schema = resolve(schema)
        if value.isNull {
            return schema["nullable"]?.boolValue == true || schema["type"] == nil ? [] : ["\(path): null is not allowed"]
        }
        for combinator in ["oneOf", "anyOf"] {
            if let options = schema[combinator]?.arrayValue {
                return options.contains { validate(value, $0, at: path).isEmpty }
                    ? [] : ["\(path): matches none of \(combinator)"]
            }
        }
        if let all = schema["allOf"]?.arrayValue { return all.flatMap { validate(value, $0, at: path) } }
        if let allowed = schema["enum"]?.arrayValue, !allowed.contains(value) {
            return ["\(path): \(value.jsonString) is not one of \(JSONValue.array(allowed).jsonString)"]
        }
        var problems: [String] = []
        switch schema["type"]?.stringValue {
        case "object":
            guard let object = value.objectValue else {
                return ["\(path): expected an object, got \(value.jsonString.prefix(60))"]
            }
            for required in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[required] == nil {
                problems.append("\(path): missing required \(required)")
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, member) in object {
                if let property = properties[key] {
                    problems += validate(member, property, at: "\(path).\(key)")
                } else if let additional = schema["additionalProperties"] {
                    if additional == .bool(false) {
                        problems.append("\(path): unexpected property \(key)")
                    } else if additional.objectValue != nil {
                        problems += validate(member, additional, at: "\(path).\(key)")
                    }
                }
            }
        case "array":
            guard let items = value.arrayValue else { return ["\(path): expected an array"] }
            if let itemSchema = schema["items"] {
                for (index, item) in items.enumerated() { problems += validate(item, itemSchema, at: "\(path)[\(index)]") }
            }
        case "string":
            if value.stringValue == nil { problems.append("\(path): expected a string, got \(value.jsonString.prefix(40))") }
        case "integer": if value.intValue == nil { problems.append("\(path): expected an integer") }
        case "number": if value.doubleValue == nil { problems.append("\(path): expected a number") }
        case "boolean": if value.boolValue == nil { problems.append("\(path): expected a boolean") }
        default: break
        }
        return problems
    }
}

@Suite("OpenAPI description")
struct OpenAPIDescriptionTests {
    /// Kafka 4.1's published spec, converted to JSON (`Resources/kafka-connect-4.1-rest.json`).
    static let reference = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/kafka-connect-4.1-rest.json").path

    @Test("every path, method and schema of Kafka 4.1's spec is in docs/openapi.json with the same field names")
    func coversKafka() throws {
        let ours = try OpenAPIConformance.load().spec
        let kafka = try OpenAPIConformance.load(Self.reference).spec
        var missing: [String] = []
        for (path, operations) in kafka["paths"]?.objectValue ?? [:] {
            for (method, _) in operations.objectValue ?? [:] where ["get", "put", "post", "patch", "delete"].contains(method) {
                if ours["paths"]?[path]?[method] == nil { missing.append("\(method.uppercased()) \(path)") }
            }
        }
        for (name, schema) in kafka["components"]?["schemas"]?.objectValue ?? [:] {
            guard let mine = ours["components"]?["schemas"]?[name] else {
                missing.append("schema \(name)")
                continue
            }
            for (property, _) in schema["properties"]?.objectValue ?? [:] where mine["properties"]?[property] == nil {
                missing.append("\(name).\(property)")
            }
        }
        #expect((kafka["paths"]?.objectValue?.count ?? 0) >= 20, "the reference spec loaded")
        #expect(missing.isEmpty, "missing from docs/openapi.json: \(missing.sorted())")
    }

    @Test("the conformance checker catches a wrong body, an undocumented status and an unknown path")
    func checkerFails() throws {
        let checker = try OpenAPIConformance.load()
        let wrong = RESTProbe.Exchange(
            method: "GET", path: "/connectors/x/status", status: 200, contentType: "application/json",
            body: .object(["name": .int(3)]), text: "{}")
        let undocumented = RESTProbe.Exchange(
            method: "GET", path: "/connectors", status: 418, contentType: nil, body: nil, text: "")
        let unknown = RESTProbe.Exchange(method: "GET", path: "/nowhere", status: 200, contentType: nil, body: nil, text: "")
        let problems = checker.check([wrong, undocumented, unknown])
        #expect(problems.count >= 3, "\(problems)")
        #expect(problems.contains { $0.contains("missing required connector") })
    }
}
