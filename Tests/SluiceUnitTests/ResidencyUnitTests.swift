import Foundation
import SluiceConnectSDK
import SluiceRuntime
import Testing

@Suite("Residency: locations, policy, decisions")
struct ResidencyUnitTests {
    static let base: [String: String] = [
        "bootstrap.servers": "127.0.0.1:19092",
        "locations.kafka-eu.kind": "kafka", "locations.kafka-eu.region": "eu-central-1",
        "locations.kafka-eu.cluster.id": "sluice-local-eu", "locations.kafka-eu.topic": "offsets",
        "locations.pg-eu.kind": "postgres", "locations.pg-eu.region": "eu-central-1", "locations.pg-eu.host": "db",
        "locations.pg-eu.user": "u", "locations.pg-eu.password": "${env:PG_SECRET}", "locations.pg-eu.dbname": "d",
        "locations.s3-us.kind": "s3", "locations.s3-us.region": "us-east-1", "locations.s3-us.bucket": "b",
        "locations.s3-us.access.key": "AK", "locations.s3-us.secret.key": "${env:S3_SECRET}",
        "state.source-offsets.location": "kafka-eu", "state.sink-checkpoints.location": "pg-eu",
        "residency.verification.ttl.ms": "5000", "checkpoint.history.max": "50",
    ]
    static let environment = ["PG_SECRET": "pg-very-secret", "S3_SECRET": "s3-very-secret"]

    func worker(_ settings: [String: String]) throws(ConfigException) -> WorkerConfig {
        try WorkerConfig(settings: settings, environment: Self.environment, hostDescription: "h:1")
    }

    @Test("locations, state-class defaults and residency keys parse; secrets never show")
    func parse() throws {
        let config = try worker(Self.base)
        #expect(config.locations.byName.keys.sorted() == ["kafka-eu", "pg-eu", "s3-us"])
        #expect(config.locations.byName["pg-eu"]?.settings["password"] == "pg-very-secret")
        #expect(config.locations.defaults == [.sourceOffsets: "kafka-eu", .sinkCheckpoints: "pg-eu"])
        #expect(config.residencyVerificationTTL == .seconds(5))
        #expect(config.checkpointHistoryMax == 50)
        let shown = "\(config.locations.byName["pg-eu"]!) \(config.locations.byName["s3-us"]!)"
        #expect(!shown.contains("very-secret"))
        #expect(shown.contains("[hidden]"))
        let resolved = try config.locations.resolveAll(connector: ["state.sink-checkpoints.location": "s3-us"])
        #expect(resolved[.sourceOffsets]?.name == "kafka-eu")
        #expect(resolved[.sinkCheckpoints]?.name == "s3-us", "a connector overrides the worker default")
        #expect(resolved[.records] == nil)
    }

    @Test("unknown location names, kinds, settings and classes are refused with the known ones")
    func refusals() throws {
        var settings = Self.base
        settings["state.records.location"] = "nowhere"
        settings["locations.pg-eu.colour"] = "blue"
        settings["locations.odd.kind"] = "ftp"
        settings["state.logs.location"] = "pg-eu"
        let error = #expect(throws: ConfigException.self) { _ = try worker(settings) }
        let text = error.map { "\($0)" } ?? ""
        #expect(
            text.contains("state.records.location=nowhere names an unknown location; known locations: kafka-eu, pg-eu, s3-us"))
        #expect(text.contains("unknown setting locations.pg-eu.colour"))
        #expect(text.contains("locations.odd.kind=ftp is not a location kind"))
        #expect(text.contains("unknown state class logs"))

