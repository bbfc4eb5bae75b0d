import Foundation
import Logging
import SluiceSupport
import Synchronization

/// An HTTP/1.1 client on libcurl. Each of its `connections` owns one curl handle (keep-alive) and
/// one blocking executor, so up to `connections` requests run at once and none blocks Swift's
/// cooperative pool.
public final class HTTPClient: Sendable {
    /// Client-wide settings.
    public struct Configuration: Sendable {
        /// How many requests may run at once (one curl handle each).
        public var connections: Int
        public var connectTimeout: Duration
        /// Whole-request time-out, body included.
        public var requestTimeout: Duration
        public var tls: TLSOptions
        public var retry: RetryPolicy

        public init(
            connections: Int = 4, connectTimeout: Duration = .seconds(5), requestTimeout: Duration = .seconds(120),
            tls: TLSOptions = .init(), retry: RetryPolicy = .init()
        ) {
            self.connections = max(1, connections)
            self.connectTimeout = connectTimeout
            self.requestTimeout = requestTimeout
            self.tls = tls
            self.retry = retry
        }
    }

    private final class Connection: @unchecked Sendable {
        // Only touched on `executor`.
        let easy = CurlEasy()
        let executor: BlockingExecutor
        init(label: String) { executor = BlockingExecutor(label: label) }
    }

    private struct Pool {
        var idle: [Connection]
        var waiters: [CheckedContinuation<Connection, Never>] = []
    }

    public let configuration: Configuration
    private let logger: Logger
    private let pool: Mutex<Pool>

    public init(configuration: Configuration = .init(), logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.pool = Mutex(Pool(idle: (0..<configuration.connections).map { Connection(label: "sluice.http.\($0)") }))
    }

    /// Sends `request` once per attempt, retrying network errors, 5xx and 429 per `retry`
    /// (default: the client's policy). `prepare` runs before every attempt — signers use it to
    /// stamp a fresh date. Returns the last response, whatever its status.
    public func send(
        _ request: HTTPRequest, retry: RetryPolicy? = nil,
        prepare: @Sendable (inout HTTPRequest) throws -> Void = { _ in }
    ) async throws -> HTTPResponse {
        let policy = retry ?? configuration.retry
        let clock = ContinuousClock()
        let start = clock.now
        var attempt = 0
        while true {
            var attemptRequest = request
            try prepare(&attemptRequest)
            let outcome: Result<HTTPResponse, HTTPError>
            do {
                outcome = .success(try await sendOnce(attemptRequest))
            } catch {
                outcome = .failure(error)
            }
            attempt += 1
            let retryable: Bool =
                switch outcome {
                case .success(let response): RetryPolicy.isRetryable(status: response.status)
                case .failure(let error): error.isRetryable
                }
            let delay = policy.backoff.delay(attempt: attempt - 1)
            guard retryable, attempt < policy.maxAttempts, clock.now - start + delay < policy.deadline else {
                return try outcome.get()
            }
            logger.debug(
                "retrying HTTP request",
                metadata: [
                    "target": "\(request.method) \(CurlEasy.redacted(request.url))", "attempt": "\(attempt)",
                    "reason": "\(describe(outcome))", "delay_ms": "\(delay.milliseconds)",
                ])
            try await Task.sleep(for: delay)
        }
    }

    /// One attempt, no retries.
    public func sendOnce(_ request: HTTPRequest) async throws(HTTPError) -> HTTPResponse {
        let connection = await checkout()
        defer { checkin(connection) }
        let configuration = self.configuration
        return try await connection.executor.run { () throws(HTTPError) -> HTTPResponse in
            try connection.easy.perform(
                request, tls: configuration.tls, connectTimeout: configuration.connectTimeout,
                timeout: configuration.requestTimeout)
        }
    }

    private func checkout() async -> Connection {
        if let connection = pool.withLock({ $0.idle.popLast() }) { return connection }
        return await withCheckedContinuation { continuation in
            let ready: Connection? = pool.withLock { pool in
                if let connection = pool.idle.popLast() { return connection }
                pool.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func checkin(_ connection: Connection) {
        let waiter: CheckedContinuation<Connection, Never>? = pool.withLock { pool in
            if pool.waiters.isEmpty {
                pool.idle.append(connection)
                return nil
            }
            return pool.waiters.removeFirst()
        }
        waiter?.resume(returning: connection)
    }

    private func describe(_ outcome: Result<HTTPResponse, HTTPError>) -> String {
        switch outcome {
        case .success(let response): "status \(response.status)"
        case .failure(let error): error.description
        }
    }
}
