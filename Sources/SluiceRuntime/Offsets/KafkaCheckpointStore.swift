import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka

/// A checkpoint store in a compacted Kafka topic, in Kafka Connect's offsets-topic format: key
/// `["connector",{partition}]`, value the offset object (null removes it), both JSON. Existing
/// Kafka Connect tooling reads and writes it unchanged; Sluice adds its provenance as record
/// headers (`sluice.worker`, `sluice.task`, `sluice.sequence`, `sluice.location`, `sluice.time`,
/// `sluice.previous-hash`, `sluice.hash`), which carry the connector's hash chain
/// (`CheckpointChain`). The history is the topic itself (compaction removes superseded records,
/// so a verify may see gaps); in memory the last `historyLimit` entries per connector are kept.
///
/// On open the whole topic is read to its end; afterwards this worker is the only writer
/// (standalone), so the in-memory view plus its own acknowledged writes is the current state.
/// A commit returns once every record is acknowledged by the broker (`acks=all`).
public actor KafkaCheckpointStore: CheckpointStore {
    public nonisolated let location: CheckpointLocation
    public let topic: String
    private let producer: KafkaProducer
    public let historyLimit: Int
    private var offsets: [String: [JSONObject: JSONObject]] = [:]
    private var chains: [String: CheckpointChain] = [:]
    private var histories: [String: [CheckpointEntry]] = [:]

    /// Opens (creating it compacted if needed) and reads the offsets topic.
    public init(
        topic: String, partitions: Int32, replicationFactor: Int32, kafka: KafkaConfiguration, producer: KafkaProducer,
        location: CheckpointLocation, logger: Logger, historyLimit: Int = CheckpointHistory.defaultLimit
    ) async throws {
        self.topic = topic
        self.historyLimit = max(1, historyLimit)
        self.producer = producer
        self.location = location
        // Admin requests need only the brokers; consumer settings would draw librdkafka warnings.
        let admin = try await KafkaAdmin(
            configuration: KafkaConfiguration(bootstrapServers: kafka.bootstrapServers), logger: logger)
        let created = try await admin.createTopic(
            KafkaTopicSpec(
                name: topic, partitions: partitions, replicationFactor: replicationFactor, configs: ["cleanup.policy": "compact"])
        )
        if !created {
            let policy = try await admin.describeTopicConfigs(topic)["cleanup.policy"]
            if let policy, policy != "compact" {
                throw CheckpointStoreError(
                    location: location.name,
                    message: "offsets topic \(topic) has cleanup.policy=\(policy); it must be compact or old offsets are deleted")
            }
        }
        let description = try await admin.describeTopic(topic)
        let records = try await Self.readToEnd(topic: topic, partitions: description.partitions, kafka: kafka, logger: logger)
        // The sequence of the record each key's offset came from: a key's records may sit on more
        // than one partition (the producer's partitioner changed), so the newest by sequence wins,
        // not the last read. Records without a sequence (Kafka Connect's) count in read order.
        var appliedSequence: [String: [JSONObject: Int64]] = [:]
        for record in records {
            guard let keyBytes = record.key, let key = try? JSONValue.parse(keyBytes), let parts = key.arrayValue,
                parts.count == 2,
                let connector = parts[0].stringValue, let partition = parts[1].objectValue
            else {
                logger.warning(
                    "skipping a record that is not a Kafka Connect offset",
                    metadata: ["topic": "\(topic)", "offset": "\(record.offset)"])
                continue
            }
            func header(_ name: String) -> String? {
                record.headers.last { $0.key == name }?.value.map { String(decoding: $0, as: UTF8.self) }
            }
            let sequence = header("sluice.sequence").flatMap { Int64($0) }
            let offset = record.value.flatMap { try? JSONValue.parse($0).objectValue }
            // An older write of this key read after a newer one (from another partition) is not applied.
            let superseded = sequence.map { (appliedSequence[connector]?[partition] ?? .min) > $0 } ?? false
            if !superseded {
                if let sequence { appliedSequence[connector, default: [:]][partition] = sequence }
                if let offset {
                    offsets[connector, default: [:]][partition] = offset
                } else {
                    offsets[connector]?.removeValue(forKey: partition)
                }
            }
            if let sequence {
                let entry = CheckpointEntry(
                    connector: connector, partition: partition,
                    offset: offset,
                    workerID: header("sluice.worker") ?? "",
                    taskID: header("sluice.task").flatMap { Int($0) }, sequence: sequence,
                    time: header("sluice.time").flatMap { Int64($0) } ?? 0, location: header("sluice.location") ?? location.name,
                    previousHash: header("sluice.previous-hash") ?? "", hash: header("sluice.hash") ?? "")
                histories[connector, default: []].append(entry)
                if sequence > (chains[connector]?.sequence ?? 0) { chains[connector] = .init(after: entry) }
            }
        }
        for (connector, history) in histories {
            histories[connector] = history.sorted { $0.sequence < $1.sequence }.bounded(to: self.historyLimit)
        }
        logger.info(
            "offsets topic loaded",
            metadata: ["topic": "\(topic)", "records": "\(records.count)", "connectors": "\(offsets.count)"])
    }

    public func offsets(connector: String) -> [JSONObject: JSONObject] { offsets[connector] ?? [:] }

    public func commit(
        connector: String, offsets changes: [(partition: JSONObject, offset: JSONObject?)], provenance: CommitProvenance
    )
        async throws
    {
        guard !changes.isEmpty else { return }
        var chain = chains[connector] ?? CheckpointChain()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let sealed = changes.map { change in
            chain.append(
                connector: connector, partition: change.partition, offset: change.offset, provenance: provenance, time: now,
                location: location.name)
        }
        try await write(connector: connector, sealed, chain: chain)
    }

    public func history(connector: String) -> [CheckpointEntry] { histories[connector] ?? [] }

    public func importEntries(connector: String, entries imported: [CheckpointEntry]) async throws {
        let sorted = imported.sorted { $0.sequence < $1.sequence }
        var chain = chains[connector] ?? CheckpointChain()
        try sorted.checkImport(after: chain, connector: connector, location: location.name)
        for entry in sorted { chain.advance(past: entry) }
        try await write(connector: connector, sorted, chain: chain)
    }

    private func write(connector: String, _ sealed: [CheckpointEntry], chain: CheckpointChain) async throws {
        let records = sealed.map { entry -> KafkaProducerRecord in
            var headers = [
                KafkaHeader(key: "sluice.worker", value: Array(entry.workerID.utf8)),
                KafkaHeader(key: "sluice.sequence", value: Array(String(entry.sequence).utf8)),
                KafkaHeader(key: "sluice.location", value: Array(entry.location.utf8)),
                KafkaHeader(key: "sluice.time", value: Array(String(entry.time).utf8)),
                KafkaHeader(key: "sluice.previous-hash", value: Array(entry.previousHash.utf8)),
                KafkaHeader(key: "sluice.hash", value: Array(entry.hash.utf8)),
            ]
            if let task = entry.taskID { headers.append(KafkaHeader(key: "sluice.task", value: Array(String(task).utf8))) }
            return KafkaProducerRecord(
                topic: topic, key: entry.kafkaConnectKey.jsonBytes, value: entry.offset.map { JSONValue.object($0).jsonBytes },
                headers: headers)
        }
        do {
            _ = try await producer.send(batch: records)
        } catch {
            throw CheckpointStoreError.unavailable(location: location.name, "writing offsets to \(topic) failed: \(error)")
        }
        for entry in sealed {
            if let offset = entry.offset {
                offsets[connector, default: [:]][entry.partition] = offset
            } else {
                offsets[connector]?.removeValue(forKey: entry.partition)
            }
        }
        histories[connector] = ((histories[connector] ?? []) + sealed).bounded(to: historyLimit)
        chains[connector] = chain
    }

    /// Every record of `topic`, from the beginning to the high watermarks at the time of the call.
    static func readToEnd(topic: String, partitions: [Int32], kafka: KafkaConfiguration, logger: Logger) async throws
        -> [KafkaConsumerMessage]
    {
        let consumer = try await KafkaConsumer(
            configuration: kafka, groupID: "sluice-offsets-reader-\(UUID().uuidString)", logger: logger)
        do {
            let records = try await read(consumer, topic: topic, partitions: partitions)
            await consumer.close()
            return records
        } catch {
            await consumer.close()
            throw error
        }
    }

    private static func read(_ consumer: KafkaConsumer, topic: String, partitions: [Int32]) async throws -> [KafkaConsumerMessage]
    {
        var ends: [KafkaPartition: Int64] = [:]
        var starts: [TopicPartitionOffset] = []
        for partition in partitions {
            let marks = try await consumer.watermarks(KafkaPartition(topic: topic, partition: partition))
            if marks.high > marks.low {
                ends[KafkaPartition(topic: topic, partition: partition)] = marks.high
                starts.append(TopicPartitionOffset(topic: topic, partition: partition, offset: marks.low))
            }
        }
        guard !starts.isEmpty else { return [] }
        try await consumer.assign(starts)
        var records: [KafkaConsumerMessage] = []
        let deadline = ContinuousClock.now + .seconds(120)
        while !ends.isEmpty {
            guard ContinuousClock.now < deadline else {
                throw CheckpointStoreError(
                    location: topic, message: "reading offsets topic \(topic) did not reach its end within 120 s")
            }
            for message in try await consumer.poll(maxMessages: 5000, timeout: .milliseconds(500)) {
                records.append(message)
                let partition = KafkaPartition(topic: message.topic, partition: message.partition)
                if let end = ends[partition], message.offset + 1 >= end { ends.removeValue(forKey: partition) }
            }
        }
        return records
    }
}
