import ArgumentParser
import Foundation
import Logging
import SluiceConnectSDK
import SluiceRuntime

/// `sluice checkpoints …`: export, import, verify and migrate a connector's checkpoints. Offline
/// commands: run them against a stopped connector.
struct CheckpointsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoints", abstract: "Export, import, verify and migrate a connector's checkpoints.",
        subcommands: [
            CheckpointsExportCommand.self, CheckpointsImportCommand.self, CheckpointsVerifyCommand.self,
            CheckpointsMigrateCommand.self,
        ])
}

struct CheckpointSelection: ParsableArguments {
    @Option(name: .customLong("worker-config"), help: "Worker configuration (.properties).")
    var workerConfig: String

    @Option(help: "Connector name.")
    var connector: String

    @Option(help: "Location to use (default: the connector's checkpoint location, then the worker's offset store).")
    var location: String?
}

struct CheckpointsExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a connector's offsets and hash chain to a JSON file with a SHA-256 digest.")

    @OptionGroup var selection: CheckpointSelection
    @Option(help: "Output file.") var out: String

    func run() async throws {
        try await reporting {
            let worker = try CLISupport.workerConfig(selection.workerConfig)
            let store = try await CLISupport.store(
                worker: worker, connector: selection.connector, location: selection.location,
                logger: CLISupport.logger("sluice.checkpoints"))
            let export = try await CheckpointExport.read(from: store, connector: selection.connector)
            try CLISupport.write(export.json, to: out)
            let verification = export.verification
            print(
                "exported \(export.entries.count) entries and \(export.offsets.count) partition offsets of \(selection.connector) "
                    + "from \(store.location.name) to \(out); chain \(verification.isIntact ? "intact" : "BROKEN"), "
                    + "head \(verification.head), digest \(export.json["digest"]?["value"]?.stringValue ?? "")")
            return verification.isIntact ? 0 : 1
        }
    }
}

struct CheckpointsImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load an export into a location, keeping sequences and hashes (digest and chain are checked first).")

    @OptionGroup var selection: CheckpointSelection
    @Option(name: .customLong("in"), help: "Export file.") var input: String

    func run() async throws {
        try await reporting {
            let worker = try CLISupport.workerConfig(selection.workerConfig)
            guard let data = FileManager.default.contents(atPath: input) else {
                throw CLIFailure(code: 2, "cannot read \(input)")
            }
            let export: CheckpointExport
            do { export = try CheckpointExport.parse(Array(data)) } catch { throw CLIFailure(code: 1, "\(input): \(error)") }
            guard export.connector == selection.connector else {
                throw CLIFailure(code: 2, "\(input) holds connector \(export.connector), not \(selection.connector)")
            }
            if let broken = export.verification.broken { throw CLIFailure(code: 1, "\(input): chain broken at \(broken)") }
            let store = try await CLISupport.store(
                worker: worker, connector: selection.connector, location: selection.location,
                logger: CLISupport.logger("sluice.checkpoints"))
            try await store.importEntries(connector: selection.connector, entries: export.entries)
            let offsets = try await store.offsets(connector: selection.connector)
            let same = export.offsets.allSatisfy { offsets[$0.key] == $0.value }
            print(
                "imported \(export.entries.count) entries of \(selection.connector) into \(store.location.name); "
                    + "offsets \(same ? "identical to the export" : "DIFFER from the export")")
            return same ? 0 : 1
        }
    }
}

