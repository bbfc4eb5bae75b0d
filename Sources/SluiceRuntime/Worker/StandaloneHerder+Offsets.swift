import Foundation
import Logging
import SluiceConnectSDK
import SluiceKafka
import SluiceSupport

/// Offsets changes of a STOPPED connector (`PATCH`/`DELETE /connectors/{c}/offsets`).
extension StandaloneHerder {
    /// Sets (`offset` non-nil) or removes offsets of a STOPPED connector
    /// (`PATCH /connectors/{c}/offsets`). Sinks also move their consumer group.
    public func alterOffsets(_ name: String, _ offsets: [(partition: JSONObject, offset: JSONObject?)]) async throws {
        try await serialized {
            let holder = try stoppedConnector(name)
            try await emit("offsets.altered", connector: name, data: ["partitions": .int(Int64(offsets.count))])
            if holder.plugin.kind == .sink { try await moveSinkGroup(name, offsets) }
            try await store.commit(
                connector: name, offsets: offsets, provenance: CommitProvenance(workerID: worker.workerID, taskID: nil))
            logger.info("connector offsets altered", metadata: ["connector": "\(name)", "partitions": "\(offsets.count)"])
        }
    }

    /// Removes every committed offset of a STOPPED connector (`DELETE /connectors/{c}/offsets`):
    /// a source starts from scratch; a sink's group goes back to the start of each partition
    /// (Kafka Connect's default `auto.offset.reset=earliest` for sinks).
    public func resetOffsets(_ name: String) async throws {
        try await serialized {
            let holder = try stoppedConnector(name)
            let current = try await store.offsets(connector: name)
            let removals = current.keys.map { (partition: $0, offset: JSONObject?.none) }
            try await emit("offsets.reset", connector: name, data: ["partitions": .int(Int64(removals.count))])
            if holder.plugin.kind == .sink { try await moveSinkGroup(name, removals) }
            if !removals.isEmpty {
                try await store.commit(
                    connector: name, offsets: removals, provenance: CommitProvenance(workerID: worker.workerID, taskID: nil))
            }
            logger.info("connector offsets reset", metadata: ["connector": "\(name)", "partitions": "\(removals.count)"])
        }
    }

    /// Commits a sink's new positions to its consumer group; a removed offset goes back to the
    /// partition's low watermark.
    func moveSinkGroup(_ name: String, _ offsets: [(partition: JSONObject, offset: JSONObject?)]) async throws {
        var wanted: [(partition: KafkaPartition, offset: Int64?)] = []
        for (partition, offset) in offsets {
            guard let topic = partition["kafka_topic"]?.stringValue, let number = partition["kafka_partition"]?.intValue else {
                throw HerderError.badRequest(
                    "sink offsets need a partition {\"kafka_topic\": …, \"kafka_partition\": …}; got \(JSONValue.object(partition).jsonString)"
                )
            }
            var next: Int64?
            if let offset {
                guard let value = offset["kafka_offset"]?.intValue, value >= 0 else {
                    throw HerderError.badRequest(
                        "sink offsets need {\"kafka_offset\": <non-negative integer>}; got \(JSONValue.object(offset).jsonString)"
                    )
                }
                next = value
            }
            wanted.append((KafkaPartition(topic: topic, partition: Int32(number)), next))
        }
        guard !wanted.isEmpty else { return }
        var consumerSettings = worker.consumerSettings
        consumerSettings["enable.auto.commit"] = "false"
        let consumer = try await KafkaConsumer(
            configuration: KafkaConfiguration(bootstrapServers: worker.bootstrapServers, settings: consumerSettings),
            groupID: SinkTaskRunner.groupID(connector: name), logger: logger)
        do {
            var positions: [TopicPartitionOffset] = []
            for (partition, offset) in wanted {
                var next = offset ?? 0
                if offset == nil { next = try await consumer.watermarks(partition).low }
                positions.append(TopicPartitionOffset(topic: partition.topic, partition: partition.partition, offset: next))
            }
            try await consumer.commit(positions)
        } catch {
            await consumer.close()
            throw error
        }
        await consumer.close()
    }
}
