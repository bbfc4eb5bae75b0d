import Foundation
import SluiceKafka
import Testing

extension Integration {
    @Suite("Kafka client on Tansu")
    struct KafkaTests {
        let logger = TestStack.logger("kafka-test")

        @Test("100,000 messages round-trip through a consumer group; offsets and data survive a broker restart")
        func roundTripAndRestart() async throws {
            let configuration = try TestStack.kafka()
            let topic = TestStack.unique("roundtrip")
            let group = TestStack.unique("group")
            let admin = try await KafkaAdmin(configuration: configuration, logger: logger)
            #expect(try await admin.createTopic(.init(name: topic, partitions: 4)))

            let total = 100_000
            let producer = try await KafkaProducer(configuration: configuration, logger: logger)
            var reports: [KafkaDeliveryReport] = []
            for start in stride(from: 0, to: total, by: 10_000) {
                let batch = (start..<start + 10_000).map { index in
                    KafkaProducerRecord(
                        topic: topic, key: Array("key-\(index % 977)".utf8), value: Array("value-\(index)".utf8),
                        headers: [KafkaHeader(key: "index", value: Array(String(index).utf8))])
                }
                reports += try await producer.send(batch: batch)
            }
            try await producer.close()
            #expect(reports.count == total)
            #expect(Set(reports.map { "\($0.partition)/\($0.offset)" }).count == total, "every record has its own offset")

            // Consume everything in a group and commit the next offsets.
            let consumer = try await KafkaConsumer(configuration: try TestStack.kafkaConsumer(), groupID: group, logger: logger)
            try consumer.subscribe(topics: [topic])
            var seen = Set<String>()
            var next: [TopicPartition: Int64] = [:]
            var headersOK = true
            let deadline = ContinuousClock.now + .seconds(120)
            while seen.count < total && ContinuousClock.now < deadline {
                for message in try await consumer.poll(maxMessages: 5000, timeout: .seconds(1)) {
                    let value = String(decoding: message.value ?? [], as: UTF8.self)
                    seen.insert(value)
                    headersOK = headersOK && message.headers.first?.key == "index"
                    next[TopicPartition(topic: message.topic, partition: message.partition)] = message.offset + 1
                }
            }
            #expect(seen.count == total)
            #expect(seen == Set((0..<total).map { "value-\($0)" }))
            #expect(headersOK)
            let committed = next.map { TopicPartitionOffset(topic: $0.key.topic, partition: $0.key.partition, offset: $0.value) }
            try await consumer.commit(committed)
            let lag = try await consumer.lag(Array(next.keys))
            #expect(lag.values.allSatisfy { $0 == 0 }, "lag after consuming everything: \(lag)")
            await consumer.close()

            // Restart the broker: its data lives in SeaweedFS, so nothing may be lost.
            try await TestStack.script("stack-down", "tansu")
            try await TestStack.script("stack-up")

            let reader = try await KafkaConsumer(
                configuration: configuration, groupID: group, logger: logger, connectTimeout: .seconds(30))
            let afterRestart = try await reader.committed(Array(next.keys), timeout: .seconds(30))
            #expect(Set(afterRestart) == Set(committed), "committed offsets survive the restart")
            await reader.close()

            let fresh = try await KafkaConsumer(
                configuration: try TestStack.kafkaConsumer(), groupID: TestStack.unique("fresh"), logger: logger)
            try fresh.subscribe(topics: [topic])
            var count = 0
            let freshDeadline = ContinuousClock.now + .seconds(120)
            while count < total && ContinuousClock.now < freshDeadline {
                count += try await fresh.poll(maxMessages: 5000, timeout: .seconds(1)).count
            }
            #expect(count == total, "all messages are still there after the restart")
            await fresh.close()
        }

        /// Kafka's `Utils.murmur2`, as the Java producer's default partitioner uses it.
        static func javaMurmur2(_ data: [UInt8]) -> Int32 {
            let m: UInt32 = 0x5bd1_e995
            var h: UInt32 = 0x9747_b28c ^ UInt32(data.count)
            let whole = data.count / 4 * 4
            for i in stride(from: 0, to: whole, by: 4) {
                var k = UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24
                k = k &* m
                k ^= k >> 24
                k = k &* m
                h = h &* m
                h ^= k
            }
            let rest = data.count % 4
            if rest >= 3 { h ^= UInt32(data[whole + 2]) << 16 }
            if rest >= 2 { h ^= UInt32(data[whole + 1]) << 8 }
            if rest >= 1 {
                h ^= UInt32(data[whole])
                h = h &* m
            }
            h ^= h >> 13
            h = h &* m
            h ^= h >> 15
            return Int32(bitPattern: h)
        }

