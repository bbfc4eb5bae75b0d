import Foundation
import SluiceConnectSDK
import SluiceHTTP
import SluiceKafka
import SluicePostgres
import SluiceRuntime
import Testing

extension Integration {
    @Suite("Postgres and S3 checkpoint stores")
    struct CheckpointStoreIntegrationTests {
        let logger = TestStack.logger("checkpoint-stores")
        let provenance = CommitProvenance(workerID: "w1", taskID: 0)

        /// Commits, reopen, tombstones, chain and import: the same contract for every store.
        func exercise(_ open: () async throws -> any CheckpointStore) async throws {
            let store = try await open()
            #expect(try await store.offsets(connector: "c").isEmpty)
            try await store.commit(
                connector: "c", offsets: [(["table": "a"], ["lsn": 1]), (["table": "b"], ["lsn": 2])], provenance: provenance)
            try await store.commit(connector: "c", offsets: [(["table": "a"], ["lsn": 3])], provenance: provenance)
            try await store.commit(connector: "d", offsets: [(["file": "x"], ["position": 9])], provenance: provenance)
            try await store.commit(connector: "c", offsets: [(["table": "b"], nil)], provenance: provenance)

            let reopened = try await open()
            #expect(try await reopened.offsets(connector: "c") == [["table": "a"]: ["lsn": 3]])
            #expect(try await reopened.offsets(connector: "d") == [["file": "x"]: ["position": 9]])
            let history = try await reopened.history(connector: "c")
            #expect(history.map(\.sequence) == [1, 2, 3, 4])
            #expect(history.allSatisfy { $0.location == store.location.name && $0.workerID == "w1" })
            #expect(CheckpointChain.verify(history).isIntact)
            try await reopened.commit(connector: "c", offsets: [(["table": "c"], ["lsn": 5])], provenance: provenance)
            let continued = try await reopened.history(connector: "c")
            #expect(continued.last?.sequence == 5)
            #expect(continued.last?.previousHash == history.last?.hash, "the chain continues across a reopen")
            await #expect(throws: CheckpointStoreError.self) {
                try await reopened.importEntries(connector: "c", entries: history)
            }
        }

        @Test("Postgres store: rows per entry, latest by sequence, chain, quoted names, stale writer refused")
        func postgres() async throws {
            let schema = TestStack.unique("sov_ckpt") + "\"; drop"
            let table = "checkpoints \"quoted\""
            let open = {
                try await PostgresCheckpointStore(
                    configuration: try TestStack.postgres(), schema: schema, table: table,
                    location: .init(name: "pg-eu", kind: "postgres", region: "eu-central-1"), logger: logger)
            }
            try await exercise(open)
            // `third` reads the chain head, then `first` commits past it: `third` is now stale.
            let first = try await open()
            let third = try await open()
            _ = try await third.offsets(connector: "stale2")
            try await third.commit(connector: "stale2", offsets: [(["p": 1], ["o": 1])], provenance: provenance)
            try await first.commit(connector: "stale2", offsets: [(["p": 1], ["o": 2])], provenance: provenance)
            let error = await #expect(throws: CheckpointStoreError.self) {
                try await third.commit(connector: "stale2", offsets: [(["p": 1], ["o": 3])], provenance: provenance)
            }
            #expect(error?.message.contains("stale") == true)
            #expect(try await open().offsets(connector: "stale2") == [["p": 1]: ["o": 2]])

            let connection = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            try await connection.execute("DROP SCHEMA \(PostgresConnection.quoteIdentifier(schema)) CASCADE")
        }

        @Test("Postgres store: history is bounded but keeps every partition's latest row")
        func postgresPruning() async throws {
            let schema = TestStack.unique("sov_prune")
            let store = try await PostgresCheckpointStore(
                configuration: try TestStack.postgres(), schema: schema, table: "checkpoints",
                location: .init(name: "pg-eu", kind: "postgres"), historyLimit: 5, logger: logger)
            try await store.commit(connector: "c", offsets: [(["p": "idle"], ["o": 0])], provenance: provenance)
            for index in 1...12 {
                try await store.commit(
                    connector: "c", offsets: [(["p": "busy"], ["o": .int(Int64(index))])], provenance: provenance)
            }
            let history = try await store.history(connector: "c")
            #expect(history.map(\.sequence) == [1, 9, 10, 11, 12, 13])
            #expect(CheckpointChain.verify(history).isIntact)
            #expect(try await store.offsets(connector: "c") == [["p": "idle"]: ["o": 0], ["p": "busy"]: ["o": 12]])
            let connection = try await PostgresConnection.connect(try TestStack.postgres(), logger: logger)
            try await connection.execute("DROP SCHEMA \(PostgresConnection.quoteIdentifier(schema)) CASCADE")
        }

        @Test("S3 store: one object per commit, head pointer, chain, stale writer gets 412 and a clear error")
        func s3() async throws {
            let prefix = TestStack.unique("sov-ckpt") + "/"
            let client = try TestStack.s3()
            let open = {
                S3CheckpointStore(
                    client: client, bucket: TestStack.testBucket, prefix: prefix,
                    location: .init(name: "s3-eu", kind: "s3", region: "eu-central-1"))
            }
            try await exercise(open)
            let keys = try await client.listAllObjects(bucket: TestStack.testBucket, prefix: prefix + "c/").map(\.key)
            #expect(keys.contains(prefix + "c/head.json"))
            #expect(keys.contains(prefix + "c/commits/00000000000000000001.json"))

            let stale = open()
            let fresh = open()
            _ = try await stale.offsets(connector: "c")
            try await fresh.commit(connector: "c", offsets: [(["table": "a"], ["lsn": 100])], provenance: provenance)
            let error = await #expect(throws: CheckpointStoreError.self) {
                try await stale.commit(connector: "c", offsets: [(["table": "a"], ["lsn": 50])], provenance: provenance)
            }
            #expect(error?.message.contains("s3://\(TestStack.testBucket)/\(prefix)c/commits/") == true)
            #expect(error?.message.contains("stale") == true)
            #expect(try await open().offsets(connector: "c")[["table": "a"]] == ["lsn": 100])
            for key in try await client.listAllObjects(bucket: TestStack.testBucket, prefix: prefix).map(\.key) {
                try await client.deleteObject(bucket: TestStack.testBucket, key: key)
            }
        }

        @Test("Kafka store carries the chain in its headers")
        func kafka() async throws {
            let topic = TestStack.unique("sov-offsets")
            let producer = try await KafkaProducer(configuration: try TestStack.kafka(), logger: logger)
            let open = {
                try await KafkaCheckpointStore(
                    topic: topic, partitions: 1, replicationFactor: 1, kafka: try TestStack.kafkaConsumer(), producer: producer,
                    location: .init(name: "kafka-eu", kind: "kafka", region: "eu-central-1"), logger: logger)
            }
            try await exercise(open)
            try await producer.close()
        }
    }
}
