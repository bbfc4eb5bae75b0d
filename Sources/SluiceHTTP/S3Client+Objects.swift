import Crypto
import Foundation

/// Server-side encryption for new objects.
public enum ServerSideEncryption: Sendable, Equatable {
    /// SSE-S3 (`AES256`).
    case s3
    /// SSE-KMS with an optional key id (the bucket default when `nil`).
    case kms(keyID: String?)

    var headers: [(name: String, value: String)] {
        switch self {
        case .s3: [("x-amz-server-side-encryption", "AES256")]
        case .kms(let keyID):
            [("x-amz-server-side-encryption", "aws:kms")]
                + (keyID.map { [("x-amz-server-side-encryption-aws-kms-key-id", $0)] } ?? [])
        }
    }
}

/// Options for writing an object (single PUT or multipart create).
public struct PutOptions: Sendable {
    public var contentType: String?
    /// Write only if no object exists under the key (`If-None-Match: *`).
    public var ifNoneMatch: Bool
    /// Write only if the current object has this ETag (`If-Match`).
    public var ifMatch: String?
    public var encryption: ServerSideEncryption?
    /// Object tags (`x-amz-tagging`).
    public var tags: [(String, String)]

    public init(
        contentType: String? = nil, ifNoneMatch: Bool = false, ifMatch: String? = nil,
        encryption: ServerSideEncryption? = nil, tags: [(String, String)] = []
    ) {
        self.contentType = contentType
        self.ifNoneMatch = ifNoneMatch
        self.ifMatch = ifMatch
        self.encryption = encryption
        self.tags = tags
    }

    var headers: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if let contentType { headers.append(("Content-Type", contentType)) }
        if ifNoneMatch { headers.append(("If-None-Match", "*")) }
        if let ifMatch { headers.append(("If-Match", ifMatch)) }
        headers += encryption?.headers ?? []
        if !tags.isEmpty {
            headers.append(
                (
                    "x-amz-tagging",
                    tags.map { SigV4Signer.uriEncode($0.0) + "=" + SigV4Signer.uriEncode($0.1) }.joined(separator: "&")
                ))
        }
        return headers
    }
}

/// What S3 says about a stored object.
public struct S3Object: Sendable, Equatable {
    public var key: String
    public var size: Int
    public var etag: String
    public var lastModified: String?
}

/// One page of `ListObjectsV2`.
public struct S3ListPage: Sendable {
    public var objects: [S3Object]
    /// Pass to the next call; `nil` on the last page.
    public var nextContinuationToken: String?
}

extension S3Client {
    /// Uploads `body` under `key` in one PUT. Returns the new ETag.
    @discardableResult
    public func putObject(bucket: String, key: String, body: Data, options: PutOptions = .init()) async throws(S3Error)
        -> String
    {
        let response = try await perform(
            "PUT", bucket: bucket, key: key, headers: options.headers, body: body, operation: "PutObject")
        return response.header("etag") ?? ""
    }

    /// Downloads the object under `key`.
    public func getObject(bucket: String, key: String) async throws(S3Error) -> Data {
        try await perform("GET", bucket: bucket, key: key, operation: "GetObject").body
    }

    /// The object's size and ETag, or `nil` when there is none.
    public func headObject(bucket: String, key: String) async throws(S3Error) -> S3Object? {
        let response = try await perform("HEAD", bucket: bucket, key: key, accept: [404], operation: "HeadObject")
        guard response.status != 404 else { return nil }
        return S3Object(
            key: key, size: Int(response.header("content-length") ?? "") ?? 0, etag: response.header("etag") ?? "",
            lastModified: response.header("last-modified"))
    }

    /// Deletes `key` (no error when it does not exist).
    public func deleteObject(bucket: String, key: String) async throws(S3Error) {
        _ = try await perform("DELETE", bucket: bucket, key: key, accept: [404], operation: "DeleteObject")
    }

