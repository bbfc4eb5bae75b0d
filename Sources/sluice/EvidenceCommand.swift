import ArgumentParser
import Foundation
import SluiceConnectSDK
import SluiceRuntime

/// `sluice evidence --connector C --format md|json`: the evidence map a sovereignty review asks
/// for, from a running worker (`GET /connectors/{c}/evidence`).
struct EvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Print a connector's residency evidence: state placements, verification, offsets, chain, migration, audit head."
    )

    @OptionGroup var rest: RESTOptions
    @Option(help: "Connector name.") var connector: String
    @Option(help: "md or json.") var format: String = "md"

    func run() async throws {
        let report = try await rest.client().send("GET", "/connectors/\(escaped(connector))/evidence") ?? .null
        if format == "json" || rest.output == .json { return print(report.pretty) }
        print(Self.markdown(report))
    }

    /// The report as Markdown: one table of state placements, then offsets, chain, migration, audit.
    static func markdown(_ report: JSONValue) -> String {
        func text(_ value: JSONValue?) -> String {
            guard let value, !value.isNull else { return "—" }
            return value.stringValue ?? value.jsonString
        }
        var lines = [
            "# Residency evidence: \(text(report["connector"]))", "",
            "Generated \(text(report["generatedAt"])) by worker `\(text(report["workerId"]))` (region \(text(report["workerRegion"]))). "
                + "Policy mode: \(text(report["policyMode"])). Result: **\(text(report["result"]))**.", "",
            "| State class | Location | Kind | Region found | Allowed | Level (required) | Checked at | Result | How |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for decision in report["stateClasses"]?.arrayValue ?? [] {
            let evidence = decision["evidence"]
            let checked = evidence?["checkedAt"]?.intValue.map {
                AuditEvent.rfc3339(Date(timeIntervalSince1970: Double($0) / 1000))
            }
            lines.append(
                "| \(text(decision["stateClass"])) | \(text(decision["location"])) | \(text(evidence?["kind"])) | "
                    + "\(text(decision["regionFound"])) | \((decision["allowedRegions"]?.arrayValue ?? []).map { text($0) }.joined(separator: ", ")) | "
                    + "\(text(decision["levelFound"])) (\(text(decision["levelRequired"]))) | \(checked ?? "—") | "
                    + "\(text(decision["result"])) | \(text(evidence?["method"])) |")
        }
        lines += ["", "## Committed offsets", "", "| Partition | Offset |", "| --- | --- |"]
        for entry in report["offsets"]?.arrayValue ?? [] {
            lines.append("| `\(entry["partition"]?.jsonString ?? "")` | `\(entry["offset"]?.jsonString ?? "")` |")
        }
        let chain = report["checkpointChain"]
        lines += [
            "", "## Checkpoint hash chain", "",
            "Location `\(text(chain?["location"]))`: \(text(chain?["entries"])) entries (sequence \(text(chain?["firstSequence"]))–"
                + "\(text(chain?["lastSequence"]))), head `\(text(chain?["head"]))`, "
                + (chain?["intact"]?.boolValue == true ? "intact." : "**broken**: \(text(chain?["brokenLink"]))"),
        ]
        lines += ["", "## Migration", ""]
        if let migration = report["migration"], !migration.isNull {
            lines.append(
                "Moved from `\(text(migration["previous"]))` to `\(text(migration["location"]))` at "
                    + "\(migration["switchedAt"]?.intValue.map { AuditEvent.rfc3339(Date(timeIntervalSince1970: Double($0) / 1000)) } ?? "—") "
                    + "with chain head `\(text(migration["head"]))`; continuity "
                    + (migration["continuity"]?.boolValue == true
                        ? "proven (that head is in the current, intact chain)." : "**not proven**."))
        } else {
            lines.append("No migration recorded.")
        }
        lines += [
            "", "## Audit trail", "",
            "Chain head: sequence \(text(report["audit"]?["sequence"])), `\(text(report["audit"]?["head"]))`.",
        ]
        return lines.joined(separator: "\n")
    }
}
