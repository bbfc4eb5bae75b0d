import SluiceConnectSDK

/// The records of one Kafka partition since its last written batch. All files of a batch are
/// written together when it rotates, so a Kafka partition's committed offset always sits on a
/// batch boundary — which is what makes reruns rewrite identical objects (exactly-once).
struct PartitionBatch {
    /// Open files by encoded partition, in the order they were opened.
    var files: [String: OpenFile] = [:]
    var order: [String] = []
    /// The first offset in the batch (the next offset that is not yet durable).
    var startOffset: Int64?
    var lastOffset: Int64 = -1
    var count = 0
    /// Record time of the batch's first record (rotate.interval.ms).
    var baseTimestamp: Int64?
    /// Wall-clock deadline (rotate.schedule.interval.ms).
    var scheduleDeadline: Int64?

    var isEmpty: Bool { count == 0 }
    var bufferedBytes: Int { files.values.reduce(0) { $0 + $1.bufferedBytes } }

    /// Counts a record added to one of the files.
    mutating func add(offset: Int64, timestamp: Int64) {
        startOffset = startOffset ?? offset
        lastOffset = offset
        count += 1
        if baseTimestamp == nil { baseTimestamp = timestamp }
    }

    mutating func file(for encoded: String, make: () -> OpenFile) -> OpenFile {
        if let file = files[encoded] { return file }
        let file = make()
        files[encoded] = file
        order.append(encoded)
        return file
    }
}

/// What an S3 sink task keeps per Kafka partition.
final class PartitionState {
    /// The records since the partition's last written batch.
    var batch = PartitionBatch()
    /// Highest offset accepted (a retried `put` skips what it already has).
    var lastSeen: Int64?
    /// Wall-clock time a record last arrived (`RotationTimer` waits for quiet).
    var lastArrival: Int64 = .min
    /// Bytes per file of the partition's last batch when it was cut (held in memory then: without
    /// parts already uploaded): what each file of the next batch reserves.
    var objectSize: Int?
}
