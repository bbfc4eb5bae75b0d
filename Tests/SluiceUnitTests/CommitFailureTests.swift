import SluiceConnectSDK
import SluiceKafka
import Testing

@testable import SluiceRuntime

@Suite("Periodic offset commits that fail")
struct CommitFailureTests {
    @Test("an unreachable store or a retriable sink error waits for the next interval; conflicts and other errors fail")
    func transientOrNot() {
        #expect(CommitFailure.isTransient(CheckpointStoreError.unavailable(location: "s3-eu", "writing failed: network")))
        #expect(!CommitFailure.isTransient(CheckpointStoreError(location: "s3-eu", "another writer committed sequence 7 first")))
        #expect(CommitFailure.isTransient(RetriableException("S3 unavailable")))
        #expect(!CommitFailure.isTransient(ConnectException("object exists with different content")))
        #expect(CommitFailure.isTransient(KafkaError(code: .transport, message: "all brokers down")))
        #expect(CommitFailure.isTransient(KafkaError(code: .fatal, message: "producer fenced")))
        #expect(!CommitFailure.isTransient(KafkaError(code: .authorization, message: "denied")))
    }

    @Test("failures lasting longer than errors.retry.timeout fail the task; a success starts the window again")
    func deferralWindow() async throws {
        var lenient = CommitDeferral(limit: .seconds(3600))
        for _ in 0..<3 { try lenient.failed(RetriableException("down")) }

        var strict = CommitDeferral(limit: .milliseconds(20))
        try strict.failed(RetriableException("down"))  // the first failure opens the window
        try await Task.sleep(for: .milliseconds(40))
        #expect(throws: RetriableException.self) { try strict.failed(RetriableException("still down")) }
        strict.succeeded()
        try strict.failed(RetriableException("down again"))  // a new window
    }
}
