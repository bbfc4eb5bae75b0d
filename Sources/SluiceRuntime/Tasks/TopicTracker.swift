import Synchronization

/// The topics a connector has produced to or consumed from (Kafka Connect's "active topics"),
/// shared by its tasks. Recording a topic already known is a lock and a set lookup.
public final class TopicTracker: Sendable {
    private let topics: Mutex<Set<String>>

    public init(_ topics: some Sequence<String> = []) { self.topics = Mutex(Set(topics)) }

    public func record(_ topic: String) { _ = topics.withLock { $0.insert(topic) } }

    public var sorted: [String] { topics.withLock { $0.sorted() } }

    public func reset() { topics.withLock { $0.removeAll() } }
}
