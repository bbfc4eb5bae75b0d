import CCurl
import CLibPQ
import Foundation
import SluiceKafka
import SluiceSupport

/// Versions of Sluice and the C client libraries loaded at run time.
struct VersionReport {
    var lines: [(String, String)]

    static func make() -> VersionReport {
        let curl = curl_version().map { String(cString: $0) } ?? "unknown"
        let pq = PQlibVersion()
        return VersionReport(lines: [
            ("sluice", SluiceVersion.current),
            (
                "librdkafka",
                Librdkafka.versionString + (Librdkafka.isSupported(Librdkafka.version) ? "" : " (too old: need ≥ 2.1)")
            ),
            ("libpq", "\(pq / 10000).\(pq % 10000)"),
            ("libcurl", curl),
        ])
    }

    var rendered: String {
        lines.map { "\($0.0.padding(toLength: 11, withPad: " ", startingAt: 0)) \($0.1)" }.joined(separator: "\n")
    }
}
