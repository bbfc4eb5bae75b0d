import Foundation
import Logging
import SluiceConnectSDK
import SluiceHTTP
import SluiceKafka
import SluicePostgres
import SluiceRuntime
import Testing

/// A database and an S3 bucket of this test run, so operator settings (`sluice.region`, bucket
/// tags) never touch what other tests use.
struct ResidencyFixture {
    let database: String
    let bucket: String
    let admin: PostgresConnection

    static func make() async throws -> ResidencyFixture {
        let admin = try await PostgresConnection.connect(try TestStack.postgres(), logger: TestStack.logger("fixture"))
        let database = TestStack.unique("sov_db")
        try await admin.execute("CREATE DATABASE \(PostgresConnection.quoteIdentifier(database))")
        let bucket = "sov-\(UInt32.random(in: 0...UInt32.max))"
        try await TestStack.s3().createBucket(bucket: bucket)
        return ResidencyFixture(database: database, bucket: bucket, admin: admin)
    }

    /// The operator's side: on Postgres 15+ only a superuser (or a role granted SET on the
    /// parameter) may `ALTER DATABASE … SET sluice.region`; the local cluster's superuser is
    /// reachable over its Unix socket (trust), as the OS user postgres.
    func setRegion(_ region: String?) async throws {
        let name = PostgresConnection.quoteIdentifier(database)
        let sql =
            region.map { "ALTER DATABASE \(name) SET sluice.region = \(PostgresConnection.quoteLiteral($0))" }
            ?? "ALTER DATABASE \(name) RESET sluice.region"
        let stack = TestStack.environment["SLUICE_STACK_DIR"] ?? TestStack.root.appendingPathComponent(".stack").path
        let dataDirectory =
            (try? String(contentsOfFile: stack + "/run/pg.datadir", encoding: .utf8))?.trimmingCharacters(
                in: .whitespacesAndNewlines)
            ?? stack + "/pg"
        let status = try await ChildProcess.spawn(
            "/usr/sbin/runuser",
            [
                "-u", "postgres", "--", "psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", dataDirectory, "-p",
                try TestStack.value("SLUICE_PG_PORT"), "-d", "postgres", "-c", sql,
            ]
        ).wait()
        guard status == 0 else { throw StackError("setting sluice.region as the Postgres superuser failed (status \(status))") }
    }

    func tag(_ tags: [String: String]) async throws {
        try await TestStack.s3().putBucketTagging(bucket: bucket, tags: tags)
    }

    var postgresLocation: Location {
        get throws {
            Location(
                name: "pg-eu", kind: .postgres, region: "eu-central-1",
                settings: [
                    "host": try TestStack.value("SLUICE_PG_HOST"), "port": try TestStack.value("SLUICE_PG_PORT"),
                    "user": try TestStack.value("SLUICE_PG_USER"), "password": try TestStack.value("SLUICE_PG_PASSWORD"),
                    "dbname": database, "sslmode": "disable", "schema": "sluice_state", "table": "checkpoints",
                ])
        }
    }

    var s3Location: Location {
        get throws {
            Location(
                name: "s3-eu", kind: .s3, region: "eu-central-1",
                settings: [
                    "endpoint": try TestStack.value("SLUICE_S3_ENDPOINT"), "bucket": bucket, "prefix": "checkpoints/",
                    "access.key": try TestStack.value("SLUICE_S3_ACCESS_KEY"),
                    "secret.key": try TestStack.value("SLUICE_S3_SECRET_KEY"),
                ])
        }
    }

    func tearDown() async throws {
        try await admin.execute("DROP DATABASE IF EXISTS \(PostgresConnection.quoteIdentifier(database)) WITH (FORCE)")
        let s3 = try TestStack.s3()
        for object in try await s3.listAllObjects(bucket: bucket) { try await s3.deleteObject(bucket: bucket, key: object.key) }
        try await s3.deleteBucket(bucket: bucket)
    }
}

