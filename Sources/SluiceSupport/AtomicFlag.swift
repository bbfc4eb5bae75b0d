import Synchronization

/// A shareable boolean (a reference around `Atomic<Bool>`, which cannot be copied into closures).
public final class AtomicFlag: Sendable {
    private let value: Atomic<Bool>

    public init(_ initial: Bool) { value = Atomic(initial) }

    public func load() -> Bool { value.load(ordering: .acquiring) }
    public func store(_ newValue: Bool) { value.store(newValue, ordering: .releasing) }

    /// Sets the flag to `newValue` and returns what it was.
    @discardableResult
    public func exchange(_ newValue: Bool) -> Bool { value.exchange(newValue, ordering: .acquiringAndReleasing) }
}
