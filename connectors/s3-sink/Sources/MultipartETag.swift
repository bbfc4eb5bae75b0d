import Crypto
import Foundation
import SluiceHTTP

/// The ETag S3 gives a completed multipart object: MD5 of the concatenated part MD5s, `-N`.
enum MultipartETag {
    static func of(_ parts: [S3CompletedPart]) -> String {
        var digests = Data()
        for part in parts.sorted(by: { $0.partNumber < $1.partNumber }) {
            let hex = part.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            var bytes = [UInt8]()
            var index = hex.startIndex
            while index < hex.endIndex, let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) {
                bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
                index = next
            }
            digests.append(contentsOf: bytes)
        }
        let digest = Insecure.MD5.hash(data: digests).map { String(format: "%02x", $0) }.joined()
        return "\(digest)-\(parts.count)"
    }
}
