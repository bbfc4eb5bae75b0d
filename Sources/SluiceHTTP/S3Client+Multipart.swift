import Foundation

/// An in-progress multipart upload, as `ListMultipartUploads` reports it.
public struct S3MultipartUpload: Sendable, Equatable {
    public var key: String
    public var uploadID: String
    public var initiated: String?
}

/// A part already uploaded: its number (1-based) and ETag, as `CompleteMultipartUpload` needs.
public struct S3CompletedPart: Sendable, Equatable {
    public var partNumber: Int
    public var etag: String

    public init(partNumber: Int, etag: String) {
        self.partNumber = partNumber
        self.etag = etag
    }
}

extension S3Client {
    /// Starts a multipart upload; nothing is visible under `key` until it completes.
    public func createMultipartUpload(bucket: String, key: String, options: PutOptions = .init()) async throws(S3Error)
        -> String
    {
        var headers = options.headers
        headers.removeAll { $0.name == "If-None-Match" || $0.name == "If-Match" }  // conditions apply at completion
        let response = try await perform(
            "POST", bucket: bucket, key: key, query: [("uploads", nil)], headers: headers, operation: "CreateMultipartUpload")
        let root = try parseXML(response, operation: "CreateMultipartUpload \(bucket)/\(key)")
        guard let uploadID = root.value("UploadId"), !uploadID.isEmpty else {
            throw S3Error(
                kind: .invalidResponse, code: "MissingUploadId", message: "no UploadId in response", status: response.status,
                operation: "CreateMultipartUpload \(bucket)/\(key)")
        }
        return uploadID
    }

    /// Uploads part `partNumber` (1…10000). Every part but the last must be at least 5 MiB.
    public func uploadPart(bucket: String, key: String, uploadID: String, partNumber: Int, body: Data) async throws(S3Error)
        -> S3CompletedPart
    {
        let response = try await perform(
            "PUT", bucket: bucket, key: key, query: [("partNumber", String(partNumber)), ("uploadId", uploadID)], body: body,
            operation: "UploadPart")
        return S3CompletedPart(partNumber: partNumber, etag: response.header("etag") ?? "")
    }

    /// Completes the upload: the object appears under `key` whole, or not at all.
    /// - Parameter ifNoneMatch: fail with `.preconditionFailed` if an object already exists.
    @discardableResult
    public func completeMultipartUpload(
        bucket: String, key: String, uploadID: String, parts: [S3CompletedPart], ifNoneMatch: Bool = false
    ) async throws(S3Error) -> String {
        let body = Data(
            ("<CompleteMultipartUpload>"
                + parts.sorted { $0.partNumber < $1.partNumber }.map {
                    "<Part><PartNumber>\($0.partNumber)</PartNumber><ETag>\(xmlEscape($0.etag))</ETag></Part>"
                }.joined() + "</CompleteMultipartUpload>").utf8)
        var headers: [(name: String, value: String)] = [("Content-Type", "application/xml")]
        if ifNoneMatch { headers.append(("If-None-Match", "*")) }
        let response = try await perform(
            "POST", bucket: bucket, key: key, query: [("uploadId", uploadID)], headers: headers, body: body,
            operation: "CompleteMultipartUpload")
        return (try? parseXML(response, operation: "CompleteMultipartUpload"))?.value("ETag") ?? response.header("etag") ?? ""
    }

    /// Aborts the upload and frees its parts (no error when it is already gone).
    public func abortMultipartUpload(bucket: String, key: String, uploadID: String) async throws(S3Error) {
        _ = try await perform(
            "DELETE", bucket: bucket, key: key, query: [("uploadId", uploadID)], accept: [404], operation: "AbortMultipartUpload")
    }

    /// Uploads in progress under `prefix` (all pages).
    public func listMultipartUploads(bucket: String, prefix: String = "") async throws(S3Error) -> [S3MultipartUpload] {
        var uploads: [S3MultipartUpload] = []
        var keyMarker: String? = nil
        var uploadMarker: String? = nil
        while true {
            var query: [(String, String?)] = [("prefix", prefix), ("uploads", nil)]
            if let keyMarker { query.append(("key-marker", keyMarker)) }
            if let uploadMarker { query.append(("upload-id-marker", uploadMarker)) }
            let response = try await perform("GET", bucket: bucket, query: query, operation: "ListMultipartUploads")
            let root = try parseXML(response, operation: "ListMultipartUploads \(bucket)")
            uploads += root.all("Upload").map {
                S3MultipartUpload(
                    key: $0.value("Key") ?? "", uploadID: $0.value("UploadId") ?? "", initiated: $0.value("Initiated"))
            }
            guard root.value("IsTruncated") == "true" else { return uploads }
            keyMarker = root.value("NextKeyMarker")
            uploadMarker = root.value("NextUploadIdMarker")
            if keyMarker == nil && uploadMarker == nil { return uploads }
        }
    }

    /// Uploads `body` as a multipart upload in parts of `partSize` bytes; aborts the upload if any
    /// step fails, so no partial object and no orphaned parts remain.
    @discardableResult
    public func putObjectMultipart(
        bucket: String, key: String, body: Data, partSize: Int = 8 << 20, options: PutOptions = .init()
    ) async throws(S3Error) -> String {
        let uploadID = try await createMultipartUpload(bucket: bucket, key: key, options: options)
        do {
            var parts: [S3CompletedPart] = []
            var offset = body.startIndex
            var number = 1
            repeat {
                let end = min(offset + max(partSize, 5 << 20), body.endIndex)
                parts.append(
                    try await uploadPart(
                        bucket: bucket, key: key, uploadID: uploadID, partNumber: number, body: body[offset..<end]))
                offset = end
                number += 1
            } while offset < body.endIndex
            return try await completeMultipartUpload(
                bucket: bucket, key: key, uploadID: uploadID, parts: parts, ifNoneMatch: options.ifNoneMatch)
        } catch {
            try? await abortMultipartUpload(bucket: bucket, key: key, uploadID: uploadID)
            throw error
        }
    }
}
