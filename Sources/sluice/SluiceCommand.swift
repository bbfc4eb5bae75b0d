import ArgumentParser

/// The `sluice` command line.
@main
struct SluiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "A Kafka Connect-style connector runtime with sovereign checkpointing.",
        version: SluiceVersion.current,
        subcommands: [
            WorkerCommand.self, CheckCommand.self, ResidencyCommand.self, CheckpointsCommand.self, VersionCommand.self,
        ]
    )
}

/// The Sluice release this binary was built from.
enum SluiceVersion {
    static let current = "0.1.0"
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print Sluice's and its client libraries' versions.")

    func run() throws {
        print(VersionReport.make().rendered)
    }
}