extension Integration {
    @Suite("Residency verification and guarded commits")
    struct ResidencyIntegrationTests {
        let logger = TestStack.logger("residency")
        var verifier: LocationVerifier {
            get throws { LocationVerifier(defaultBootstrap: try TestStack.value("SLUICE_KAFKA_BOOTSTRAP"), logger: logger) }
        }

        @Test("S3: no location and no tag is declared, the residency tag attests, another region is a mismatch")
        func s3() async throws {
            let fixture = try await ResidencyFixture.make()
            let location = try fixture.s3Location
            let declared = await try verifier.verify(location)
            #expect(declared.level == .declared)
            #expect(declared.method.contains("reported no region"))
            try await fixture.tag(["residency": "eu"])
            let attested = await try verifier.verify(location)
            #expect(attested.level == .attested, "\(attested)")
            #expect(attested.observedRegion == "eu")
            try await fixture.tag(["residency": "us-east-1"])
            let mismatch = await try verifier.verify(location)
            #expect(mismatch.outcome == .mismatch)
            #expect(mismatch.level == nil)
            #expect(mismatch.error?.contains("claims region eu-central-1") == true)
            var wrong = location
            wrong.settings["secret.key"] = "wrong-secret-value"
            let unverifiable = await try verifier.verify(wrong)
            #expect(unverifiable.outcome == .unverifiable)
            #expect(!"\(unverifiable)".contains("wrong-secret-value"))
            try await fixture.tearDown()
        }

        @Test("Kafka: the pinned cluster id verifies; another pin is a mismatch; unpinned is declared or attested by name")
        func kafka() async throws {
            let clusterID = try TestStack.value("SLUICE_KAFKA_CLUSTER_ID")
            var location = Location(
                name: "kafka-eu", kind: .kafka, region: "eu-central-1", settings: ["cluster.id": clusterID, "topic": "offsets"])
            let verified = await try verifier.verify(location)
            #expect(verified.level == .verified, "\(verified)")
            #expect(verified.method.contains("cluster id \(clusterID)"))
            location.settings["cluster.id"] = "some-us-cluster"
            #expect(await try verifier.verify(location).outcome == .mismatch)
            location.settings["cluster.id"] = nil
            #expect(await try verifier.verify(location).level == .declared)
            location.settings["topic"] = "offsets.eu-central-1"
            #expect(await try verifier.verify(location).level == .attested)
        }

        @Test("Postgres: the operator's database setting verifies for a role that cannot change it; another region is a mismatch")
        func postgres() async throws {
            let fixture = try await ResidencyFixture.make()
            let location = try fixture.postgresLocation
            #expect(await try verifier.verify(location).level == .declared)
            try await fixture.setRegion("eu-central-1")
            let verified = await try verifier.verify(location)
            #expect(verified.level == .verified, "\(verified)")
            #expect(verified.method.contains("holds no SET on sluice.region"))
            try await fixture.setRegion("us-east-1")
            #expect(await try verifier.verify(location).outcome == .mismatch)
            try await fixture.tearDown()
        }

