import Foundation
import SluiceHTTP
import Testing

@Suite("SigV4 signing")
struct SigV4SignerTests {
    @Test("AWS test suite: get-vanilla")
    func getVanilla() {
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "service")
        var request = HTTPRequest(method: "GET", url: URL(string: "https://example.amazonaws.com/")!)
        signer.sign(&request, date: Date(timeIntervalSince1970: 1_440_938_160))
        #expect(request.header("x-amz-date") == "20150830T123600Z")
        #expect(
            request.header("Authorization")
                == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        )
        #expect(request.header("x-amz-content-sha256") == nil, "only S3 gets the payload-hash header")
    }

    @Test("S3 documentation example: GET object with Range")
    func s3GetObject() {
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            region: "us-east-1", service: "s3")
        var request = HTTPRequest(
            method: "GET", url: URL(string: "https://examplebucket.s3.amazonaws.com/test.txt")!, headers: [("Range", "bytes=0-9")]
        )
        signer.sign(&request, date: Date(timeIntervalSince1970: 1_369_353_600))
        #expect(
            request.header("Authorization")
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
        #expect(request.header("x-amz-content-sha256") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("query parameters are sorted and valueless ones get '='; the port is part of host")
    func canonicalQueryAndPort() {
        let signer = SigV4Signer(
            credentials: .init(accessKeyID: "a", secretAccessKey: "b"), region: "eu-central-1", service: "s3")
        let request = HTTPRequest(
            method: "GET", url: URL(string: "http://127.0.0.1:8333/bucket?uploads=&prefix=a%2Fb&list-type=2")!)
        let (canonical, signed) = signer.canonicalRequest(request, payloadHash: "UNSIGNED-PAYLOAD")
        let lines = canonical.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "/bucket")
        #expect(lines[2] == "list-type=2&prefix=a%2Fb&uploads=")
        #expect(lines[3] == "host:127.0.0.1:8333")
        #expect(signed == "host")
    }

    @Test("URI encoding keeps unreserved characters and escapes the rest")
    func uriEncoding() {
        #expect(SigV4Signer.uriEncode("a b/c~d_e.f-g") == "a%20b%2Fc~d_e.f-g")
        #expect(SigV4Signer.uriEncode("topics/x+0+00001.json", keepSlash: true) == "topics/x%2B0%2B00001.json")
        #expect(SigV4Signer.uriEncode("é") == "%C3%A9")
    }

    @Test("credentials never print their secret")
    func credentialsRedacted() {
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "super-secret-value", sessionToken: "token-value")
        #expect(!"\(credentials)".contains("super-secret-value"))
        #expect(!String(reflecting: credentials).contains("super-secret-value"))
        #expect(!"\(credentials)".contains("token-value"))
    }
}