        let config = try worker(Self.base)
        let connectorError = #expect(throws: ConfigException.self) {
            _ = try config.locations.resolveAll(connector: ["state.source-offsets.location": "mars"])
        }
        #expect(connectorError?.problems.first?.message.contains("known locations: kafka-eu, pg-eu, s3-us") == true)
    }

    static let policyText = """
        {"mode": "enforce",
         "default": {"allowedRegions": ["eu-central-1", "eu-west-1"], "minimumLevel": "declared"},
         "stateClasses": {"source-offsets": {"minimumLevel": "verified"}},
         "connectors": {"c1": {"stateClasses": {"source-offsets": {"allowedRegions": ["eu-west-1"]}}}}}
        """

    func evidence(_ name: String, region: String?, level: VerificationLevel?, outcome: LocationEvidence.Outcome = .ok)
        -> LocationEvidence
    {
        LocationEvidence(
            location: Location(name: name, kind: .postgres, region: "eu-central-1"), observedRegion: region, level: level,
            method: "test", outcome: outcome, error: outcome == .ok ? nil : "reason")
    }

    @Test("policy: rules resolve field by field, most specific first")
    func policyRules() throws {
        let policy = try ResidencyPolicy.parse(Self.policyText)
        #expect(policy.mode == .enforce)
        #expect(policy.rule(for: .sourceOffsets, connector: "c1") == (["eu-west-1"], .verified) as ([String], VerificationLevel))
        #expect(policy.rule(for: .sourceOffsets, connector: "other").minimumLevel == .verified)
        #expect(policy.rule(for: .audit, connector: "c1").allowedRegions == ["eu-central-1", "eu-west-1"])
        #expect(throws: ResidencyPolicyError.self) { try ResidencyPolicy.parse(#"{"default": {"minimumLevel": "sure"}}"#) }
        #expect(throws: ResidencyPolicyError.self) {
            try ResidencyPolicy.parse(#"{"default": {}, "stateClasses": {"logs": {}}}"#)
        }
        #expect(throws: ResidencyPolicyError.self) { try ResidencyPolicy.parse(#"{"default": {}, "extra": 1}"#) }
    }

    @Test("decisions name the class, location, region found, allowed regions and levels")
    func decisions() throws {
        let evaluator = ResidencyEvaluator(policy: try ResidencyPolicy.parse(Self.policyText))
        let decisions = evaluator.evaluate(
            connector: "c1",
            evidence: [
                .sourceOffsets: evidence("pg-eu", region: "eu-central-1", level: .attested),
                .sinkCheckpoints: evidence("s3", region: "eu-west-1", level: .declared),
                .records: evidence("k", region: "us-east-1", level: nil, outcome: .mismatch),
                .audit: evidence("f", region: nil, level: nil, outcome: .unverifiable),
            ])
        #expect(decisions.map(\.stateClass) == [.records, .sourceOffsets, .sinkCheckpoints, .audit])
        #expect(decisions.map(\.result) == [.violation, .violation, .pass, .unverifiable])
        let offsets = decisions[1]
        #expect(offsets.reason?.contains("state class source-offsets at location pg-eu") == true)
        #expect(offsets.reason?.contains("region found eu-central-1 is not in the allowed regions eu-west-1") == true)
        #expect(offsets.reason?.contains("verification level found attested is below the required verified") == true)
        #expect(decisions[0].reason?.contains("contradicts") == true)
    }

    @Test("Postgres region decision: verified only when the role cannot change the setting")
    func postgresFacts() {
        let location = Location(name: "pg", kind: .postgres, region: "eu-central-1")
        var facts = PostgresRegionFacts(
            database: "d", role: "app", superuser: false, owner: "dba", ownerMember: false, databaseRegion: "eu-central-1",
            sessionRegion: "eu-central-1")
        #expect(facts.evidence(for: location, claimed: "eu-central-1").level == .verified)
        facts.ownerMember = true
        #expect(
            facts.evidence(for: location, claimed: "eu-central-1").level == .verified, "15+: owners need SET on the parameter")
        facts.parameterPrivilege = true
        let attested = facts.evidence(for: location, claimed: "eu-central-1")
        #expect(attested.level == .attested)
        #expect(attested.method.contains("member of) the database owner dba and holds SET on sluice.region"))
        facts.parameterPrivilege = false
        facts.serverVersion = 140000
        #expect(facts.evidence(for: location, claimed: "eu-central-1").level == .attested)
        facts.serverVersion = 150000
        facts.superuser = true
        #expect(facts.evidence(for: location, claimed: "eu-central-1").level == .attested)
        facts.superuser = false
        facts.databaseRegion = "us-east-1"
        #expect(facts.evidence(for: location, claimed: "eu-central-1").outcome == .mismatch)
        facts.databaseRegion = nil
        #expect(facts.evidence(for: location, claimed: "eu-central-1").level == .declared)
    }

    @Test("the shipped policies parse")
    func shippedPolicies() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        for name in ["residency-policy.json", "residency-policy-strict-us.json"] {
            _ = try ResidencyPolicy.load(path: root.appendingPathComponent("config/\(name)").path)
        }
        let worker = Properties.parse(
            try String(contentsOf: root.appendingPathComponent("config/worker-sovereign.properties"), encoding: .utf8))
        let environment = [
            "SLUICE_KAFKA_BOOTSTRAP": "k:1", "SLUICE_KAFKA_CLUSTER_ID": "id", "SLUICE_PG_HOST": "h", "SLUICE_PG_PORT": "1",
            "SLUICE_PG_USER": "u", "SLUICE_PG_PASSWORD": "p", "SLUICE_PG_DATABASE": "d", "SLUICE_S3_ENDPOINT": "http://s",
            "SLUICE_S3_ACCESS_KEY": "a", "SLUICE_S3_SECRET_KEY": "s", "SLUICE_DATA_DIR": "/tmp", "SLUICE_PLUGIN_PATH": "/tmp",
            "SLUICE_REST_LISTENER": "http://127.0.0.1:8083",
        ]
        let config = try WorkerConfig(settings: worker, environment: environment, hostDescription: "h")
        #expect(config.locations.defaults.count == 6)
        #expect(config.auditFile == "/tmp/audit.jsonl", "the audit trail follows state.audit.location")
    }
}