        func guarded(_ store: any CheckpointStore, _ location: Location, ttl: Duration) throws -> ResidencyGuardedStore {
            let policy = try ResidencyPolicy.parse(
                #"{"mode": "enforce", "default": {"allowedRegions": ["eu-central-1"], "minimumLevel": "attested"}}"#)
            let verifier = try self.verifier
            return ResidencyGuardedStore(
                inner: store, location: location, stateClass: .sourceOffsets, policy: policy, ttl: ttl, logger: logger,
                verify: { await verifier.verify($0) })
        }

        @Test("guarded S3 store: removing the bucket tag stops commits within the TTL with the reason")
        func guardedS3() async throws {
            let fixture = try await ResidencyFixture.make()
            try await fixture.tag(["residency": "eu-central-1"])
            let location = try fixture.s3Location
            let worker = try WorkerConfig(settings: ["bootstrap.servers": "unused:1"], environment: [:], hostDescription: "t")
            let inner = try await CheckpointStoreFactory.make(location, worker: worker, logger: logger)
            let store = try guarded(inner, location, ttl: .seconds(1))
            let provenance = CommitProvenance(workerID: "w", taskID: 0)
            try await store.commit(connector: "c", offsets: [(["p": 0], ["o": 1])], provenance: provenance)
            try await fixture.tag(["owner": "someone"])
            let removedAt = ContinuousClock.now
            var refused: ResidencyViolation?
            while refused == nil, ContinuousClock.now - removedAt < .seconds(5) {
                do {
                    try await store.commit(connector: "c", offsets: [(["p": 0], ["o": 2])], provenance: provenance)
                    try await Task.sleep(for: .milliseconds(200))
                } catch let error as ResidencyViolation {
                    refused = error
                }
            }
            let error = try #require(refused)
            #expect(ContinuousClock.now - removedAt < .seconds(2), "refused within the TTL (1 s) plus one check")
            #expect("\(error)".contains("state class source-offsets at location s3-eu"))
            #expect("\(error)".contains("verification level found declared is below the required attested"))
            let committed = try await inner.offsets(connector: "c")[["p": 0]]
            #expect(committed != nil)
            await #expect(throws: ResidencyViolation.self) { _ = try await store.offsets(connector: "c") }
            try await fixture.tearDown()
        }

        @Test("guarded Postgres store: changing sluice.region stops commits within the TTL; a hand-edited row is named by verify")
        func guardedPostgres() async throws {
            let fixture = try await ResidencyFixture.make()
            try await fixture.setRegion("eu-central-1")
            let location = try fixture.postgresLocation
            let worker = try WorkerConfig(settings: ["bootstrap.servers": "unused:1"], environment: [:], hostDescription: "t")
            let inner = try await CheckpointStoreFactory.make(location, worker: worker, logger: logger)
            let store = try guarded(inner, location, ttl: .seconds(1))
            let provenance = CommitProvenance(workerID: "w", taskID: 0)
            for index in 1...4 {
                try await store.commit(
                    connector: "c", offsets: [(["table": .string("t\(index % 2)")], ["lsn": .int(Int64(index))])],
                    provenance: provenance)
            }
            try await fixture.setRegion("us-east-1")
            try await Task.sleep(for: .milliseconds(1100))
            let error = await #expect(throws: ResidencyViolation.self) {
                try await store.commit(connector: "c", offsets: [(["table": "t0"], ["lsn": 99])], provenance: provenance)
            }
            #expect(error.map { "\($0)" }?.contains("contradicts the claimed eu-central-1") == true)
            #expect(try await inner.offsets(connector: "c")[["table": "t0"]] == ["lsn": 4])

            let direct = try await PostgresConnection.connect(try location.postgresConfiguration(), logger: logger)
            try await direct.execute(
                #"UPDATE "sluice_state"."checkpoints" SET offset_json = '{"lsn":1000}' WHERE connector = 'c' AND sequence = 3"#)
            let report = CheckpointChain.verify(try await inner.history(connector: "c"))
            #expect(report.broken?.sequence == 3)
            #expect(report.broken?.partition == ["table": "t1"])
            try await fixture.tearDown()
        }

        @Test("a running sink whose checkpoint location stops verifying FAILS with the reason; commits stop")
        func runningTaskFails() async throws {
            let fixture = try await ResidencyFixture.make()
            try await fixture.setRegion("eu-central-1")
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-sov-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let policy = directory.appendingPathComponent("policy.json").path
            try #"{"mode": "enforce", "default": {"allowedRegions": ["eu-central-1"], "minimumLevel": "attested"}}"#
                .write(toFile: policy, atomically: true, encoding: .utf8)
            var settings: [String: String] = [
                "bootstrap.servers": try TestStack.value("SLUICE_KAFKA_BOOTSTRAP"), "offset.flush.interval.ms": "300",
                "offset.storage.file.filename": directory.appendingPathComponent("offsets.json").path,
                "task.restart.enable": "false", "consumer.session.timeout.ms": "6000", "consumer.heartbeat.interval.ms": "500",
                "consumer.max.poll.interval.ms": "10000", "state.sink-checkpoints.location": "pg-eu",
                "residency.policy.file": policy, "residency.verification.ttl.ms": "1000",
            ]
            for (key, value) in try fixture.postgresLocation.settings { settings["locations.pg-eu.\(key)"] = value }
            settings["locations.pg-eu.kind"] = "postgres"
            settings["locations.pg-eu.region"] = "eu-central-1"
            let worker = try WorkerConfig(settings: settings, environment: [:], hostDescription: "sov-worker")
            var registry = PluginRegistry.builtIn()
            try registry.register(PluginManifest(name: "test", connectors: [FlakySinkConnector.plugin]), origin: "test")
            let topic = TestStack.unique("sov-sink")
            let name = "\(topic)-sink"
            let connector = [
                "name": name, "connector.class": "test.FlakySink", "topics": topic, "value.converter": "JsonConverter",
                "value.converter.schemas.enable": "false",
            ]
            let producer = try await KafkaProducer(configuration: try TestStack.kafka(), logger: logger)
            let fallback = try FileCheckpointStore(path: worker.offsetStorageFile, location: .init(name: "file", kind: "file"))
            let store = try await CheckpointPlacement.open(
                worker: worker, connectors: [connector], fallback: fallback, producer: producer, logger: logger)
            let herder = StandaloneHerder(
                worker: worker, registry: registry, store: store, producer: producer,
                kafka: KafkaConfiguration(bootstrapServers: worker.bootstrapServers, settings: worker.consumerSettings),
                logger: logger)
            let admin = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: logger)
            try await admin.createTopic(.init(name: topic, partitions: 1))
            func produce(_ range: Range<Int>) async throws {
                _ = try await producer.send(
                    batch: range.map { KafkaProducerRecord(topic: topic, partition: 0, value: Array(#"{"n":\#($0)}"#.utf8)) })
            }
            try await produce(0..<20)
            try await herder.put(connector)
            let pg = try await PostgresCheckpointStore(
                configuration: try fixture.postgresLocation.postgresConfiguration(), schema: "sluice_state", table: "checkpoints",
                location: .init(name: "pg-eu", kind: "postgres"), logger: logger)
            try await TestStack.eventually(timeout: .seconds(60), "20 records committed to the Postgres location") {
                try await pg.offsets(connector: name).values.first?["kafka_offset"] == .int(20)
            }
            #expect(CheckpointChain.verify(try await pg.history(connector: name)).isIntact)

            // Within the TTL (1 s) a commit may still use the last verification; after it, none may.
            try await fixture.setRegion("us-east-1")
            try await Task.sleep(for: .milliseconds(1200))
            try await produce(20..<40)
            try await TestStack.eventually(timeout: .seconds(30), "task FAILED on the residency check") {
                (try? await herder.status(name))?.tasks.first?.status.state == .failed
            }
            let trace = (try? await herder.status(name))?.tasks.first?.status.trace ?? ""
            #expect(trace.contains("residency violation"), "\(trace)")
            #expect(trace.contains("state class sink-checkpoints at location pg-eu"))
            let committed = try await pg.offsets(connector: name).values.first?["kafka_offset"]
            #expect(committed == .int(20), "nothing committed after the region changed")
            await herder.stopAll()
            try await producer.close()
            try await fixture.tearDown()
        }
    }
}

extension Integration.ResidencyIntegrationTests {
    @Test("migration Kafka topic → Postgres and back: identical offsets and head, commits continue, rollback copies the rest")
    func kafkaToPostgres() async throws {
        let fixture = try await ResidencyFixture.make()
        try await fixture.setRegion("eu-central-1")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-mig-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var settings: [String: String] = [
            "bootstrap.servers": try TestStack.value("SLUICE_KAFKA_BOOTSTRAP"),
            "offset.storage.file.filename": directory.appendingPathComponent("offsets.json").path,
            "locations.kafka-eu.kind": "kafka", "locations.kafka-eu.region": "eu-central-1",
            "locations.kafka-eu.cluster.id": try TestStack.value("SLUICE_KAFKA_CLUSTER_ID"),
            "locations.kafka-eu.topic": TestStack.unique("sov-mig-offsets"), "locations.kafka-eu.topic.partitions": "3",
            "locations.pg-eu.kind": "postgres", "locations.pg-eu.region": "eu-central-1",
            "state.source-offsets.location": "kafka-eu",
        ]
        for (key, value) in try fixture.postgresLocation.settings { settings["locations.pg-eu.\(key)"] = value }
        let worker = try WorkerConfig(settings: settings, environment: [:], hostDescription: "mig")
        let policy = try ResidencyPolicy.parse(
            #"{"default": {"allowedRegions": ["eu-central-1"], "minimumLevel": "verified"}}"#)
        let verifier = try self.verifier
        let producer = try await KafkaProducer(configuration: try TestStack.kafka(), logger: logger)
        let logger = self.logger
        let migration = CheckpointMigration(
            worker: worker, policy: policy, logger: logger, verifier: { await verifier.verify($0) },
            open: { try await CheckpointStoreFactory.make($0, worker: worker, producer: producer, logger: logger) })
        let kafka = try await CheckpointStoreFactory.make(
            worker.locations.byName["kafka-eu"]!, worker: worker, producer: producer, logger: logger)
        let provenance = CommitProvenance(workerID: "w", taskID: 0)
        for index in 1...9 {
            try await kafka.commit(
                connector: "cdc", offsets: [(["slot": .string("s\(index % 3)")], ["lsn": .int(Int64(index))])],
                provenance: provenance)
        }
        let connector = ["name": "cdc", "connector.class": "x"]
        let dry = try await migration.run(connector: connector, to: "pg-eu", dryRun: true, rollback: false)
        #expect(!dry.switched)
        #expect(dry.targetDecision?.passed == true)
        let report = try await migration.run(connector: connector, to: "pg-eu", dryRun: false, rollback: false)
        #expect(report.switched)
        #expect(report.offsetsIdentical)
        #expect(report.partitions.count == 3)
        #expect(report.sourceHead == report.targetHead)
        #expect(try CheckpointPlacement.location(worker: worker, connector: connector).1?.name == "pg-eu")

        let pg = try await CheckpointStoreFactory.make(
            worker.locations.byName["pg-eu"]!, worker: worker, producer: producer, logger: logger)
        try await pg.commit(connector: "cdc", offsets: [(["slot": "s0"], ["lsn": 10])], provenance: provenance)
        #expect(try await pg.history(connector: "cdc").last?.sequence == 10)

        let back = try await migration.run(connector: connector, to: nil, dryRun: false, rollback: true)
        #expect(back.copiedEntries == 1)
        #expect(back.offsetsIdentical)
        let reopened = try await CheckpointStoreFactory.make(
            worker.locations.byName["kafka-eu"]!, worker: worker, producer: producer, logger: logger)
        #expect(try await reopened.offsets(connector: "cdc")[["slot": "s0"]] == ["lsn": 10])
        #expect(CheckpointChain.verify(try await reopened.history(connector: "cdc")).head == back.sourceHead)
        #expect(try CheckpointPlacement.location(worker: worker, connector: connector).1?.name == "kafka-eu")
        try await producer.close()
        try await fixture.tearDown()
    }
}
