import CZlib
import Foundation
import SluiceConnectSDK
import SluiceHTTP
import Testing

@testable import SluiceS3SinkConnector

@Suite("S3 sink without a store")
struct S3SinkUnitTests {
    let base = ["s3.bucket.name": "b", "store.url": "http://127.0.0.1:8333"]

    func config(_ extra: [String: String]) throws -> S3SinkConfig {
        try S3SinkConfig(base.merging(extra) { _, new in new })
    }

    func record(partition: Int32 = 3, offset: Int64 = 7, timestamp: Int64? = 1_711_848_600_123, value: ConnectValue) -> SinkRecord
    {
        SinkRecord(topic: "orders", kafkaPartition: partition, kafkaOffset: offset, value: value, timestamp: timestamp)
    }

    @Test("records are followed by a newline in JSON lines and by format.bytearray.separator in raw bytes")
    func recordSeparator() throws {
        #expect(try config([:]).recordSeparator == [0x0A])
        #expect(try config(["format.bytearray.separator": "|"]).recordSeparator == [0x0A])
        let bytes = ["format.class": "io.confluent.connect.s3.format.bytearray.ByteArrayFormat"]
        #expect(try config(bytes).recordSeparator == [0x0A])
        #expect(try config(bytes.merging(["format.bytearray.separator": "\r\n"]) { $1 }).recordSeparator == [0x0D, 0x0A])
    }

