import CRdKafka
import Logging

/// The librdkafka library loaded at run time, and the version gate Sluice applies to it.
///
/// Debian bookworm ships librdkafka 2.0.2, which cannot parse ApiVersions v3 tagged fields and so
/// cannot talk to Tansu and other current brokers (DESIGN.md §4). Sluice refuses anything below
/// 2.1.0 at start instead of failing later with "Protocol read buffer underflow".
public enum Librdkafka {
    /// The lowest librdkafka Sluice runs with: 2.1.0.
    public static let minimumVersion: Int32 = 0x0201_00ff

    /// `rd_kafka_version()`: `0xMMmmrrxx`.
    public static var version: Int32 { rd_kafka_version() }

    /// `rd_kafka_version_str()`, e.g. `2.16.0`.
    public static var versionString: String { String(cString: rd_kafka_version_str()) }

    /// Whether `version` (as `rd_kafka_version()` encodes it) is at least `minimumVersion`.
    /// Pre-release builds of a version count as that version.
    public static func isSupported(_ version: Int32) -> Bool { (version >> 8) >= (minimumVersion >> 8) }

    /// Logs the loaded version and throws `.unsupportedVersion` with the fix when it is too old.
    public static func check(logger: Logger) throws(KafkaError) {
        logger.info("librdkafka loaded", metadata: ["version": "\(versionString)"])
        try check(version: version, versionString: versionString)
    }

    /// The version gate on its own (testable with any version).
    public static func check(version: Int32, versionString: String) throws(KafkaError) {
        guard isSupported(version) else {
            throw KafkaError(
                code: .unsupportedVersion,
                message: """
                    librdkafka \(versionString) is loaded, but Sluice needs 2.1.0 or newer (older versions cannot \
                    parse ApiVersions v3 responses from current brokers). Install librdkafka ≥ 2.3 from your \
                    distribution, or run scripts/install-deps and put .stack/lib first on LD_LIBRARY_PATH \
                    (scripts/lib/env.sh does this).
                    """)
        }
    }
}
