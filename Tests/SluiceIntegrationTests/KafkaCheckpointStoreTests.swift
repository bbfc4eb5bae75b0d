import Foundation
import SluiceConnectSDK
import SluiceKafka
import SluiceRuntime
import Testing

extension Integration {
    @Suite("Kafka-topic checkpoint store")
    struct KafkaCheckpointStoreTests {
        let logger = TestStack.logger("offsets-topic")

        func open(_ topic: String, producer: KafkaProducer) async throws -> KafkaCheckpointStore {
            try await KafkaCheckpointStore(
                topic: topic, partitions: 3, replicationFactor: 1, kafka: try TestStack.kafkaConsumer(), producer: producer,
                location: .init(name: "offsets-topic:\(topic)", kind: "kafka", region: "eu-central-1"), logger: logger)
        }

        @Test("commits survive a reopen; records use Kafka Connect's key and value format; tombstones remove")
        func roundTrip() async throws {
            let topic = TestStack.unique("connect-offsets")
            let producer = try await KafkaProducer(configuration: try TestStack.kafka(), logger: logger)
            let store = try await open(topic, producer: producer)
            #expect(await store.offsets(connector: "c").isEmpty)
            let provenance = CommitProvenance(workerID: "w1", taskID: 0)
            try await store.commit(
                connector: "c", offsets: [(["table": "a"], ["lsn": 1]), (["table": "b"], ["lsn": 2])], provenance: provenance)
            try await store.commit(connector: "c", offsets: [(["table": "a"], ["lsn": 3])], provenance: provenance)
            try await store.commit(connector: "d", offsets: [(["file": "x"], ["position": 9])], provenance: provenance)
            try await store.commit(connector: "c", offsets: [(["table": "b"], nil)], provenance: provenance)

            let reopened = try await open(topic, producer: producer)
            #expect(await reopened.offsets(connector: "c") == [["table": "a"]: ["lsn": 3]])
            #expect(await reopened.offsets(connector: "d") == [["file": "x"]: ["position": 9]])

            let admin = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: logger)
            #expect(try await admin.describeTopicConfigs(topic)["cleanup.policy"] == "compact")
            let raw = try await WorkerHarness.readAll(topic: topic, expected: 5, timeout: .seconds(30))
            let first = try #require(raw.first { String(decoding: $0.value ?? [], as: UTF8.self) == #"{"lsn":1}"# })
            #expect(String(decoding: first.key ?? [], as: UTF8.self) == #"["c",{"table":"a"}]"#)
            #expect(first.headers.contains { $0.key == "sluice.worker" && $0.value == Array("w1".utf8) })
            #expect(raw.contains { $0.value == nil }, "a removed offset is a tombstone")
            try await producer.close()
        }

        @Test(
            "a key written to several partitions (the partitioner changed) loads its newest offset by sequence, not the last read"
        )
        func newestSequenceWins() async throws {
            let topic = TestStack.unique("connect-offsets")
            let producer = try await KafkaProducer(configuration: try TestStack.kafka(), logger: logger)
            _ = try await open(topic, producer: producer)  // creates the compacted topic
            // The newest write (sequence 3) went to partition 0 first in time; older ones follow on 1 and 2.
            for (partition, sequence) in [(Int32(0), 3), (1, 1), (2, 2)] {
                _ = try await producer.send(batch: [
                    KafkaProducerRecord(
                        topic: topic, partition: partition, key: Array(#"["c",{"table":"a"}]"#.utf8),
                        value: Array(#"{"lsn":\#(sequence)}"#.utf8),
                        headers: [KafkaHeader(key: "sluice.sequence", value: Array(String(sequence).utf8))])
                ])
            }
            let reopened = try await open(topic, producer: producer)
            #expect(await reopened.offsets(connector: "c") == [["table": "a"]: ["lsn": 3]])
            try await producer.close()
        }

        @Test("an offsets topic that is not compacted is refused")
        func notCompacted() async throws {
            let topic = TestStack.unique("not-compacted")
            let admin = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: logger)
            try await admin.createTopic(.init(name: topic, partitions: 1, configs: ["cleanup.policy": "delete"]))
            let producer = try await KafkaProducer(configuration: try TestStack.kafka(), logger: logger)
            let error = await #expect(throws: CheckpointStoreError.self) { _ = try await open(topic, producer: producer) }
            #expect(error?.message.contains("cleanup.policy=delete") == true)
            try await producer.close()
        }
    }
}
