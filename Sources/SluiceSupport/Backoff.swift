/// Capped exponential backoff with full jitter ("exponential backoff and jitter"): the n-th delay
/// is uniform in `[0, min(cap, base · 2ⁿ)]`, never below `floor`.
public struct Backoff: Sendable, Equatable {
    /// The first delay's upper bound.
    public var base: Duration
    /// No delay is ever longer than this.
    public var cap: Duration
    /// No delay is ever shorter than this (avoids hot loops when jitter draws ~0).
    public var floor: Duration

    public init(
        base: Duration = .milliseconds(100), cap: Duration = .seconds(10),
        floor: Duration = .milliseconds(10)
    ) {
        self.base = base
        self.cap = cap
        self.floor = floor
    }

    /// The upper bound of the delay before retry number `attempt` (0-based), without jitter.
    public func ceiling(attempt: Int) -> Duration {
        let shift = min(max(attempt, 0), 30)
        let grown = base * (1 << shift)
        return grown > cap ? cap : grown
    }

    /// A jittered delay for retry number `attempt` (0-based).
    public func delay<G: RandomNumberGenerator>(attempt: Int, using generator: inout G) -> Duration {
        let upper = ceiling(attempt: attempt)
        let nanos = upper.nanoseconds
        let drawn = nanos > 0 ? Int64.random(in: 0...nanos, using: &generator) : 0
        let candidate = Duration.nanoseconds(drawn)
        return candidate < floor ? floor : candidate
    }

    /// A jittered delay using the system random number generator.
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at `Int64.max`.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return product &+ attoseconds / 1_000_000_000
    }

    /// Whole milliseconds, for C APIs that take `int` timeouts.
    public var milliseconds: Int64 { nanoseconds / 1_000_000 }
}
