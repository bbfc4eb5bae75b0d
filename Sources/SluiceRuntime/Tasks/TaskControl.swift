import SluiceConnectSDK
import Synchronization

/// Shared switches between the herder and a running task loop: the target state and a pending
/// commit request. Task loops read them between batches.
public final class TaskControl: Sendable {
    public enum Target: Sendable { case running, paused, stopping }

    private struct State {
        var target: Target = .running
        var commitRequested = false
    }

    private let state = Mutex(State())

    public init() {}

    public var target: Target { state.withLock { $0.target } }
    public func set(_ target: Target) { state.withLock { $0.target = target } }

    public func requestCommit() { state.withLock { $0.commitRequested = true } }

    /// Returns and clears the commit request.
    public func takeCommitRequest() -> Bool {
        state.withLock { state in
            defer { state.commitRequested = false }
            return state.commitRequested
        }
    }
}

/// Task identity: connector name and task number (`connector-0`).
public struct TaskID: Sendable, Hashable, CustomStringConvertible {
    public var connector: String
    public var task: Int

    public init(connector: String, task: Int) {
        self.connector = connector
        self.task = task
    }

    public var description: String { "\(connector)-\(task)" }
}

/// Reads the connector's committed source offsets from its checkpoint store.
struct StoreOffsetReader: OffsetStorageReader {
    let store: any CheckpointStore
    let connector: String

    func offset(for partition: JSONObject) async throws -> JSONObject? {
        try await store.offsets(connector: connector)[partition]
    }
}

struct RuntimeSourceTaskContext: SourceTaskContext {
    let id: TaskID
    let control: TaskControl
    let offsetStorageReader: any OffsetStorageReader
    let errantRecordReporter: (any ErrantRecordReporter)?

    var connectorName: String { id.connector }
    var taskID: Int { id.task }
    func requestCommit() { control.requestCommit() }
}
