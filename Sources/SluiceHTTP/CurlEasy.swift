import CCurl
import Foundation
import SluiceSupport

/// One libcurl easy handle. Not thread-safe: `HTTPClient` gives each handle its own executor.
/// Reusing the handle keeps the connection alive between requests to the same host.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private static let globalInit: Void = { _ = curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    init() {
        _ = Self.globalInit
        guard let handle = curl_easy_init() else { fatalError("curl_easy_init failed (out of memory)") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// Performs `request` and returns the response. Blocking: call only from a `BlockingExecutor`.
    func perform(_ request: HTTPRequest, tls: TLSOptions, connectTimeout: Duration, timeout: Duration) throws(HTTPError)
        -> HTTPResponse
    {
        curl_easy_reset(handle)
        let sink = ResponseSink()
        let target = "\(request.method) \(Self.redacted(request.url))"
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        var headerList: UnsafeMutablePointer<curl_slist>? = nil
        defer { curl_slist_free_all(headerList) }
        var names = Set(request.headers.map { $0.name.lowercased() })
        var headers = request.headers
        // libcurl adds these on its own for bodies; Sluice sends exactly what it signed.
        for (name, value) in [("Expect", ""), ("Content-Type", ""), ("Accept", "")] where !names.contains(name.lowercased()) {
            headers.append((name, value))
            names.insert(name.lowercased())
        }
        for (name, value) in headers {
            headerList = curl_slist_append(headerList, value.isEmpty ? "\(name):" : "\(name): \(value)")
        }

        let code: CURLcode = request.body.withUnsafeBytes { bodyBytes in
            withExtendedLifetime(sink) {
                errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
                    let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
                    var setup = CURLE_OK
                    func set(_ result: CURLcode) { if setup == CURLE_OK { setup = result } }
                    set(sluice_curl_set_ptr(handle, CURLOPT_URL, request.url.absoluteString))
                    set(sluice_curl_set_ptr(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress))
                    set(sluice_curl_set_long(handle, CURLOPT_NOSIGNAL, 1))
                    set(sluice_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout.milliseconds)))
                    set(sluice_curl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout.milliseconds)))
                    set(sluice_curl_set_long(handle, CURLOPT_TCP_KEEPALIVE, 1))
                    set(sluice_curl_set_ptr(handle, CURLOPT_HTTPHEADER, headerList))
                    set(sluice_curl_set_write_cb(handle, curlWriteBody))
                    set(sluice_curl_set_ptr(handle, CURLOPT_WRITEDATA, sinkPointer))
                    set(sluice_curl_set_header_cb(handle, curlWriteHeader))
                    set(sluice_curl_set_ptr(handle, CURLOPT_HEADERDATA, sinkPointer))
                    if let caFile = tls.caFile { set(sluice_curl_set_ptr(handle, CURLOPT_CAINFO, caFile)) }
                    if tls.insecureSkipVerify {
                        set(sluice_curl_set_long(handle, CURLOPT_SSL_VERIFYPEER, 0))
                        set(sluice_curl_set_long(handle, CURLOPT_SSL_VERIFYHOST, 0))
                    }
                    switch request.method {
                    case "GET": set(sluice_curl_set_long(handle, CURLOPT_HTTPGET, 1))
                    case "HEAD": set(sluice_curl_set_long(handle, CURLOPT_NOBODY, 1))
                    default:
                        set(sluice_curl_set_ptr(handle, CURLOPT_CUSTOMREQUEST, request.method))
                        if !bodyBytes.isEmpty || request.method == "PUT" || request.method == "POST" {
                            set(sluice_curl_set_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bodyBytes.count)))
                            set(
                                sluice_curl_set_ptr(
                                    handle, CURLOPT_POSTFIELDS, bodyBytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1)))
                        }
                    }
                    guard setup == CURLE_OK else { return setup }
                    return curl_easy_perform(handle)
                }
            }
        }
        guard code == CURLE_OK else {
            let detail = errorBuffer.nulTerminatedString
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            throw HTTPError(code: Self.classify(code), curlCode: Int(code.rawValue), message: message, target: target)
        }
        var status = 0
        _ = sluice_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    private static func classify(_ code: CURLcode) -> HTTPError.Code {
        switch code {
        case CURLE_OPERATION_TIMEDOUT: .timeout
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
            CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL, CURLE_BAD_FUNCTION_ARGUMENT,
            CURLE_UNKNOWN_OPTION:
            .invalidRequest
        default: .network
        }
    }

    /// The URL without its query (which may hold a presigned signature or a secret).
    static func redacted(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "<url>" }
        components.query = nil
        components.user = nil
        components.password = nil
        return components.string ?? "<url>"
    }
}

/// Collects a response's header lines and body. Reset per request.
private final class ResponseSink {
    var body = Data()
    var headers: [String: String] = [:]
}

private let curlWriteBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    sink.body.append(UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
    return size * count
}

private let curlWriteHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    data, size, count, context in
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        sink.headers.removeAll()  // a new response (after a redirect or 100-continue)
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        sink.headers[name] = value
    }
    return size * count
}
