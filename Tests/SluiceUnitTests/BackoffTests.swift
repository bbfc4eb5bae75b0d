import SluiceSupport
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test("ceilings double and stop at the cap")
    func ceilings() {
        let backoff = Backoff(base: .milliseconds(100), cap: .seconds(1), floor: .milliseconds(10))
        #expect(backoff.ceiling(attempt: 0) == .milliseconds(100))
        #expect(backoff.ceiling(attempt: 2) == .milliseconds(400))
        #expect(backoff.ceiling(attempt: 10) == .seconds(1))
        #expect(backoff.ceiling(attempt: 10_000) == .seconds(1))
    }

    @Test("jittered delays stay within [floor, ceiling]")
    func jitter() {
        let backoff = Backoff(base: .milliseconds(100), cap: .seconds(1), floor: .milliseconds(10))
        var seen = Set<Int64>()
        for attempt in 0..<200 {
            let delay = backoff.delay(attempt: attempt % 5)
            #expect(delay >= .milliseconds(10) && delay <= backoff.ceiling(attempt: attempt % 5))
            seen.insert(delay.nanoseconds)
        }
        #expect(seen.count > 50, "delays are jittered")
    }
}
