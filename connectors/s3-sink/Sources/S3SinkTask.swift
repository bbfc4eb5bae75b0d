import Foundation
import Logging
import SluiceConnectSDK
import SluiceHTTP
import SluiceSupport

/// Writes records to S3 objects named `<topics.dir>/<encodedPartition>/<topic>+<partition>+<startOffset:010>.<ext>`.
///
/// Exactly-once: rotation depends only on the records (count, record time), so a rerun after a
/// crash rebuilds the same batches and rewrites identical keys with identical bytes (what the
/// wall-clock timer may close without traffic is `RotationTimer`'s to decide). An object is
/// visible only when complete (single PUT or completed multipart), `preCommit` returns for each
/// partition the first offset not yet in S3, and conditional writes (`If-None-Match: *`) detect a
/// different writer: an existing object with other content fails the task instead of being
/// overwritten. Orphaned multipart uploads of this connector are aborted at start.
///
/// A rotated batch is written in the background (at most `maxUploadsInFlight` at a time) while
/// records keep arriving; `preCommit` never passes the first offset of a batch still being
/// written, and a batch whose write failed is written again before `put` or `preCommit` goes on.
public actor S3SinkTask: SinkTask {
    /// Batches being written, per Kafka partition, oldest first.
    private var uploads: [TopicPartition: [UploadJob]] = [:]
    /// Batch writes running at once (the S3 client keeps as many connections).
    static let maxUploadsInFlight = 4
    private var uploadSequence = 0
    private var config: S3SinkConfig!
    private var client: S3Client!
    /// What the task keeps per Kafka partition: the open batch and where the partition stands.
    private var states: [TopicPartition: PartitionState] = [:]
    private var logger = Logger(label: "sluice.s3-sink")
    private var context: (any SinkTaskContext)!
    /// Wall-clock time the timer last asked which partitions are read to the end.
    private var lastReadToEndCheck: Int64 = 0
    private var warnedBudget = false
    /// The record being serialized (reused, so a record costs no allocation of its own).
    private var line: [UInt8] = []
    /// Memory for the objects' bytes, reused from one object to the next.
    private let pool = RegionPool(maxIdle: 1)

    public init() {}

    public func start(_ raw: [String: String], context: any SinkTaskContext) async throws {
        config = try S3SinkConfig(raw)
        self.context = context
        logger[metadataKey: "connector"] = "\(context.connectorName)"
        let endpoint = config.endpoint ?? URL(string: "https://s3.\(config.region).amazonaws.com")!
        client = S3Client(
            configuration: .init(
                endpoint: endpoint, region: config.region,
                credentials: AWSCredentials(
                    accessKeyID: config.accessKeyID ?? "", secretAccessKey: config.secretAccessKey?.value ?? ""),
                pathStyle: config.pathStyle,
                http: .init(
                    connections: 4,
                    retry: .init(maxAttempts: 5, deadline: .seconds(30), backoff: .init(base: config.retryBackoff)))),
            logger: logger)
        // Fail fast with a clear message on wrong credentials or a missing bucket.
        do {
            _ = try await client.listObjects(bucket: config.bucket, prefix: config.topicsDir + "/", maxKeys: 1)
        } catch {
            throw Self.taskError(error)
        }
        try await abortOrphanedUploads()
        // JSON lines of schemaless JSON values are the values' compact text: take it as such.
        if config.format == .json && !config.partitioner.readsValue { context.deliverValuesAsJSONText() }
    }

    /// Aborts in-progress multipart uploads under `topics.dir` that this connector's naming
    /// produced (`<topic>+<partition>+<offset>`): leftovers of a crash mid-upload.
    private func abortOrphanedUploads() async throws {
        let uploads: [S3MultipartUpload]
        do {
            uploads = try await client.listMultipartUploads(bucket: config.bucket, prefix: config.topicsDir + "/")
        } catch {
            throw Self.taskError(error)
        }
        for upload in uploads where Self.isOurObjectName(upload.key) {
            logger.info("aborting orphaned multipart upload", metadata: ["key": "\(upload.key)"])
            try? await client.abortMultipartUpload(bucket: config.bucket, key: upload.key, uploadID: upload.uploadID)
        }
    }

    static func isOurObjectName(_ key: String) -> Bool {
        let name = key.split(separator: "/").last.map(String.init) ?? key
        return name.split(separator: "+").count == 3
    }

    public func put(_ records: [SinkRecord]) async throws {
        do {
            try await retryFailedUploads()
            // One wall-clock reading per delivery: the records arrived together.
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            // Records come in runs per partition: one lookup per run.
            var current: (partition: TopicPartition, state: PartitionState)? = nil
            for record in records {
                let partition = record.originalTopicPartition
                if current?.partition != partition { current = (partition, state(of: partition)) }
                try await add(record, partition: partition, state: current!.state, now: now)
            }
            try await enforceBudget()
        } catch {
            throw Self.taskError(error)
        }
    }

    private func state(of partition: TopicPartition) -> PartitionState {
        if let state = states[partition] { return state }
        let state = PartitionState()
        states[partition] = state
        return state
    }

    private func add(_ record: SinkRecord, partition: TopicPartition, state: PartitionState, now: Int64) async throws {
        let offset = record.originalKafkaOffset
        if let seen = state.lastSeen, offset <= seen { return }
        if record.valueJSON == nil && record.value.isNull {
            switch config.nullBehavior {
            case .fail:
                throw ConnectException(
                    "null value (tombstone) at \(record.topic)/\(partition.partition)@\(offset); set behavior.on.null.values=ignore or write"
                )
            case .ignore:
                state.lastSeen = offset
                return
            case .write: break
            }
        }
        // A full batch whose write failed (S3 unavailable; the runtime retries `put`) is written
        // before anything joins it, so the retry cuts exactly where the first attempt did.
        if state.batch.count >= config.flushSize { try await write(partition) }
        // Record-time rotation happens before the record that crosses the window.
        if let interval = config.rotateInterval, let base = state.batch.baseTimestamp, let timestamp = record.timestamp,
            timestamp - base >= interval
        {
            try await write(partition)
        }
        let bytes = try serialize(record)
        let encoded = try config.partitioner.encode(record, now: now)
        let file = state.batch.file(for: encoded) {
            OpenFile(
                key:
                    "\(config.topicsDir)/\(encoded)/\(partition.topic)+\(partition.partition)+\(Self.padded(offset)).\(config.fileExtension)",
                startOffset: offset, compress: config.compression == .gzip,
                pending: ObjectBytes(
                    pool: pool, expectedSize: Self.reserve(forFilesOf: state.objectSize, partSize: config.partSize)))
        }
        file.append(bytes, separator: config.recordSeparator, offset: offset)
        if config.storeKeys {
            JsonConverter.writePayload(schema: record.keySchema, value: record.key, decimalNumeric: false, to: &file.keyLines)
            file.keyLines.append(0x0A)
        }
        if config.storeHeaders { file.headerLines += Self.headersJSON(record.headers) + [0x0A] }
        state.batch.add(offset: offset, timestamp: record.timestamp ?? now)
        if state.batch.scheduleDeadline == nil, let schedule = config.rotateScheduleInterval {
            state.batch.scheduleDeadline = (now / schedule + 1) * schedule
        }
        state.lastSeen = offset
        state.lastArrival = now
        if file.pending.count >= config.partSize { try await uploadPart(file) }
        if state.batch.count >= config.flushSize || (state.batch.scheduleDeadline.map { now >= $0 } ?? false) {
            try await write(partition)
        }
    }

    /// Keeps all open files within `s3.max.buffered.bytes`: the largest file uploads a part when
    /// it can (≥ 5 MiB), otherwise its partition's batch is written early — a cut a rerun may not
    /// repeat, so it is logged.
    private func enforceBudget() async throws {
        while bufferedBytes > config.maxBufferedBytes {
            // Batches being written (or whose write failed) count too: finish the oldest before
            // cutting anything early, so a transient S3 error never moves a cut.
            if let oldest = uploads.values.joined().filter({ !$0.done }).min(by: { $0.sequence < $1.sequence }) {
                try await finish(oldest)
                continue
            }
            guard let (partition, file) = largestFile() else { return }
            if file.pending.count >= 5 << 20 {
                try await uploadPart(file)
            } else {
                if !warnedBudget {
                    warnedBudget = true
                    logger.warning(
                        "s3.max.buffered.bytes reached with many small open files: writing batches early; such cuts may differ after a crash"
                    )
                }
                try await write(partition)
            }
        }
    }

    private func largestFile() -> (TopicPartition, OpenFile)? {
        var best: (TopicPartition, OpenFile)?
        for (partition, state) in states {
            for file in state.batch.files.values where file.bufferedBytes > (best?.1.bufferedBytes ?? 0) {
                best = (partition, file)
            }
        }
        return best
    }

    public func preCommit(_ currentOffsets: [TopicPartition: Int64]) async throws -> [TopicPartition: Int64] {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        do {
            try await retryFailedUploads()
            var readToEndCandidates: [TopicPartition] = []
            for (partition, state) in states where !state.batch.isEmpty {
                let batch = state.batch
                if batch.scheduleDeadline.map({ now >= $0 }) ?? false {
                    try await write(partition)
                    continue
                }
                guard let interval = config.rotateInterval, let base = batch.baseTimestamp else { continue }
                switch RotationTimer.decide(
                    now: now, windowEnd: base + interval, interval: interval,
                    lastArrival: state.lastArrival)
                {
                case .close: try await write(partition)
                case .closeIfReadToEnd: readToEndCandidates.append(partition)
                case .wait: break
                }
            }
            if !readToEndCandidates.isEmpty, now - lastReadToEndCheck >= RotationTimer.readToEndCheckInterval {
                lastReadToEndCheck = now
                for partition in await context.readToEnd(readToEndCandidates) { try await write(partition) }
            }
        } catch {
            throw Self.taskError(error)
        }
        reapUploads()
        var safe: [TopicPartition: Int64] = [:]
        for (partition, next) in currentOffsets {
            // The first offset not yet in S3: of the oldest batch still being written, else of the open batch.
            let writing = uploads[partition]?.first.map(\.startOffset)
            let open = states[partition].flatMap { $0.batch.isEmpty ? nil : $0.batch.startOffset }
            safe[partition] = [writing, open, next].compactMap { $0 }.min()
        }
        return safe
    }

    /// Partitions taken away: their open batches are dropped (the new owner re-reads them from the
    /// committed offset and builds the same objects); batches already being written are let
    /// finish (the next owner finds their objects identical).
    public func close(_ partitions: [TopicPartition]) async throws {
        for partition in partitions {
            await settle(uploads.removeValue(forKey: partition) ?? [])
            if let state = states.removeValue(forKey: partition) { await abandon(state.batch) }
        }
    }

    public func stop() async {
        await settle(Array(uploads.values.joined()))
        uploads.removeAll()
        for state in states.values { await abandon(state.batch) }
        states.removeAll()
    }

    /// Lets running batch writes finish; aborts the multipart uploads of those that failed.
    private func settle(_ jobs: [UploadJob]) async {
        for job in jobs {
            await job.task?.value
            if job.failure != nil { await abandon(job.batch) }
        }
    }

    private func abandon(_ batch: PartitionBatch) async {
        for file in batch.files.values {
            if let uploadID = file.uploadID {
                try? await client?.abortMultipartUpload(bucket: config.bucket, key: file.key, uploadID: uploadID)
            }
        }
    }

    // MARK: Writing

    /// Cuts the partition's batch and starts writing it in the background; records that arrive
    /// meanwhile start the next batch. Waits first while `maxUploadsInFlight` writes are running;
    /// if that wait fails, the batch stays open and is cut at the same place on the retry.
    private func write(_ partition: TopicPartition) async throws {
        guard states[partition].map({ !$0.batch.isEmpty }) == true else { return }
        while runningUploads.count >= Self.maxUploadsInFlight, let oldest = runningUploads.first { try await finish(oldest) }
        // Looked up again: the partition may have been closed while this waited.
        guard let state = states[partition], !state.batch.isEmpty else { return }
        let batch = state.batch
        state.batch = PartitionBatch()
        state.objectSize = batch.files.values.reduce(0) { $0 + $1.pending.count } / max(batch.files.count, 1)
        uploadSequence += 1
        let job = UploadJob(partition: partition, batch: batch, sequence: uploadSequence)
        uploads[partition, default: []].append(job)
        start(job)
    }

    private func start(_ job: UploadJob) {
        job.failure = nil
        job.task = Task { await self.upload(job) }
    }

    /// Writes every file of the job's batch (files already written by an earlier attempt are
    /// skipped); a failure is kept on the job, which holds all its bytes until S3 has them.
    private func upload(_ job: UploadJob) async {
        do {
            for encoded in job.batch.order {
                guard let file = job.batch.files[encoded], !file.written else { continue }
                try await writeObject(file)
                file.written = true
            }
            job.done = true
            logger.debug(
                "wrote batch",
                metadata: [
                    "partition": "\(job.partition)", "records": "\(job.batch.count)", "objects": "\(job.batch.files.count)",
                ])
        } catch {
            job.failure = error
        }
    }

    /// Waits for `job`; if it failed, writes it again once and throws if that fails too (the
    /// runtime retries within errors.retry.timeout).
    private func finish(_ job: UploadJob) async throws {
        await job.task?.value
        guard job.failure != nil else { return }
        start(job)
        await job.task?.value
        if let failure = job.failure { throw failure }
    }

    /// Writes failed batches again, oldest first; nothing goes on while one still fails.
    private func retryFailedUploads() async throws {
        for job in uploads.values.joined() where job.failure != nil { try await finish(job) }
        reapUploads()
    }

    private func reapUploads() {
        for (partition, jobs) in uploads {
            let remaining = jobs.filter { !$0.done }
            uploads[partition] = remaining.isEmpty ? nil : remaining
        }
    }

    /// Batch writes not finished yet, oldest first within each partition.
    private var runningUploads: [UploadJob] {
        uploads.values.joined().filter { !$0.done && $0.failure == nil }.sorted { $0.sequence < $1.sequence }
    }

    /// Bytes held by open batches and by batches being written.
    private var bufferedBytes: Int {
        states.values.reduce(0) { $0 + $1.batch.bufferedBytes }
            + uploads.values.joined().reduce(0) { $0 + ($1.done ? 0 : $1.batch.bufferedBytes) }
    }

    private func options(for file: OpenFile) -> PutOptions {
        var options = PutOptions(
            contentType: config.format == .json ? "application/json" : "application/octet-stream", ifNoneMatch: true)
        switch config.sseAlgorithm {
        case "AES256": options.encryption = .s3
        case "aws:kms": options.encryption = .kms(keyID: config.sseKMSKeyID)
        default: break
        }
        if config.objectTagging {
            options.tags = [
                ("startOffset", String(file.startOffset)), ("endOffset", String(file.endOffset)),
                ("recordCount", String(file.recordCount)),
            ]
        }
        return options
    }

    private func uploadPart(_ file: OpenFile) async throws {
        if file.uploadID == nil {
            file.uploadID = try await client.createMultipartUpload(
                bucket: config.bucket, key: file.key, options: options(for: file))
        }
        // The bytes leave memory only once the part is stored, so a failed upload can be retried.
        let part = try await client.uploadPart(
            bucket: config.bucket, key: file.key, uploadID: file.uploadID!, partNumber: file.parts.count + 1,
            body: file.pending.data)
        file.pending.removeAll()
        file.parts.append(part)
    }

    private func writeObject(_ file: OpenFile) async throws {
        file.gzip?.finish(into: &file.pending)
        // Companions first: a visible data object implies its companions exist.
        if config.storeKeys {
            try await putVerified(key: file.key + ".keys.json", body: Data(file.keyLines), options: options(for: file))
        }
        if config.storeHeaders {
            try await putVerified(key: file.key + ".headers.json", body: Data(file.headerLines), options: options(for: file))
        }
        if let uploadID = file.uploadID {
            if !file.pending.isEmpty || file.parts.isEmpty { try await uploadPart(file) }
            let client = self.client!
            let bucket = config.bucket
            let parts = file.parts
            let completed = await failure {
                () async throws(S3Error) in
                try await client.completeMultipartUpload(
                    bucket: bucket, key: file.key, uploadID: uploadID, parts: parts, ifNoneMatch: true)
            }
            if let failure = completed {
                guard failure.kind == .preconditionFailed else { throw failure }
                try await client.abortMultipartUpload(bucket: config.bucket, key: file.key, uploadID: uploadID)
                try await verifyExisting(key: file.key, expectedETag: MultipartETag.of(file.parts))
            }
        } else {
            try await putVerified(key: file.key, body: file.pending.data, options: options(for: file))
        }
        file.pending.removeAll()
    }

    /// PUT with `If-None-Match: *`; if the key exists, it must hold exactly these bytes (a rerun).
    private func putVerified(key: String, body: Data, options: PutOptions) async throws {
        let client = self.client!
        let bucket = config.bucket
        let failure = await failure { () async throws(S3Error) in
            try await client.putObject(bucket: bucket, key: key, body: body, options: options)
        }
        if let failure {
            guard failure.kind == .preconditionFailed else { throw failure }
            let existing = try await client.getObject(bucket: config.bucket, key: key)
            guard existing == body else {
                throw ConnectException(
                    "object \(key) already exists with different content: another writer is using this bucket and topics.dir, or the "
                        + "connector configuration changed the object contents; stop the other writer or change topics.dir")
            }
            logger.info("object already written by an earlier run (identical)", metadata: ["key": "\(key)"])
        }
    }

    private func verifyExisting(key: String, expectedETag: String) async throws {
        guard let existing = try await client.headObject(bucket: config.bucket, key: key) else {
            throw RetriableException("object \(key) reported as existing but is not there; retrying")
        }
        guard existing.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")) == expectedETag else {
            throw ConnectException(
                "object \(key) already exists with different content (ETag \(existing.etag)); another writer is active")
        }
    }

    /// Runs `body` and returns its S3 error instead of throwing it.
    private func failure(_ body: () async throws(S3Error) -> Void) async -> S3Error? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    // MARK: Serialization

    /// What a new file reserves: an eighth more than the partition's files held on average last
    /// time (so a steady size does not grow by copying), at least 64 KiB, at most one part.
    static func reserve(forFilesOf lastSize: Int?, partSize: Int) -> Int {
        guard let lastSize else { return 64 << 10 }
        return min(max(lastSize + lastSize / 8, 64 << 10), partSize)
    }

    /// The record's bytes in the object, without the separator: its JSON text, or its raw bytes.
    private func serialize(_ record: SinkRecord) throws -> [UInt8] {
        switch config.format {
        case .json:
            if let text = record.valueJSON { return text }
            line.removeAll(keepingCapacity: true)
            JsonConverter.writePayload(schema: record.valueSchema, value: record.value, decimalNumeric: false, to: &line)
            return line
        case .bytes:
            switch record.value {
            case .bytes(let bytes): return bytes
            case .string(let text): return Array(text.utf8)
            case .null: return []
            default:
                throw DataException(
                    "ByteArrayFormat needs bytes values; got \(record.valueSchema?.type.rawValue ?? "a structured value") at "
                        + "\(record.topic)/\(record.kafkaOffset). Use value.converter=org.apache.kafka.connect.converters.ByteArrayConverter or JsonFormat"
                )
            }
        }
    }

    static func headersJSON(_ headers: [ConnectHeader]) -> [UInt8] {
        JSONValue.array(
            headers.map {
                .object([
                    "key": .string($0.key),
                    "value": JsonConverter.payload(schema: $0.schema, value: $0.value, decimalNumeric: false),
                ])
            }
        ).jsonBytes
    }

    static func padded(_ offset: Int64) -> String {
        let digits = String(offset)
        return digits.count >= 10 ? digits : String(repeating: "0", count: 10 - digits.count) + digits
    }

    /// S3 outages become retriable (the runtime retries within errors.retry.timeout); wrong
    /// credentials and missing buckets fail the task with the store's error code.
    static func taskError(_ error: any Error) -> any Error {
        guard let s3 = error as? S3Error else { return error }
        switch s3.kind {
        case .network, .server, .throttled: return RetriableException("S3 unavailable: \(s3)")
        default: return ConnectException("\(s3)")
        }
    }
}

/// One rotated batch being written to S3 in the background.
final class UploadJob {
    let partition: TopicPartition
    let batch: PartitionBatch
    var startOffset: Int64 { batch.startOffset ?? 0 }
    /// Creation order (oldest first when waiting).
    let sequence: Int
    var task: Task<Void, Never>?
    var failure: (any Error)?
    var done = false

    init(partition: TopicPartition, batch: PartitionBatch, sequence: Int) {
        self.partition = partition
        self.batch = batch
        self.sequence = sequence
    }
}
