import ArgumentParser
import Foundation
import SluiceConnectSDK
import SluiceRuntime

/// `sluice residency …`: check where state lives against a residency policy.
struct ResidencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "residency", abstract: "Check where a worker's state lives against a residency policy.",
        subcommands: [ResidencyValidateCommand.self])
}

/// `sluice residency validate --worker-config W --policy P [--output json]`: a CI/CD gate.
struct ResidencyValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Verify every location's region and check each state class against the policy.",
        discussion: """
            Checks the worker's state-class defaults and, for each CONNECTOR file given, the connector's own placement. \
            Exit codes: 0 every placement satisfies the policy; 1 violations (each listed with state class, location, \
            region found, allowed regions and levels); 2 a location or the configuration could not be checked.
            """)

    @Option(name: .customLong("worker-config"), help: "Worker configuration (.properties) with locations.* and state.*.location.")
    var workerConfig: String

    @Option(help: "Residency policy (JSON).")
    var policy: String

    @Option(help: "Output format: table or json.")
    var output: OutputFormat = .table

    @Argument(help: "Connector configuration files whose own placements to check too.")
    var connectors: [String] = []

    enum OutputFormat: String, ExpressibleByArgument { case table, json }

    func run() async throws {
        try await reporting {
            let worker = try CLISupport.workerConfig(workerConfig)
            let policy: ResidencyPolicy
            do { policy = try ResidencyPolicy.load(path: self.policy) } catch { throw CLIFailure(code: 2, "\(error)") }
            let connectorConfigs = try CLISupport.connectorConfigs(connectors)
            let verifier = LocationVerifier(
                defaultBootstrap: worker.bootstrapServers, logger: CLISupport.logger("sluice.residency"))
            let validation: ResidencyValidation
            do {
                validation = try await ResidencyValidation.run(
                    worker: worker, policy: policy, connectors: connectorConfigs, verify: { await verifier.verify($0) })
            } catch {
                throw CLIFailure(code: 2, "\(error)")
            }
            guard !validation.decisions.isEmpty else {
                throw CLIFailure(code: 2, "\(workerConfig) places no state: define locations.* and state.<class>.location")
            }
            switch output {
            case .table: print(validation.table)
            case .json: print(validation.json.jsonString)
            }
            switch validation.result {
            case .pass: return 0
            case .violations: return 1
            case .unverifiable: return 2
            }
        }
    }
}
