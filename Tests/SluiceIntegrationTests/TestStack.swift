import Foundation
import Glibc
import Logging
import SluiceHTTP
import SluiceKafka
import SluicePostgres
import Testing

/// The local stack as `scripts/lib/env.sh` describes it. Integration tests never skip: a missing
/// variable or service is a failure that says how to start the stack.
enum TestStack {
    static let environment = ProcessInfo.processInfo.environment

    static func value(_ name: String) throws -> String {
        guard let value = environment[name], !value.isEmpty else {
            throw StackError(
                "\(name) is not set: run the tests through scripts/test (it starts the local stack and exports SLUICE_*)")
        }
        return value
    }

    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = .notice
        return logger
    }

    /// Client settings for the local broker (producers and admin clients).
    static func kafka() throws -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: try value("SLUICE_KAFKA_BOOTSTRAP"))
    }

    /// Consumer settings. Tansu holds a rebalance open until every member rejoins or the
    /// rebalance timeout (`max.poll.interval.ms`) passes, so tests use short group timeouts to
    /// keep rebalances to seconds.
    static func kafkaConsumer() throws -> KafkaConfiguration {
        KafkaConfiguration(
            bootstrapServers: try value("SLUICE_KAFKA_BOOTSTRAP"),
            settings: ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "max.poll.interval.ms": "10000"])
    }

    static func postgres(password: String? = nil) throws -> PostgresConfiguration {
        PostgresConfiguration(
            host: try value("SLUICE_PG_HOST"), port: Int(try value("SLUICE_PG_PORT"))!, user: try value("SLUICE_PG_USER"),
            password: try password ?? value("SLUICE_PG_PASSWORD"), database: try value("SLUICE_PG_DATABASE"), sslMode: .disable,
            connectTimeout: .seconds(5))
    }

    static func s3(secret: String? = nil) throws -> S3Client {
        S3Client(
            configuration: .init(
                endpoint: URL(string: try value("SLUICE_S3_ENDPOINT"))!, region: try value("SLUICE_S3_REGION"),
                credentials: .init(
                    accessKeyID: try value("SLUICE_S3_ACCESS_KEY"), secretAccessKey: try secret ?? value("SLUICE_S3_SECRET_KEY")),
                http: .init(
                    connectTimeout: .seconds(3), requestTimeout: .seconds(60),
                    retry: .init(maxAttempts: 3, deadline: .seconds(10)))),
            logger: logger("s3"))
    }

    static let testBucket = "sluice-test"

    /// A name unique to this test run, safe for topics, tables, slots and keys.
    static func unique(_ prefix: String) -> String {
        "\(prefix)_\(UInt32.random(in: 0...UInt32.max))"
    }

    /// Runs a script from `scripts/` (e.g. to restart one service) and fails on a non-zero exit.
    static func script(_ name: String, _ arguments: String...) async throws {
        let status = try await ChildProcess.spawn(root.appendingPathComponent("scripts/\(name)").path, arguments).wait()
        guard status == 0 else {
            throw StackError("scripts/\(name) \(arguments.joined(separator: " ")) failed (wait status \(status))")
        }
    }

    /// Polls `condition` until it holds or `timeout` passes.
    static func eventually(
        timeout: Duration = .seconds(20), _ what: String, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw StackError("timed out after \(timeout) waiting for: \(what)")
    }
}

struct StackError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Integration tests share one broker, database and store; some restart a service, so they run
/// one at a time.
@Suite("Integration (local stack)", .serialized)
struct Integration {}
