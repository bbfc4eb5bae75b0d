import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t` built from Swift values.
final class TopicPartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ offsets: [TopicPartitionOffset]) {
        pointer = rd_kafka_topic_partition_list_new(Int32(clamping: max(offsets.count, 1)))
        for entry in offsets {
            let element = rd_kafka_topic_partition_list_add(pointer, entry.topic, entry.partition)
            element?.pointee.offset = entry.offset
        }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    /// The entries of a C list.
    static func read(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartitionOffset] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return [] }
        return (0..<count).map {
            TopicPartitionOffset(
                topic: String(cString: elements[$0].topic), partition: elements[$0].partition, offset: elements[$0].offset)
        }
    }

    /// The first element carrying a per-partition error.
    static func firstError(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> (
        TopicPartition, rd_kafka_resp_err_t
    )? {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return nil }
        for index in 0..<count where elements[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            return (
                TopicPartition(topic: String(cString: elements[index].topic), partition: elements[index].partition),
                elements[index].err
            )
        }
        return nil
    }
}
