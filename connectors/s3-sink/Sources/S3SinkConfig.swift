import Foundation
import SluiceConnectSDK

/// The S3 sink's settings, with the Confluent S3 sink's key names so existing configs carry over.
struct S3SinkConfig: Sendable {
    enum Format: String, Sendable {
        case json, bytes
        var fileExtension: String { self == .json ? "json" : "bin" }
    }

    enum NullBehavior: String, Sendable { case fail, ignore, write }

    enum Compression: String, Sendable { case none, gzip }

    var bucket: String
    var region: String
    var endpoint: URL?
    var pathStyle: Bool
    var accessKeyID: String?
    var secretAccessKey: Password?
    var topicsDir: String
    var flushSize: Int
    /// Record-time rotation; `nil` when off.
    var rotateInterval: Int64?
    /// Wall-clock rotation (gives up exactly-once); `nil` when off.
    var rotateScheduleInterval: Int64?
    var partitioner: PartitionerSpec
    var format: Format
    /// What follows each record in an object: a newline after a JSON line, the configured
    /// separator (`format.bytearray.separator`) after raw bytes.
    var recordSeparator: [UInt8]
    var compression: Compression
    var partSize: Int
    var sseAlgorithm: String?
    var sseKMSKeyID: String?
    var objectTagging: Bool
    var nullBehavior: NullBehavior
    var storeKeys: Bool
    var storeHeaders: Bool
    var maxBufferedBytes: Int
    var retryBackoff: Duration

    static let partitionerClasses = [
        "io.confluent.connect.storage.partitioner.DefaultPartitioner",
        "io.confluent.connect.storage.partitioner.FieldPartitioner",
        "io.confluent.connect.storage.partitioner.TimeBasedPartitioner", "DefaultPartitioner", "FieldPartitioner",
        "TimeBasedPartitioner",
    ]
    static let formatClasses = [
        "io.confluent.connect.s3.format.json.JsonFormat", "io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
        "JsonFormat",
        "ByteArrayFormat",
    ]

    static let definition = ConfigDef()
        .define(
            "s3.bucket.name", .string, validator: .nonEmpty, importance: .high, documentation: "Bucket to write to.", group: "S3"
        )
        .define(
            "s3.region", .string, default: "us-east-1", importance: .high,
            documentation: "Region of the bucket (signing region).", group: "S3"
        )
        .define(
            "store.url", .string, default: "", importance: .high, documentation: "S3 endpoint URL; empty for AWS in s3.region.",
            group: "S3"
        )
        .define(
            "s3.path.style.access.enabled", .boolean, default: "true", importance: .medium,
            documentation: "Path-style (endpoint/bucket/key) instead of virtual-hosted addressing.", group: "S3"
        )
        .define("aws.access.key.id", .string, default: "", importance: .high, documentation: "Access key id.", group: "S3")
        .define(
            "aws.secret.access.key", .password, default: "", importance: .high,
            documentation: "Secret access key; supply it from a secrets provider (${provider:path:key}).", group: "S3"
        )
        .define(
            "topics.dir", .string, default: "topics", importance: .high, documentation: "Top-level folder of written objects.",
            group: "Storage"
        )
        .define(
            "flush.size", .int, default: "1000", validator: .range(min: 1, max: nil), importance: .high,
            documentation: "Records per object before rotating (per Kafka partition).", group: "Storage"
        )
        .define(
            "rotate.interval.ms", .long, default: "-1", validator: .range(min: -1, max: nil), importance: .high,
            documentation: """
                Record-time rotation: a file is closed when a record's timestamp is this far past the file's first record, or \
                when wall-clock time passes that point (the timer). Deterministic as long as record timestamps follow arrival \
                time (CreateTime of live producers, or LogAppendTime). -1 disables.
                """, group: "Storage"
        )
        .define(
            "rotate.schedule.interval.ms", .long, default: "-1", validator: .range(min: -1, max: nil), importance: .medium,
            documentation:
                "Wall-clock rotation at fixed boundaries. Gives up exactly-once (a rerun cuts files differently). -1 disables.",
            group: "Storage"
        )
        .define(
            "partitioner.class", .string, default: "io.confluent.connect.storage.partitioner.DefaultPartitioner",
            validator: .oneOf(partitionerClasses), importance: .high, documentation: "How records map to object prefixes.",
            group: "Partitioner"
        )
        .define(
            "partition.field.name", .list, default: "", importance: .medium,
            documentation: "FieldPartitioner: fields to partition by.", group: "Partitioner"
        )
        .define(
            "path.format", .string, default: "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", importance: .medium,
            documentation: "TimeBasedPartitioner: Joda-style path pattern.", group: "Partitioner"
        )
        .define(
            "partition.duration.ms", .long, default: "3600000", validator: .range(min: 1, max: nil), importance: .medium,
            documentation: "TimeBasedPartitioner: bucket length.", group: "Partitioner"
        )
        .define(
            "locale", .string, default: "en", importance: .low,
            documentation: "TimeBasedPartitioner: locale (paths use digits only).", group: "Partitioner"
        )
        .define(
            "timezone", .string, default: "UTC", importance: .medium, documentation: "TimeBasedPartitioner: time zone id.",
            group: "Partitioner"
        )
        .define(
            "timestamp.extractor", .string, default: "Record", validator: .oneOf(["Record", "RecordField", "Wallclock"]),
            importance: .medium,
            documentation: "TimeBasedPartitioner: where the time comes from (Wallclock is not deterministic).",
            group: "Partitioner"
        )
        .define(
            "timestamp.field", .string, default: "timestamp", importance: .medium,
            documentation: "RecordField extractor: field with the time.", group: "Partitioner"
        )
        .define(
            "format.class", .string, default: "io.confluent.connect.s3.format.json.JsonFormat", validator: .oneOf(formatClasses),
            importance: .high, documentation: "JSON lines or raw bytes.", group: "Format"
        )
        .define(
            "format.bytearray.separator", .string, default: "\n", importance: .low,
            documentation: "ByteArrayFormat: record separator.", group: "Format"
        )
        .define(
            "s3.compression.type", .string, default: "none", validator: .oneOf(["none", "gzip"]), importance: .medium,
            documentation: "Object compression.", group: "Format"
        )
        .define(
            "s3.part.size", .int, default: "26214400", validator: .range(min: 5_242_880, max: 2_147_483_647), importance: .medium,
            documentation: "Multipart part size (bytes); files larger than this are uploaded in parts.", group: "S3"
        )
        .define(
            "s3.ssea.name", .string, default: "", validator: .oneOf(["", "AES256", "aws:kms"]), importance: .medium,
            documentation: "Server-side encryption.", group: "S3"
        )
        .define(
            "s3.sse.kms.key.id", .string, default: "", importance: .medium, documentation: "KMS key for aws:kms.", group: "S3"
        )
        .define(
            "s3.object.tagging", .boolean, default: "false", importance: .low,
            documentation: "Tag objects with startOffset, endOffset, recordCount.", group: "S3"
        )
        .define(
            "behavior.on.null.values", .string, default: "fail", validator: .oneOf(["fail", "ignore", "write"]),
            importance: .medium,
            documentation: "Tombstones: fail the task, skip them, or write a JSON null line.", group: "Format"
        )
        .define(
            "store.kafka.keys", .boolean, default: "false", importance: .low,
            documentation: "Also write keys to <object>.keys.json.", group: "Format"
        )
        .define(
            "store.kafka.headers", .boolean, default: "false", importance: .low,
            documentation: "Also write headers to <object>.headers.json.", group: "Format"
        )
        .define(
            "s3.max.buffered.bytes", .long, default: "268435456", validator: .range(min: 1_048_576, max: nil), importance: .high,
            documentation: "One memory budget for all open files of the task.", group: "Storage"
        )
        .define(
            "s3.retry.backoff.ms", .long, default: "200", validator: .range(min: 1, max: nil), importance: .low,
            documentation: "First retry delay for S3 requests.", group: "S3")

