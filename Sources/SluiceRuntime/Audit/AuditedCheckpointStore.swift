import SluiceConnectSDK

/// Counts every successful commit into the audit trail's per-task summaries
/// (`checkpoint.committed` events), then passes everything through.
public struct AuditedCheckpointStore: CheckpointStore {
    let inner: any CheckpointStore
    let audit: AuditLog

    public init(inner: any CheckpointStore, audit: AuditLog) {
        self.inner = inner
        self.audit = audit
    }

    public var location: CheckpointLocation { inner.location }

    /// The location name a connector's checkpoints go to (through a routing store, if any).
    public func location(for connector: String) async -> String {
        if let router = inner as? RoutingCheckpointStore { return await router.store(for: connector).location.name }
        return inner.location.name
    }

    public func offsets(connector: String) async throws -> [JSONObject: JSONObject] {
        try await inner.offsets(connector: connector)
    }

    public func commit(connector: String, offsets: [(partition: JSONObject, offset: JSONObject?)], provenance: CommitProvenance)
        async throws
    {
        try await inner.commit(connector: connector, offsets: offsets, provenance: provenance)
        await audit.checkpointCommitted(connector: connector, task: provenance.taskID, partitions: offsets.count)
    }

    public func history(connector: String) async throws -> [CheckpointEntry] { try await inner.history(connector: connector) }

    public func importEntries(connector: String, entries: [CheckpointEntry]) async throws {
        try await inner.importEntries(connector: connector, entries: entries)
    }
}
