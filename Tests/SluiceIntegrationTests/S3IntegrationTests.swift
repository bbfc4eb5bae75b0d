import Foundation
import Logging
import SluiceHTTP
import Testing

extension Integration {
    @Suite("S3 client on SeaweedFS")
    struct S3Tests {
        let bucket = TestStack.testBucket

        func randomBytes(_ count: Int) -> Data {
            var generator = SystemRandomNumberGenerator()
            var data = Data(count: count)
            data.withUnsafeMutableBytes { raw in
                let words = raw.bindMemory(to: UInt64.self)
                for index in words.indices { words[index] = generator.next() }
            }
            return data
        }

        @Test("a 20 MB multipart upload reads back byte-identical")
        func multipartRoundTrip() async throws {
            let client = try TestStack.s3()
            let key = "it/\(TestStack.unique("multipart")).bin"
            let body = randomBytes(20 << 20)
            try await client.putObjectMultipart(bucket: bucket, key: key, body: body, partSize: 5 << 20)
            let read = try await client.getObject(bucket: bucket, key: key)
            #expect(read.count == body.count)
            #expect(read == body)
            #expect(try await client.headObject(bucket: bucket, key: key)?.size == body.count)
            try await client.deleteObject(bucket: bucket, key: key)
            #expect(try await client.headObject(bucket: bucket, key: key) == nil)
        }

        @Test("an aborted multipart upload leaves no object and no upload behind")
        func abortedMultipart() async throws {
            let client = try TestStack.s3()
            let key = "it/\(TestStack.unique("aborted")).bin"
            let uploadID = try await client.createMultipartUpload(bucket: bucket, key: key)
            _ = try await client.uploadPart(
                bucket: bucket, key: key, uploadID: uploadID, partNumber: 1, body: randomBytes(5 << 20))
            #expect(try await client.listMultipartUploads(bucket: bucket, prefix: key).map(\.uploadID).contains(uploadID))
            #expect(try await client.headObject(bucket: bucket, key: key) == nil, "nothing is visible before completion")
            try await client.abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
            #expect(try await client.headObject(bucket: bucket, key: key) == nil)
            #expect(try await client.listMultipartUploads(bucket: bucket, prefix: key).isEmpty)
        }

        @Test("conditional writes detect a concurrent writer")
        func conditionalWrites() async throws {
            let client = try TestStack.s3()
            let key = "it/\(TestStack.unique("conditional")).json"
            let etag = try await client.putObject(
                bucket: bucket, key: key, body: Data("v1".utf8), options: .init(ifNoneMatch: true))
            let second = await #expect(throws: S3Error.self) {
                try await client.putObject(bucket: bucket, key: key, body: Data("v2".utf8), options: .init(ifNoneMatch: true))
            }
            #expect(second?.kind == .preconditionFailed)
            let etag2 = try await client.putObject(bucket: bucket, key: key, body: Data("v2".utf8), options: .init(ifMatch: etag))
            let stale = await #expect(throws: S3Error.self) {
                try await client.putObject(bucket: bucket, key: key, body: Data("v3".utf8), options: .init(ifMatch: etag))
            }
            #expect(stale?.kind == .preconditionFailed)
            #expect(etag2 != etag)
            #expect(try await client.getObject(bucket: bucket, key: key) == Data("v2".utf8))
        }

        @Test("listing pages through continuation tokens in key order; object tags and SSE headers are accepted")
        func listing() async throws {
            let client = try TestStack.s3()
            let prefix = "it/\(TestStack.unique("list"))/"
            for index in 0..<5 {
                try await client.putObject(
                    bucket: bucket, key: "\(prefix)\(index).txt", body: Data("\(index)".utf8),
                    options: .init(contentType: "text/plain", tags: [("start", "\(index)"), ("count", "1")]))
            }
            let first = try await client.listObjects(bucket: bucket, prefix: prefix, maxKeys: 2)
            #expect(first.objects.map(\.key) == ["\(prefix)0.txt", "\(prefix)1.txt"])
            #expect(first.nextContinuationToken != nil)
            let all = try await client.listAllObjects(bucket: bucket, prefix: prefix)
            #expect(all.map(\.key) == (0..<5).map { "\(prefix)\($0).txt" })
        }

        @Test("bucket tagging round-trips; GetBucketLocation reports none on SeaweedFS")
        func bucketTagsAndLocation() async throws {
            let client = try TestStack.s3()
            let before = try await client.getBucketTagging(bucket: bucket)
            try await client.putBucketTagging(bucket: bucket, tags: ["residency": "eu", "owner": "sluice-tests"])
            #expect(try await client.getBucketTagging(bucket: bucket) == ["residency": "eu", "owner": "sluice-tests"])
            try await client.putBucketTagging(bucket: bucket, tags: before.isEmpty ? ["residency": "eu"] : before)
            #expect(try await client.getBucketLocation(bucket: bucket) == nil)
        }

        @Test("a wrong secret is a typed authentication error that does not echo the secret")
        func wrongSecret() async throws {
            let client = try TestStack.s3(secret: "wrong-secret-value-123")
            let error = await #expect(throws: S3Error.self) { try await client.getObject(bucket: bucket, key: "anything") }
            #expect(error?.kind == .authentication)
            #expect(error?.status == 403)
            #expect(error?.requestID?.isEmpty == false)
            #expect(error.map { "\($0)".contains("wrong-secret-value-123") } == false)
        }

        /// (SeaweedFS creates a missing bucket on PUT for an admin identity, so this reads.)
        @Test("a missing bucket is a typed NoSuchBucket error")
        func missingBucket() async throws {
            let client = try TestStack.s3()
            let error = await #expect(throws: S3Error.self) {
                try await client.listObjects(bucket: "no-such-bucket-\(UInt16.random(in: 0...9999))")
            }
            #expect(error?.kind == .noSuchBucket)
            #expect(error?.code == "NoSuchBucket")
        }

        @Test("the JSON client talks to a real JSON endpoint and reports non-2xx answers")
        func jsonClient() async throws {
            struct ClusterStatus: Decodable, Sendable {
                let IsLeader: Bool?
                let Leader: String?
            }
            let port = TestStack.environment["SLUICE_WEED_MASTER_PORT"] ?? "9333"
            let client = JSONHTTPClient(logger: TestStack.logger("json"))
            let status = try await client.send(
                "GET", url: URL(string: "http://127.0.0.1:\(port)/cluster/status")!, as: ClusterStatus.self)
            #expect(status.IsLeader == true)
            await #expect(throws: JSONHTTPClient.ResponseError.self) {
                _ = try await client.sendRaw("GET", url: URL(string: "http://127.0.0.1:\(port)/no/such/endpoint")!)
            }
        }
    }
}
