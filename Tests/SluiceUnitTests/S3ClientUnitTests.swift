import Foundation
import Logging
import SluiceHTTP
import Testing

@Suite("S3 client without a server")
struct S3ClientUnitTests {
    func client(pathStyle: Bool, endpoint: String = "http://127.0.0.1:8333") -> S3Client {
        S3Client(
            configuration: .init(
                endpoint: URL(string: endpoint)!, region: "eu-central-1",
                credentials: .init(accessKeyID: "a", secretAccessKey: "b"),
                pathStyle: pathStyle),
            logger: Logger(label: "test"))
    }

    @Test("path-style and virtual-hosted addressing")
    func addressing() {
        #expect(
            client(pathStyle: true).url(bucket: "data", key: "topics/t+0+0000000000.json").absoluteString
                == "http://127.0.0.1:8333/data/topics/t%2B0%2B0000000000.json")
        #expect(
            client(pathStyle: false, endpoint: "https://s3.eu-central-1.amazonaws.com").url(bucket: "data", key: "a b")
                .absoluteString
                == "https://data.s3.eu-central-1.amazonaws.com/a%20b")
        #expect(
            client(pathStyle: true).url(bucket: "data", query: [("location", nil)]).absoluteString
                == "http://127.0.0.1:8333/data?location=")
    }

    @Test("XML parsing of a ListObjectsV2 answer")
    func listParsing() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated><NextContinuationToken>tok</NextContinuationToken>
            <Contents><Key>a/1</Key><Size>10</Size><ETag>"e1"</ETag></Contents>
            <Contents><Key>a/2</Key><Size>20</Size><ETag>"e2"</ETag></Contents></ListBucketResult>
            """
        let root = try #require(XMLNode.parse(Data(xml.utf8)))
        #expect(root.all("Contents").map { $0.value("Key") } == ["a/1", "a/2"])
        #expect(root.value("NextContinuationToken") == "tok")
        #expect(XMLNode.parse(Data("not xml <".utf8)) == nil)
    }

    @Test("an unreachable endpoint is a typed network error, not a hang")
    func unreachable() async throws {
        let client = S3Client(
            configuration: .init(
                endpoint: URL(string: "http://127.0.0.1:9")!, region: "eu-central-1",
                credentials: .init(accessKeyID: "a", secretAccessKey: "b"),
                http: .init(connectTimeout: .seconds(2), retry: .never)),
            logger: Logger(label: "test"))
        let error = await #expect(throws: S3Error.self) { try await client.headObject(bucket: "b", key: "k") }
        #expect(error?.kind == .network)
    }
}
