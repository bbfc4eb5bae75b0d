import ArgumentParser
import Foundation
import SluiceRuntime

/// `sluice audit verify FILE [--head HASH]`: recomputes the audit file's hash chain.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Check the tamper-evident audit trail.", subcommands: [Verify.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain of an audit file (exit 0 intact, 1 broken, 2 unreadable).",
            discussion: """
                A modified event breaks its hash, a deleted or moved one breaks the sequence and prevhash links, and a \
                truncated file ends before the head you recorded elsewhere (--head, e.g. from GET /audit or the evidence report).
                """)

        @Argument(help: "The audit file (audit.file in the worker config).") var file: String
        @Option(help: "The chain head (hash of the last event) you expect.") var head: String?

        func run() throws {
            guard FileManager.default.fileExists(atPath: file) else {
                print("error: \(file) does not exist")
                throw ExitCode(2)
            }
            let result: AuditFile.Verification
            do {
                result = try AuditFile.verify(file, expectedHead: head)
            } catch {
                print("error: cannot read \(file): \(error)")
                throw ExitCode(2)
            }
            if let broken = result.broken {
                print("BROKEN at line \(broken.line): \(broken.reason)")
                print(
                    "\(result.events) event(s) verified before it; last good hash \(result.head.isEmpty ? "(none)" : result.head)"
                )
                throw ExitCode(1)
            }
            print("OK: \(result.events) event(s), chain head \(result.head)")
        }
    }
}
