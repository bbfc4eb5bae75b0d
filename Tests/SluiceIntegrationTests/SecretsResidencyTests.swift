import Foundation
import SluiceConnectSDK
import SluiceRuntime
import Testing

extension Integration.SecretsProviderTests {
    @Test("residency: Secrets Manager's region verified from the ARN, file declared; enforce refuses, warn resolves")
    func residency() async throws {
        let admin = try SecretsManagerAdmin()
        let name = TestStack.unique("smres")
        try await admin.create(name, ["password": "residency-secret-1"])
        let workspace = try SecretsWorkspace(try WorkerHarness())
        let file = try workspace.properties("db.properties", ["password": "residency-file-secret"])
        func policy(_ mode: String, level: String) throws -> String {
            let path = workspace.harness.directory.appendingPathComponent("policy-\(mode)-\(level).json").path
            try #"{"mode": "\#(mode)", "default": {"allowedRegions": ["\#(admin.region)"], "minimumLevel": "\#(level)"}}"#
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        func providers(claim: String, policy: String) throws -> ConfigProviders {
            try self.providers(
                """
                config.providers=aws,file
                config.providers.aws.location=sm-eu
                config.providers.file.location=files
                config.providers.file.param.allowed.paths=\(workspace.allowed)
                locations.sm-eu.kind=secret-store
                locations.sm-eu.region=\(claim)
                locations.files.kind=secret-store
                locations.files.region=\(admin.region)
                residency.policy.file=\(policy)

                """ + admin.workerLines())
        }
        let references = ["aws.secret.access.key": "${aws:\(name):password}", "database.password": "${file:\(file):password}"]

        // verified (ARN) and declared both pass a policy that asks for declared.
        let lenient = try providers(claim: admin.region, policy: try policy("enforce", level: "declared"))
        let evidence = lenient.residency?.evidence(provider: "aws", data: ConfigData(values: [:], region: admin.region))
        #expect(evidence?.level == .verified && evidence?.outcome == .ok)
        #expect(lenient.residency?.evidence(provider: "file", data: ConfigData(values: [:]))?.level == .declared)
        #expect(try await lenient.resolve(references).config["aws.secret.access.key"] == "residency-secret-1")

        // A policy asking for verified: the Secrets Manager secret passes, the file is refused.
        let strict = try providers(claim: admin.region, policy: try policy("enforce", level: "verified"))
        let refused = await problems { _ = try await strict.resolve(references) }
        #expect(
            refused.contains("database.password") && refused.contains("residency violation") && refused.contains("declared")
                && !refused.contains("aws.secret.access.key"), "\(refused)")
        #expect(try await strict.resolve(["k": references["aws.secret.access.key"]!]).config["k"] == "residency-secret-1")
        // warn: resolved anyway.
        let warn = try providers(claim: admin.region, policy: try policy("warn", level: "verified"))
        #expect(try await warn.resolve(references).config["database.password"] == "residency-file-secret")

        // The location claims another region than the ARN shows: a mismatch, refused.
        let wrongClaim = try providers(claim: "eu-west-1", policy: try policy("enforce", level: "declared"))
        let mismatch = await problems { _ = try await wrongClaim.resolve(["k": references["aws.secret.access.key"]!]) }
        #expect(mismatch.contains("contradicts") && mismatch.contains("eu-west-1"), "\(mismatch)")
        #expect(!mismatch.contains("residency-secret-1"))
    }
}