        @Test(
            "a keyed record goes to the partition Kafka's Java client picks (murmur2), so switching from Debezium keeps per-key order"
        )
        func javaCompatiblePartitioner() async throws {
            let topic = TestStack.unique("partitioner")
            let admin = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: logger)
            #expect(try await admin.createTopic(.init(name: topic, partitions: 7)))
            let producer = try await KafkaProducer(configuration: try TestStack.kafka(), logger: logger)
            let keys =
                (0..<50).map { Array(#"{"id":\#($0 * 7919)}"#.utf8) } + [Array("a".utf8), Array("ab".utf8), Array("abc".utf8)]
            let reports = try await producer.send(batch: keys.map { KafkaProducerRecord(topic: topic, key: $0, value: $0) })
            try await producer.close()
            #expect(reports.count == keys.count)
            for (key, report) in zip(keys, reports) {
                #expect(report.partition == (Self.javaMurmur2(key) & 0x7fff_ffff) % 7, "\(String(decoding: key, as: UTF8.self))")
            }
            #expect(Set(reports.map(\.partition)).count > 1, "the keys spread over partitions")
        }

        @Test("admin: compacted topic config, duplicate create, cluster id")
        func admin() async throws {
            let admin = try await KafkaAdmin(configuration: try TestStack.kafka(), logger: logger)
            let topic = TestStack.unique("compacted")
            #expect(try await admin.createTopic(.init(name: topic, partitions: 2, configs: ["cleanup.policy": "compact"])))
            #expect(try await admin.createTopic(.init(name: topic, partitions: 2)) == false, "second create reports it existed")
            await #expect(throws: KafkaError.self) { try await admin.createTopic(.init(name: topic), ifNotExists: false) }
            #expect(try await admin.describeTopic(topic).partitions == [0, 1])
            let configs = try await admin.describeTopicConfigs(topic)
            #expect(configs["cleanup.policy"] == "compact")
            #expect(try await admin.clusterID() == TestStack.value("SLUICE_KAFKA_CLUSTER_ID"))
        }

        @Test("manual assignment, seek, pause and resume")
        func assignSeekPause() async throws {
            let configuration = try TestStack.kafka()
            let topic = TestStack.unique("assign")
            let admin = try await KafkaAdmin(configuration: configuration, logger: logger)
            try await admin.createTopic(.init(name: topic, partitions: 1))
            let producer = try await KafkaProducer(configuration: configuration, logger: logger)
            _ = try await producer.send(
                batch: (0..<10).map { KafkaProducerRecord(topic: topic, partition: 0, value: Array("m\($0)".utf8)) })
            try await producer.close()

            let consumer = try await KafkaConsumer(
                configuration: configuration, groupID: TestStack.unique("manual"), logger: logger)
            try await consumer.assign([TopicPartitionOffset(topic: topic, partition: 0, offset: 7)])
            var values: [String] = []
            for _ in 0..<20 where values.count < 3 {
                values += try await consumer.poll(timeout: .milliseconds(500)).map {
                    String(decoding: $0.value ?? [], as: UTF8.self)
                }
            }
            #expect(values == ["m7", "m8", "m9"])
            try await consumer.seek([TopicPartitionOffset(topic: topic, partition: 0, offset: 2)])
            let tp = TopicPartition(topic: topic, partition: 0)
            try consumer.pause([tp])
            #expect(try await consumer.poll(timeout: .milliseconds(700)).isEmpty, "paused partitions deliver nothing")
            try consumer.resume([tp])
            var afterSeek: [String] = []
            for _ in 0..<20 where afterSeek.isEmpty {
                afterSeek = try await consumer.poll(maxMessages: 1, timeout: .milliseconds(500)).map {
                    String(decoding: $0.value ?? [], as: UTF8.self)
                }
            }
            #expect(afterSeek == ["m2"])
            #expect(try consumer.assignment() == [tp])
            await consumer.close()
        }

        @Test("a second group member triggers a cooperative rebalance that is surfaced to Swift")
        func rebalanceEvents() async throws {
            let configuration = try TestStack.kafka()
            let topic = TestStack.unique("rebalance")
            let group = TestStack.unique("group")
            let admin = try await KafkaAdmin(configuration: configuration, logger: logger)
            try await admin.createTopic(.init(name: topic, partitions: 4))
            let first = try await KafkaConsumer(configuration: try TestStack.kafkaConsumer(), groupID: group, logger: logger)
            try first.subscribe(topics: [topic])
            try await TestStack.eventually(timeout: .seconds(30), "first member owns all 4 partitions") {
                _ = try await first.poll(timeout: .milliseconds(200))
                return try first.assignment().count == 4
            }
            let second = try await KafkaConsumer(configuration: try TestStack.kafkaConsumer(), groupID: group, logger: logger)
            try second.subscribe(topics: [topic])
            try await TestStack.eventually(timeout: .seconds(60), "partitions are shared between both members") {
                async let a = first.poll(timeout: .milliseconds(200))
                async let b = second.poll(timeout: .milliseconds(200))
                _ = try await (a, b)
                let firstOwns = try first.assignment().count
                let secondOwns = try second.assignment().count
                return firstOwns + secondOwns == 4 && firstOwns > 0 && secondOwns > 0
            }
            await second.close()
            await first.close()
            var events: [KafkaRebalanceEvent] = []
            for await event in first.rebalanceEvents { events.append(event) }
            #expect(
                events.contains { if case .revoked = $0 { true } else { false } },
                "first member saw partitions revoked: \(events)")
        }

        @Test("an unreachable broker fails fast with a clear error, not a hang")
        func unreachableBroker() async throws {
            let start = ContinuousClock.now
            let error = await #expect(throws: KafkaError.self) {
                _ = try await KafkaProducer(
                    configuration: .init(bootstrapServers: "127.0.0.1:1"), logger: logger, connectTimeout: .seconds(3))
            }
            #expect(ContinuousClock.now - start < .seconds(15))
            #expect(error?.code == .transport)
            #expect(error?.message.contains("127.0.0.1:1") == true)
        }
    }
}
