import Dispatch

/// Runs blocking C calls (libpq, librdkafka, libcurl) on a dedicated serial dispatch queue, never
/// on Swift's cooperative thread pool (DESIGN.md §6).
///
/// Every C handle that blocks owns one executor, so calls on that handle are serialised — which is
/// also what libpq and libcurl easy handles require (one thread at a time per handle).
public final class BlockingExecutor: Sendable {
    private let queue: DispatchQueue

    /// - Parameter label: shows up in thread names and crash reports, e.g. `sluice.pg.replication`.
    public init(label: String) {
        self.queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    /// Runs `body` on the executor's queue and resumes the caller with its result.
    public func run<T: Sendable, E: Error>(
        _ body: @escaping @Sendable () throws(E) -> T
    ) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    /// Runs `body` on the queue and waits for it on the calling thread. Only for `deinit` and
    /// shutdown paths that are already off the cooperative pool or must not suspend.
    public func runSync<T>(_ body: () throws -> T) rethrows -> T {
        try queue.sync(execute: body)
    }
}
