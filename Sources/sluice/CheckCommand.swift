import ArgumentParser
import Foundation
import Logging
import SluiceHTTP
import SluiceKafka
import SluicePostgres

/// `sluice check`: connects to a Kafka cluster, a Postgres server and an S3 store and reports
/// what each says about itself — the first thing to run against a new environment.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check that Kafka, Postgres and S3 endpoints answer and report what they say about themselves.",
        discussion: "Defaults come from the SLUICE_* variables that scripts/lib/env.sh exports for the local stack."
    )

    @Option(help: "Kafka bootstrap servers.")
    var kafka = ProcessInfo.processInfo.environment["SLUICE_KAFKA_BOOTSTRAP"] ?? "127.0.0.1:9092"

    @Option(help: "Postgres host.")
    var pgHost = ProcessInfo.processInfo.environment["SLUICE_PG_HOST"] ?? "127.0.0.1"
    @Option(help: "Postgres port.")
    var pgPort = Int(ProcessInfo.processInfo.environment["SLUICE_PG_PORT"] ?? "") ?? 5432
    @Option(help: "Postgres user.")
    var pgUser = ProcessInfo.processInfo.environment["SLUICE_PG_USER"] ?? "postgres"
    @Option(help: "Postgres database.")
    var pgDatabase = ProcessInfo.processInfo.environment["SLUICE_PG_DATABASE"] ?? "postgres"
    @Option(help: "Environment variable holding the Postgres password (never pass secrets as arguments).")
    var pgPasswordEnv = "SLUICE_PG_PASSWORD"

    @Option(help: "S3 endpoint URL.")
    var s3Endpoint = ProcessInfo.processInfo.environment["SLUICE_S3_ENDPOINT"] ?? "http://127.0.0.1:8333"
    @Option(help: "S3 region.")
    var s3Region = ProcessInfo.processInfo.environment["SLUICE_S3_REGION"] ?? "us-east-1"
    @Option(help: "S3 bucket to check.")
    var s3Bucket = "sluice-data"
    @Option(help: "Environment variables holding the S3 access key id and secret, comma-separated.")
    var s3CredentialsEnv = "SLUICE_S3_ACCESS_KEY,SLUICE_S3_SECRET_KEY"

    @Option(help: "Seconds to wait for each endpoint.")
    var timeout = 10

    func run() async throws {
        var logger = Logger(label: "sluice.check")
        logger.logLevel = .warning
        let environment = ProcessInfo.processInfo.environment
        var failures = 0
        func report(_ name: String, _ outcome: Result<String, any Error>) {
            switch outcome {
            case .success(let text): print("ok    \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(text)")
            case .failure(let error):
                failures += 1
                print("FAIL  \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(error)")
            }
        }
        let wait = Duration.seconds(timeout)

        report(
            "librdkafka",
            Result {
                try Librdkafka.check(logger: logger)
                return Librdkafka.versionString
            })
        do {
            let admin = try await KafkaAdmin(configuration: .init(bootstrapServers: kafka), logger: logger, connectTimeout: wait)
            let cluster = try await admin.clusterID(timeout: wait)
            report("kafka", .success("\(kafka) cluster id \(cluster)"))
        } catch { report("kafka", .failure(error)) }

        do {
            let configuration = PostgresConfiguration(
                host: pgHost, port: pgPort, user: pgUser, password: environment[pgPasswordEnv], database: pgDatabase,
                connectTimeout: wait)
            let connection = try await PostgresConnection.connect(configuration, logger: logger)
            let level = try await connection.query("select current_setting('wal_level') as level").value(0, "level") ?? "?"
            report("postgres", .success("\(configuration) server \(connection.serverVersion) wal_level=\(level)"))
        } catch { report("postgres", .failure(error)) }

        do {
            let names = s3CredentialsEnv.split(separator: ",").map(String.init)
            guard names.count == 2, let key = environment[names[0]], let secret = environment[names[1]] else {
                throw ValidationError("set \(s3CredentialsEnv) (access key id and secret) in the environment")
            }
            guard let endpoint = URL(string: s3Endpoint) else {
                throw ValidationError("--s3-endpoint is not a URL: \(s3Endpoint)")
            }
            let client = S3Client(
                configuration: .init(
                    endpoint: endpoint, region: s3Region, credentials: .init(accessKeyID: key, secretAccessKey: secret),
                    http: .init(requestTimeout: wait, retry: .never)),
                logger: logger)
            let location = try await client.getBucketLocation(bucket: s3Bucket)
            report("s3", .success("\(s3Endpoint) bucket \(s3Bucket) location \(location ?? "(not reported)")"))
        } catch { report("s3", .failure(error)) }

        if failures > 0 { throw ExitCode(1) }
    }
}