    @Test("configuration errors name the key and the fix")
    func configErrors() throws {
        let missing = #expect(throws: ConfigException.self) { try S3SinkConfig([:]) }
        #expect(missing?.problems.contains { $0.key == "s3.bucket.name" } == true)
        let url = #expect(throws: ConfigException.self) { try config(["store.url": "not a url"]) }
        #expect(url?.problems.first?.key == "store.url")
        let half = #expect(throws: ConfigException.self) { try config(["aws.access.key.id": "AKID"]) }
        #expect(half?.problems.first?.key == "aws.secret.access.key")
        let part = #expect(throws: ConfigException.self) { try config(["s3.part.size": "1000"]) }
        #expect(part?.problems.first?.key == "s3.part.size")
        let field = #expect(throws: ConfigException.self) { try config(["partitioner.class": "FieldPartitioner"]) }
        #expect(field?.problems.first?.key == "partition.field.name")
        let zone = #expect(throws: ConfigException.self) {
            try config(["partitioner.class": "TimeBasedPartitioner", "timezone": "Mars/Olympus"])
        }
        #expect(zone?.problems.first?.key == "timezone")
        let parsed = try config(["s3.compression.type": "gzip", "rotate.interval.ms": "60000"])
        #expect(parsed.fileExtension == "json.gz")
        #expect(parsed.rotateInterval == 60000)
        #expect(parsed.rotateScheduleInterval == nil)
        #expect(parsed.topicsDir == "topics")
    }

    @Test("object names follow <topics.dir>/<encodedPartition>/<topic>+<partition>+<offset:010>")
    func naming() {
        #expect(S3SinkTask.padded(42) == "0000000042")
        #expect(S3SinkTask.padded(12_345_678_901) == "12345678901")
        #expect(S3SinkTask.isOurObjectName("topics/partition=0/orders+0+0000000000.json"))
        #expect(!S3SinkTask.isOurObjectName("topics/partition=0/notes.txt"))
    }

    @Test("default and field partitioners")
    func partitioners() throws {
        #expect(try config([:]).partitioner.encode(record(value: .string("x")), now: 0) == "partition=3")
        let schema = Schema.struct([("region", .string), ("tier", .int32)])
        let value = ConnectValue.struct(ConnectStruct(schema: schema, ["region": .string("eu"), "tier": .int32(2)]))
        let field = try config(["partitioner.class": "FieldPartitioner", "partition.field.name": "region,tier"]).partitioner
        #expect(try field.encode(record(value: value), now: 0) == "region=eu/tier=2")
        #expect(
            try field.encode(record(value: .stringMap([("region", .string("us")), ("tier", .int64(1))])), now: 0)
                == "region=us/tier=1")
        #expect(throws: DataException.self) { try field.encode(record(value: .stringMap([("region", .string("us"))])), now: 0) }
    }

    @Test("time-based partitioner: buckets in the configured zone, record or field time")
    func timeBased() throws {
        let hourly = try config([
            "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
            "partition.duration.ms": "3600000",
            "path.format": "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", "timezone": "UTC",
        ]).partitioner
        // 2024-03-31T01:30:00.123Z
        #expect(try hourly.encode(record(value: .null), now: 0) == "year=2024/month=03/day=31/hour=01")
        let berlin = try config([
            "partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "3600000", "path.format": "YYYY-MM-dd/HH",
            "timezone": "Europe/Berlin",
        ]).partitioner
        #expect(try berlin.encode(record(value: .null), now: 0) == "2024-03-31/03", "CEST starts at 01:00 UTC that day")
        let byField = try config([
            "partitioner.class": "TimeBasedPartitioner", "partition.duration.ms": "86400000", "path.format": "'dt'=YYYY-MM-dd",
            "timestamp.extractor": "RecordField", "timestamp.field": "created_at",
        ]).partitioner
        #expect(
            try byField.encode(record(timestamp: nil, value: .stringMap([("created_at", .int64(0))])), now: 0) == "dt=1970-01-01")
        #expect(throws: DataException.self) { try hourly.encode(record(timestamp: nil, value: .null), now: 0) }
        #expect(throws: ConfigException.self) { try JodaPattern("YYYY/ww", key: "path.format") }
    }

    @Test("the rotation timer closes an ended window on quiet, or when read to the end an interval later; never earlier")
    func rotationTimer() {
        let interval: Int64 = 10_000
        let end: Int64 = 1_000_000
        func decide(now: Int64, lastArrival: Int64) -> RotationTimer.Decision {
            RotationTimer.decide(now: now, windowEnd: end, interval: interval, lastArrival: lastArrival)
        }
        // The window has not ended: nothing closes it, however quiet or old.
        #expect(decide(now: end - 1, lastArrival: .min) == .wait)
        #expect(decide(now: end - 1, lastArrival: 0) == .wait)
        // Ended and quiet for a whole interval (or no record arrived at all): closed.
        #expect(decide(now: end, lastArrival: end - interval) == .close)
        #expect(decide(now: end + 5, lastArrival: .min) == .close)
        // Ended, records still arriving, less than an interval past its end: wait.
        #expect(decide(now: end + interval - 1, lastArrival: end + interval - 500) == .wait)
        // An interval past its end: close if the partition is read to the end...
        #expect(decide(now: end + interval, lastArrival: end + interval - 500) == .closeIfReadToEnd)
        // ...but not while a record arrived within the last moments (still being read).
        #expect(decide(now: end + interval, lastArrival: end + interval - 50) == .wait)
    }

    @Test("gzip output is a valid gzip stream of the input")
    func gzipRoundTrip() throws {
        let stream = GzipStream()
        var output = ObjectBytes(pool: RegionPool(maxIdle: 1), expectedSize: 100)
        let input = Array((0..<5000).map { "line \($0)\n" }.joined().utf8)
        stream.compress(Array(input[..<20000]), into: &output)
        stream.compress(Array(input[20000...]), into: &output)
        stream.finish(into: &output)
        let compressed = output.data
        #expect(Array(compressed.prefix(2)) == [0x1f, 0x8b])
        #expect(compressed.count < input.count / 4)
        #expect(try inflate(Array(compressed)) == input)
    }

    @Test("object bytes: a body handed out never changes, and memory is reused object after object")
    func objectBytes() {
        let pool = RegionPool(maxIdle: 2)
        let mib = 1 << 20
        var bytes = ObjectBytes(pool: pool, expectedSize: 2 * mib)
        let record = [UInt8](repeating: 7, count: 1000)
        for _ in 0..<3000 { bytes.append(record) }  // outgrows 2 MiB: moves to 4 MiB, the 2 MiB go idle
        #expect(pool.idleBytes == 2 * mib)
        let body = bytes.data
        #expect(body.count == 3_000_000 && body.allSatisfy { $0 == 7 })
        // Appending while the body is alive copies first (into a new 4 MiB): the body keeps its bytes.
        bytes.append([1, 2, 3])
        #expect(body.count == 3_000_000 && body.last == 7)
        #expect(bytes.count == 3_000_003 && bytes.data.suffix(3) == Data([1, 2, 3]))
        let regions = [body.withUnsafeBytes { $0.baseAddress }, bytes.data.withUnsafeBytes { $0.baseAddress }]
        bytes.removeAll()  // the copy goes idle
        #expect(pool.idleBytes == 6 * mib)
        _ = consume body  // the pool holds two already: the body's 4 MiB replace the 2 MiB outgrown
        #expect(pool.idleBytes == 8 * mib)
        // The next object of that size reuses an idle 4 MiB region.
        var next = ObjectBytes(pool: pool, expectedSize: 3_000_000)
        next.append(record)
        #expect(regions.contains(next.data.withUnsafeBytes { $0.baseAddress }))
        #expect(pool.idleBytes == 4 * mib)
        // A small object does not take a large region, and small regions are not kept.
        var small = ObjectBytes(pool: pool, expectedSize: 4096)
        small.append(record)
        #expect(pool.idleBytes == 4 * mib)
        small.removeAll()
        #expect(pool.idleBytes == 4 * mib)
        next.removeAll()
        #expect(pool.idleBytes == 8 * mib)
    }

    @Test("a new file reserves a little more than the partition's files held last time, within 64 KiB and one part")
    func fileReserve() {
        let part = 25 << 20
        #expect(S3SinkTask.reserve(forFilesOf: nil, partSize: part) == 64 << 10)
        #expect(S3SinkTask.reserve(forFilesOf: 0, partSize: part) == 64 << 10)
        #expect(S3SinkTask.reserve(forFilesOf: 8 << 20, partSize: part) == 9 << 20)
        #expect(S3SinkTask.reserve(forFilesOf: 40 << 20, partSize: part) == part)
    }

    @Test("multipart ETag is MD5 of the part MD5s with the part count")
    func multipartETag() {
        let parts = [
            S3CompletedPart(partNumber: 2, etag: "\"92eb5ffee6ae2fec3ad71c777531578f\""),
            S3CompletedPart(partNumber: 1, etag: "\"0cc175b9c0f1b6a831c399e269772661\""),
        ]
        #expect(MultipartETag.of(parts) == "96e024ba2074fe77e8e965ba43a704be-2")
    }

    /// Inflates a gzip stream (zlib, windowBits 31).
    func inflate(_ data: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        #expect(inflateInit2_(&stream, 31, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK)
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var input = data
        var chunk = [UInt8](repeating: 0, count: 65536)
        var status: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            while status == Z_OK {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { buffer in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = UInt32(buffer.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                output += chunk[0..<produced]
            }
        }
        #expect(status == Z_STREAM_END)
        return output
    }
}