    /// One page of keys under `prefix`, in key order.
    public func listObjects(bucket: String, prefix: String = "", continuationToken: String? = nil, maxKeys: Int = 1000)
        async throws(S3Error) -> S3ListPage
    {
        var query: [(String, String?)] = [("list-type", "2"), ("max-keys", String(maxKeys)), ("prefix", prefix)]
        if let continuationToken { query.append(("continuation-token", continuationToken)) }
        let response = try await perform("GET", bucket: bucket, query: query, operation: "ListObjectsV2")
        let root = try parseXML(response, operation: "ListObjectsV2 \(bucket)")
        let objects = root.all("Contents").map {
            S3Object(
                key: $0.value("Key") ?? "", size: Int($0.value("Size") ?? "") ?? 0, etag: $0.value("ETag") ?? "",
                lastModified: $0.value("LastModified"))
        }
        let truncated = root.value("IsTruncated") == "true"
        return S3ListPage(objects: objects, nextContinuationToken: truncated ? root.value("NextContinuationToken") : nil)
    }

    /// Every key under `prefix`, following continuation tokens.
    public func listAllObjects(bucket: String, prefix: String = "") async throws(S3Error) -> [S3Object] {
        var all: [S3Object] = []
        var token: String? = nil
        repeat {
            let page = try await listObjects(bucket: bucket, prefix: prefix, continuationToken: token)
            all += page.objects
            token = page.nextContinuationToken
        } while token != nil
        return all
    }

    // MARK: Buckets

    /// The bucket's `LocationConstraint`. `nil` when the store reports none (SeaweedFS and other
    /// local stores; on AWS an empty constraint means `us-east-1`, which callers must not assume
    /// for other stores).
    public func getBucketLocation(bucket: String) async throws(S3Error) -> String? {
        let response = try await perform("GET", bucket: bucket, query: [("location", nil)], operation: "GetBucketLocation")
        let root = try parseXML(response, operation: "GetBucketLocation \(bucket)")
        let text = root.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// The bucket's tags (empty when it has none).
    public func getBucketTagging(bucket: String) async throws(S3Error) -> [String: String] {
        let response = try await perform(
            "GET", bucket: bucket, query: [("tagging", nil)], accept: [404], operation: "GetBucketTagging")
        if response.status == 404 {
            let error = S3Error.from(response: response, operation: "GetBucketTagging \(bucket)")
            if error.kind == .noSuchBucket { throw error }
            return [:]
        }
        let root = try parseXML(response, operation: "GetBucketTagging \(bucket)")
        var tags: [String: String] = [:]
        for tag in root.child("TagSet")?.all("Tag") ?? [] {
            if let key = tag.value("Key") { tags[key] = tag.value("Value") ?? "" }
        }
        return tags
    }

    /// Replaces the bucket's tags.
    public func putBucketTagging(bucket: String, tags: [String: String]) async throws(S3Error) {
        let body = Data(
            ("<Tagging><TagSet>"
                + tags.sorted { $0.key < $1.key }.map {
                    "<Tag><Key>\(xmlEscape($0.key))</Key><Value>\(xmlEscape($0.value))</Value></Tag>"
                }
                .joined() + "</TagSet></Tagging>").utf8)
        let md5 = Data(Insecure.MD5.hash(data: body)).base64EncodedString()
        _ = try await perform(
            "PUT", bucket: bucket, query: [("tagging", nil)],
            headers: [("Content-MD5", md5), ("Content-Type", "application/xml")],
            body: body, operation: "PutBucketTagging")
    }
}

extension S3Client {
    /// Creates a bucket (in `region` when given: `CreateBucketConfiguration/LocationConstraint`).
    /// An existing bucket owned by the caller is not an error.
    public func createBucket(bucket: String, region: String? = nil) async throws(S3Error) {
        let body =
            region.map {
                Data(
                    ("<CreateBucketConfiguration><LocationConstraint>\(xmlEscape($0))</LocationConstraint>"
                        + "</CreateBucketConfiguration>").utf8)
            } ?? Data()
        _ = try await perform("PUT", bucket: bucket, body: body, accept: [409], operation: "CreateBucket")
    }

    /// Deletes an empty bucket (no error when it does not exist).
    public func deleteBucket(bucket: String) async throws(S3Error) {
        _ = try await perform("DELETE", bucket: bucket, accept: [404], operation: "DeleteBucket")
    }
}