    init(_ raw: [String: String]) throws {
        let parsed = try Self.definition.parse(raw)
        bucket = parsed.string("s3.bucket.name") ?? ""
        region = parsed.string("s3.region") ?? "us-east-1"
        let url = parsed.string("store.url") ?? ""
        if url.isEmpty {
            endpoint = nil
        } else {
            guard let parsedURL = URL(string: url), parsedURL.scheme != nil, parsedURL.host != nil else {
                throw ConfigException(
                    key: "store.url", "store.url must be a URL such as https://s3.eu-central-1.amazonaws.com, got '\(url)'")
            }
            endpoint = parsedURL
        }
        pathStyle = parsed.bool("s3.path.style.access.enabled")
        let key = parsed.string("aws.access.key.id") ?? ""
        accessKeyID = key.isEmpty ? nil : key
        let secret = parsed.password("aws.secret.access.key")
        secretAccessKey = secret?.value.isEmpty == false ? secret : nil
        if (accessKeyID == nil) != (secretAccessKey == nil) {
            throw ConfigException(
                key: "aws.secret.access.key", "set both aws.access.key.id and aws.secret.access.key, or neither")
        }
        topicsDir = (parsed.string("topics.dir") ?? "topics").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        flushSize = parsed.int("flush.size")
        let rotate = Int64(parsed.int("rotate.interval.ms"))
        rotateInterval = rotate > 0 ? rotate : nil
        let schedule = Int64(parsed.int("rotate.schedule.interval.ms"))
        rotateScheduleInterval = schedule > 0 ? schedule : nil
        partitioner = try PartitionerSpec(parsed)
        format = (parsed.string("format.class") ?? "").hasSuffix("ByteArrayFormat") ? .bytes : .json
        recordSeparator = format == .json ? [0x0A] : Array((parsed.string("format.bytearray.separator") ?? "\n").utf8)
        compression = Compression(rawValue: parsed.string("s3.compression.type") ?? "none") ?? .none
        partSize = parsed.int("s3.part.size")
        let sse = parsed.string("s3.ssea.name") ?? ""
        sseAlgorithm = sse.isEmpty ? nil : sse
        let kms = parsed.string("s3.sse.kms.key.id") ?? ""
        sseKMSKeyID = kms.isEmpty ? nil : kms
        objectTagging = parsed.bool("s3.object.tagging")
        nullBehavior = NullBehavior(rawValue: parsed.string("behavior.on.null.values") ?? "fail") ?? .fail
        storeKeys = parsed.bool("store.kafka.keys")
        storeHeaders = parsed.bool("store.kafka.headers")
        maxBufferedBytes = parsed.int("s3.max.buffered.bytes")
        retryBackoff = .milliseconds(parsed.int("s3.retry.backoff.ms"))
    }

    /// The object file extension, with `.gz` when compressed.
    var fileExtension: String { format.fileExtension + (compression == .gzip ? ".gz" : "") }
}
