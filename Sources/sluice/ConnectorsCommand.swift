import ArgumentParser
import Foundation
import SluiceConnectSDK
import SluiceREST
import SluiceRuntime

/// `sluice connectors …`: manage connectors through a worker's REST API.
struct ConnectorsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connectors",
        abstract: "Manage connectors through a worker's REST API (Kafka Connect's contract).",
        subcommands: [
            List.self, Get.self, Create.self, Update.self, Delete.self, Pause.self, Resume.self, Stop.self, Restart.self,
            Status.self, Offsets.self,
        ])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List connectors with their state and task states.")
        @OptionGroup var rest: RESTOptions

        func run() async throws {
            let body = try await rest.client().send("GET", "/connectors?expand=status&expand=info") ?? .object([:])
            if rest.output == .json { return print(body.pretty) }
            let rows: [[String]] = (body.objectValue ?? [:]).map { name, entry in
                let status = entry["status"]
                let tasks = status?["tasks"]?.arrayValue ?? []
                let running = tasks.filter { $0["state"]?.stringValue == "RUNNING" }.count
                return [
                    name, status?["type"]?.stringValue ?? "", status?["connector"]?["state"]?.stringValue ?? "",
                    "\(running)/\(tasks.count)", entry["info"]?["config"]?["connector.class"]?.stringValue ?? "",
                ]
            }.sorted { $0[0] < $1[0] }
            print(Table.render(["NAME", "TYPE", "STATE", "TASKS RUNNING", "CLASS"], rows))
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a connector's config (as stored) and tasks.")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector name.") var name: String

        func run() async throws {
            let body = try await rest.client().send("GET", "/connectors/\(escaped(name))") ?? .null
            if rest.output == .json { return print(body.pretty) }
            let config = body["config"]?.objectValue ?? [:]
            print("\(name) (\(body["type"]?.stringValue ?? "?"), \(body["tasks"]?.arrayValue?.count ?? 0) tasks)")
            print(
                Table.render(
                    ["KEY", "VALUE"],
                    config.map { [$0.key, $0.value.stringValue ?? $0.value.jsonString] }.sorted { $0[0] < $1[0] }))
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a connector from a JSON file ({\"name\":…,\"config\":{…}}) or .properties file.")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector file.") var file: String
        @Option(help: "RUNNING, PAUSED or STOPPED.") var initialState: String?

        func run() async throws {
            let config = try ConnectorFile.load(file)
            guard let name = config["name"] else { throw ValidationError("\(file) has no connector name") }
            var body: JSONObject = ["name": .string(name), "config": stringsJSON(config)]
            if let initialState { body["initial_state"] = .string(initialState) }
            let created = try await rest.client().send("POST", "/connectors", body: .object(body)) ?? .null
            print(rest.output == .json ? created.pretty : "created \(name)")
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or replace a connector's config from a file.")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector file.") var file: String

        func run() async throws {
            let config = try ConnectorFile.load(file)
            guard let name = config["name"] else { throw ValidationError("\(file) has no connector name") }
            let body =
                try await rest.client().send("PUT", "/connectors/\(escaped(name))/config", body: stringsJSON(config)) ?? .null
            print(rest.output == .json ? body.pretty : "updated \(name)")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a connector (its tasks stop and commit first).")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector name.") var name: String
        func run() async throws { try await simple(rest, "DELETE", "/connectors/\(escaped(name))", done: "deleted \(name)") }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a connector's tasks.")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector name.") var name: String
        func run() async throws { try await simple(rest, "PUT", "/connectors/\(escaped(name))/pause", done: "pausing \(name)") }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused or stopped connector.")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector name.") var name: String
        func run() async throws { try await simple(rest, "PUT", "/connectors/\(escaped(name))/resume", done: "resuming \(name)") }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop a connector (needed before altering offsets).")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector name.") var name: String
        func run() async throws { try await simple(rest, "PUT", "/connectors/\(escaped(name))/stop", done: "stopped \(name)") }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restart a connector, optionally with its (failed) tasks.")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector name.") var name: String
        @Flag(help: "Restart the tasks too.") var includeTasks = false
        @Flag(help: "Only restart units that are FAILED.") var onlyFailed = false
        @Option(help: "Restart only this task.") var task: Int?

        func run() async throws {
            if let task {
                return try await simple(
                    rest, "POST", "/connectors/\(escaped(name))/tasks/\(task)/restart", done: "restarted \(name)-\(task)")
            }
            try await simple(
                rest, "POST", "/connectors/\(escaped(name))/restart?includeTasks=\(includeTasks)&onlyFailed=\(onlyFailed)",
                done: "restarting \(name)")
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the connector's and its tasks' states.")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector name.") var name: String

        func run() async throws {
            let body = try await rest.client().send("GET", "/connectors/\(escaped(name))/status") ?? .null
            if rest.output == .json { return print(body.pretty) }
            var rows = [
                [
                    "connector", body["connector"]?["state"]?.stringValue ?? "",
                    body["connector"]?["worker_id"]?.stringValue ?? "",
                    firstLine(body["connector"]?["trace"]?.stringValue),
                ]
            ]
            for task in body["tasks"]?.arrayValue ?? [] {
                rows.append([
                    "task \(task["id"]?.intValue ?? -1)", task["state"]?.stringValue ?? "", task["worker_id"]?.stringValue ?? "",
                    firstLine(task["trace"]?.stringValue),
                ])
            }
            print(Table.render(["UNIT", "STATE", "WORKER", "TRACE"], rows))
        }

        private func firstLine(_ text: String?) -> String { text.map { String($0.prefix { $0 != "\n" }.prefix(100)) } ?? "" }
    }

    struct Offsets: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show, alter (--alter FILE) or reset (--reset) a connector's committed offsets; changes need STOPPED.")
        @OptionGroup var rest: RESTOptions
        @Argument(help: "Connector name.") var name: String
        @Option(help: "JSON file {\"offsets\": [{\"partition\": {…}, \"offset\": {…}}]} to apply.") var alter: String?
        @Flag(help: "Remove every committed offset.") var reset = false

        func run() async throws {
            let client = try rest.client()
            let path = "/connectors/\(escaped(name))/offsets"
            if reset {
                let body = try await client.send("DELETE", path)
                return print(rest.output == .json ? (body ?? .null).pretty : body?["message"]?.stringValue ?? "reset")
            }
            if let alter {
                let text = try String(contentsOfFile: alter, encoding: .utf8)
                let body = try await client.send("PATCH", path, body: try JSONValue.parse(text))
                return print(rest.output == .json ? (body ?? .null).pretty : body?["message"]?.stringValue ?? "altered")
            }
            let body = try await client.send("GET", path) ?? .null
            if rest.output == .json { return print(body.pretty) }
            let rows = (body["offsets"]?.arrayValue ?? []).map {
                [$0["partition"]?.jsonString ?? "", $0["offset"]?.jsonString ?? ""]
            }
            print(Table.render(["PARTITION", "OFFSET"], rows))
        }
    }
}

