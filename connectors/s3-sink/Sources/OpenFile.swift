import Foundation
import SluiceConnectSDK
import SluiceHTTP

/// One object being assembled: the records of one encoded partition within a Kafka partition's
/// current batch. Bytes not yet uploaded stay in `pending`; once `pending` reaches the part size
/// it is uploaded as a multipart part, so memory per file stays near one part. `pending.data` is
/// the request body itself (no copy is made to send it).
final class OpenFile {
    let key: String
    let startOffset: Int64
    var endOffset: Int64
    var recordCount = 0
    var pending: ObjectBytes
    let gzip: GzipStream?
    var uploadID: String?
    var parts: [S3CompletedPart] = []
    /// Companion files (`store.kafka.keys` / `store.kafka.headers`), small and kept whole.
    var keyLines: [UInt8] = []
    var headerLines: [UInt8] = []
    /// The object is complete and visible in S3 (a retried batch write skips it).
    var written = false

    init(key: String, startOffset: Int64, compress: Bool, pending: ObjectBytes) {
        self.key = key
        self.startOffset = startOffset
        self.endOffset = startOffset
        self.gzip = compress ? GzipStream() : nil
        self.pending = pending
    }

    /// Adds one record's bytes and its separator (compressing if configured).
    func append(_ bytes: [UInt8], separator: [UInt8], offset: Int64) {
        if let gzip {
            gzip.compress(bytes, into: &pending)
            gzip.compress(separator, into: &pending)
        } else {
            pending.append(bytes)
            pending.append(separator)
        }
        endOffset = offset
        recordCount += 1
    }

    /// Bytes held in memory for this file.
    var bufferedBytes: Int { pending.count + keyLines.count + headerLines.count }
}