struct CheckpointsVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute a connector's hash chain in its store (or an export file) and report the first broken link.",
        discussion: "Exit codes: 0 intact; 1 broken (the entry is named); 2 could not read.")

    @Option(name: .customLong("worker-config"), help: "Worker configuration (.properties).")
    var workerConfig: String?
    @Option(help: "Connector name.") var connector: String?
    @Option(help: "Location to read (default: the connector's checkpoint location).") var location: String?
    @Option(help: "Verify an export file instead of a store.") var file: String?
    @Option(help: "Output format: text or json.") var output: String = "text"

    func run() async throws {
        try await reporting {
            let entries: [CheckpointEntry]
            let subject: String
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CLIFailure(code: 2, "cannot read \(file)")
                }
                do {
                    entries = try CheckpointExport.parse(Array(data)).entries
                } catch {
                    throw CLIFailure(code: 1, "\(file): \(error)")
                }
                subject = file
            } else {
                guard let workerConfig, let connector else {
                    throw CLIFailure(code: 2, "give --worker-config and --connector, or --file")
                }
                let worker = try CLISupport.workerConfig(workerConfig)
                let store = try await CLISupport.store(
                    worker: worker, connector: connector, location: location, logger: CLISupport.logger("sluice.checkpoints"))
                entries = try await store.history(connector: connector)
                subject = "\(connector) at \(store.location.name)"
            }
            let report = CheckpointChain.verify(entries)
            if output == "json" {
                let json: JSONValue = [
                    "subject": .string(subject), "entries": .int(Int64(report.entries)), "head": .string(report.head),
                    "intact": .bool(report.isIntact),
                    "gaps": .array(report.gaps.map { [.int($0.lowerBound), .int($0.upperBound)] }),
                    "broken": report.broken.map {
                        ["sequence": .int($0.sequence), "partition": .object($0.partition), "reason": .string($0.reason)]
                    } ?? .null,
                ]
                print(json.jsonString)
            } else if let broken = report.broken {
                print("BROKEN: \(subject): \(report.entries) entries; first broken link: \(broken)")
            } else {
                let range = report.firstSequence.map { "sequences \($0)…\(report.lastSequence ?? $0)" } ?? "no entries"
                let gaps = report.gaps.isEmpty ? "" : "; \(report.gaps.count) pruned or compacted gap(s) not checkable"
                print("INTACT: \(subject): \(report.entries) entries, \(range), head \(report.head)\(gaps)")
            }
            return report.isIntact ? 0 : 1
        }
    }
}

struct CheckpointsMigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Move a stopped connector's checkpoints to another location with proof, or roll back.",
        discussion: """
            Steps: check the target against the residency policy (refused if it violates it) → copy the hash chain → \
            verify every partition's latest offset, the chain and its head are identical in source and target → record \
            the switch in <offset file dir>/checkpoint-locations/<connector>.json → report. --rollback moves back to \
            the previous location the same way. The connector config decides source offsets vs sink checkpoints.
            """)

    @Option(name: .customLong("worker-config"), help: "Worker configuration (.properties).")
    var workerConfig: String
    @Option(help: "Connector name (or give --connector-config).") var connector: String?
    @Option(name: .customLong("connector-config"), help: "Connector configuration file.") var connectorConfig: String?
    @Option(help: "Target location.") var to: String?
    @Option(help: "Residency policy (default: the worker's residency.policy.file).") var policy: String?
    @Flag(help: "Check and report; copy and switch nothing.") var dryRun = false
    @Flag(help: "Move back to the location before the last migration.") var rollback = false
    @Option(help: "Output format: text or json.") var output: String = "text"

    func run() async throws {
        try await reporting {
            let worker = try CLISupport.workerConfig(workerConfig)
            var config = try connectorConfig.map { try CLISupport.connectorConfigs([$0])[0] } ?? [:]
            if let connector { config["name"] = connector }
            guard config["name"] != nil else { throw CLIFailure(code: 2, "give --connector or --connector-config") }
            let policyPath = policy ?? worker.residencyPolicyFile
            let loaded: ResidencyPolicy?
            do { loaded = try policyPath.map { try ResidencyPolicy.load(path: $0) } } catch {
                throw CLIFailure(code: 2, "\(error)")
            }
            let logger = CLISupport.logger("sluice.migrate", level: .info)
            let verifier = LocationVerifier(defaultBootstrap: worker.bootstrapServers, logger: logger)
            let migration = CheckpointMigration(
                worker: worker, policy: loaded, logger: logger, verifier: { await verifier.verify($0) },
                open: { try await CheckpointStoreFactory.make($0, worker: worker, logger: logger) })
            let report: CheckpointMigration.Report
            do {
                report = try await migration.run(connector: config, to: to, dryRun: dryRun, rollback: rollback)
            } catch let refused as CheckpointMigration.Refused {
                throw CLIFailure(code: 1, refused.description)
            }
            if output == "json" {
                print(report.json.jsonString)
            } else {
                for step in report.steps { print(step.step) }
                for partition in report.partitions {
                    let same = partition.source == partition.target ? "identical" : "DIFFERENT"
                    print(
                        "  \(partition.partition.canonicalString): \(partition.source?.canonicalString ?? "-") → "
                            + "\(partition.target?.canonicalString ?? "-") \(report.dryRun ? "" : same)")
                }
            }
            return 0
        }
    }
}
