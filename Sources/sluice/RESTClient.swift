import ArgumentParser
import Foundation
import Logging
import SluiceConnectSDK
import SluiceHTTP

/// Options every REST command takes. Secrets come from the environment or a file, never from
/// arguments (which `ps` shows).
struct RESTOptions: ParsableArguments {
    @Option(help: "The worker's REST URL (env SLUICE_URL).")
    var url = ProcessInfo.processInfo.environment["SLUICE_URL"] ?? "http://127.0.0.1:8083"

    @Option(help: "HTTP basic user; the password is read from the environment variable SLUICE_PASSWORD.")
    var user: String?

    @Option(help: "File holding a bearer token (or set SLUICE_TOKEN).")
    var tokenFile: String?

    @Option(help: "PEM CA bundle trusted for an https URL.")
    var cacert: String?

    @Option(help: "Output format: table or json.")
    var output: OutputFormat = .table

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func client() throws -> RESTClient {
        let environment = ProcessInfo.processInfo.environment
        var authorization: String?
        if let user {
            guard let password = environment["SLUICE_PASSWORD"] else {
                throw ValidationError("--user needs the password in the environment variable SLUICE_PASSWORD")
            }
            authorization = "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        } else if let tokenFile {
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            authorization = "Bearer \(token)"
        } else if let token = environment["SLUICE_TOKEN"] {
            authorization = "Bearer \(token)"
        }
        guard let base = URL(string: url.hasSuffix("/") ? String(url.dropLast()) : url), base.scheme != nil else {
            throw ValidationError("--url must be a URL such as http://127.0.0.1:8083, got \(url)")
        }
        return RESTClient(base: base, authorization: authorization, caFile: cacert)
    }
}

/// A small client of the worker's REST API on the libcurl HTTP client.
struct RESTClient {
    let base: URL
    let authorization: String?
    let http: HTTPClient

    init(base: URL, authorization: String?, caFile: String?) {
        self.base = base
        self.authorization = authorization
        var logger = Logger(label: "sluice.cli")
        logger.logLevel = .error
        http = HTTPClient(
            configuration: .init(connections: 1, requestTimeout: .seconds(60), tls: TLSOptions(caFile: caFile)), logger: logger)
    }

    /// Sends a request; a non-2xx answer becomes an error carrying Kafka Connect's message.
    @discardableResult
    func send(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> JSONValue? {
        guard let url = URL(string: base.absoluteString + path) else { throw CLIError("bad path \(path)") }
        var request = HTTPRequest(method: method, url: url, headers: [], body: Data(body?.jsonBytes ?? []))
        request.setHeader("Accept", "application/json")
        if body != nil { request.setHeader("Content-Type", "application/json") }
        if let authorization { request.setHeader("Authorization", authorization) }
        let response: HTTPResponse
        do {
            response = try await http.sendOnce(request)
        } catch {
            throw CLIError("cannot reach \(base.absoluteString): \(error)")
        }
        let json = response.body.isEmpty ? nil : try? JSONValue.parse(Array(response.body))
        guard (200...299).contains(response.status) else {
            throw CLIError(
                "\(method) \(path) failed with HTTP \(response.status): \(json?["message"]?.stringValue ?? response.text)")
        }
        return json
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Plain-text tables for humans.
enum Table {
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

extension JSONValue {
    /// Indented JSON for `--output json`.
    var pretty: String {
        let data = Data(jsonBytes)
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
            let text = try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])
        else { return jsonString }
        return String(decoding: text, as: UTF8.self)
    }
}