/// `sluice plugins list`.
struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "List the worker's connector plugins.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List connector plugins (--all: transforms, predicates, converters too).")
        @OptionGroup var rest: RESTOptions
        @Flag(help: "Include transformations, predicates and converters.") var all = false

        func run() async throws {
            let body = try await rest.client().send("GET", "/connector-plugins?connectorsOnly=\(!all)") ?? .array([])
            if rest.output == .json { return print(body.pretty) }
            let rows = (body.arrayValue ?? []).map {
                [$0["class"]?.stringValue ?? "", $0["type"]?.stringValue ?? "", $0["version"]?.stringValue ?? ""]
            }
            print(Table.render(["CLASS", "TYPE", "VERSION"], rows))
        }
    }
}

/// `sluice credentials hash`: the digest a REST credentials file stores.
struct CredentialsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "credentials", abstract: "Helpers for the REST credentials file.", subcommands: [Hash.self])

    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a password or token from stdin and print its SHA-256 for rest.auth.credentials.file.")
        func run() throws {
            let secret = (readLine(strippingNewline: true) ?? "")
            guard !secret.isEmpty else { throw ValidationError("nothing on stdin: pipe the password or token in") }
            print(Authenticator.digest(secret))
        }
    }
}

private func simple(_ rest: RESTOptions, _ method: String, _ path: String, done: String) async throws {
    let body = try await rest.client().send(method, path)
    print(rest.output == .json ? (body ?? .object(["result": .string(done)])).pretty : done)
}

func escaped(_ name: String) -> String {
    name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? name
}

private func stringsJSON(_ config: [String: String]) -> JSONValue {
    var object: JSONObject = [:]
    for key in config.keys.sorted() { object[key] = .string(config[key]!) }
    return .object(object)
}
