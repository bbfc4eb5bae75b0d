import ArgumentParser
import SluiceSupport

/// The `sluice` command line.
@main
struct SluiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A Kafka Connect-style connector runtime with sovereign checkpointing.",
        version: SluiceVersion.current,
        subcommands: [
            WorkerCommand.self, ConnectorsCommand.self, PluginsCommand.self, CredentialsCommand.self, ResidencyCommand.self,
            CheckpointsCommand.self, EvidenceCommand.self, AuditCommand.self, CheckCommand.self, VersionCommand.self,
        ]
    )
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print Sluice's and its client libraries' versions.")

    func run() throws {
        print(VersionReport.make().rendered)
    }
}
