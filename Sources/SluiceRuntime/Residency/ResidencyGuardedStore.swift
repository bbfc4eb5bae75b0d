import Logging
import SluiceConnectSDK

/// A residency decision that refused an action; the message names the class, location, region
/// found, allowed regions and levels (or why the location could not be checked).
public struct ResidencyViolation: Error, Sendable, CustomStringConvertible {
    public var decision: ResidencyDecision
    public var action: String
    public var description: String {
        "residency \(decision.result == .unverifiable ? "check failed" : "violation"): refusing \(action): \(decision)"
    }
}

/// Wraps a location's checkpoint store so nothing is read at task start or committed unless the
/// location currently proves its region (DESIGN.md §2, enforcement points "task start" and "every
/// checkpoint commit").
///
/// The location is re-verified when its last verification is older than `ttl`; the decision is
/// evaluated against the policy (when there is one) per connector. A location that stops
/// verifying, contradicts its claim or breaks an `enforce` policy makes the call throw
/// `ResidencyViolation`, which fails the task with the reason. In `warn` mode a policy violation is
/// logged and the commit goes ahead; a location that cannot be verified at all is refused in both
/// modes. Every decision is one structured log line with its evidence (`residency decision`).
public actor ResidencyGuardedStore: CheckpointStore {
    public nonisolated let location: CheckpointLocation
    public nonisolated let inner: any CheckpointStore
    public nonisolated let model: Location
    public nonisolated let stateClass: StateClass
    let policy: ResidencyPolicy?
    let ttl: Duration
    let verify: @Sendable (Location) async -> LocationEvidence
    let logger: Logger
    /// Told of every decision that is logged (fresh verifications and failures): the audit trail.
    let onDecision: (@Sendable (ResidencyDecision, String, Bool) async -> Void)?
    private var evidence: (LocationEvidence, ContinuousClock.Instant)?

    public init(
        inner: any CheckpointStore, location: Location, stateClass: StateClass, policy: ResidencyPolicy?, ttl: Duration,
        logger: Logger, verify: @escaping @Sendable (Location) async -> LocationEvidence,
        onDecision: (@Sendable (ResidencyDecision, String, Bool) async -> Void)? = nil
    ) {
        self.inner = inner
        self.location = inner.location
        self.model = location
        self.stateClass = stateClass
        self.policy = policy
        self.ttl = ttl
        self.logger = logger
        self.verify = verify
        self.onDecision = onDecision
    }

    /// The evidence the last decision used (for status and evidence reports).
    public var lastEvidence: LocationEvidence? { evidence?.0 }

    /// Verifies (within the TTL) and decides; throws when `action` must not happen.
    @discardableResult
    public func check(connector: String, action: String) async throws -> ResidencyDecision {
        let now = ContinuousClock.now
        let current: LocationEvidence
        var fresh = false
        if let (cached, at) = evidence, now - at < ttl {
            current = cached
        } else {
            current = await verify(model)
            evidence = (current, now)
            fresh = true
        }
        let decision =
            policy.map { ResidencyEvaluator(policy: $0).decide(connector: connector, stateClass: stateClass, evidence: current) }
            ?? Self.withoutPolicy(connector: connector, stateClass: stateClass, evidence: current)
        let enforced = decision.result == .unverifiable || (decision.result == .violation && policy?.mode != .warn)
        if fresh || !decision.passed {
            var metadata = current.logMetadata.mapValues { Logger.MetadataValue.string($0) }
            metadata["connector"] = .string(connector)
            metadata["state_class"] = .string(stateClass.rawValue)
            metadata["action"] = .string(action)
            metadata["result"] = .string(decision.result.rawValue)
            metadata["allowed_regions"] = .string(decision.allowedRegions.joined(separator: ","))
            metadata["level_required"] = .string(decision.levelRequired.rawValue)
            metadata["enforced"] = .string(String(enforced && !decision.passed))
            if let reason = decision.reason { metadata["reason"] = .string(reason) }
            logger.log(level: decision.passed ? .info : (enforced ? .error : .warning), "residency decision", metadata: metadata)
            await onDecision?(decision, action, enforced && !decision.passed)
        }
        if !decision.passed && enforced {
            evidence = nil  // check again next time instead of trusting a failure for a whole TTL
            throw ResidencyViolation(decision: decision, action: action)
        }
        return decision
    }

    /// Without a policy only the verification itself must hold (no contradiction, checkable).
    static func withoutPolicy(connector: String, stateClass: StateClass, evidence: LocationEvidence) -> ResidencyDecision {
        let region = evidence.observedRegion ?? evidence.claimedRegion
        var decision = ResidencyDecision(
            connector: connector, stateClass: stateClass, evidence: evidence, regionFound: region,
            allowedRegions: region.map { [$0] } ?? [], levelFound: evidence.level, levelRequired: .declared, result: .pass)
        switch evidence.outcome {
        case .ok: break
        case .mismatch:
            decision.result = .violation
            decision.reason =
                "state class \(stateClass.rawValue) at location \(evidence.location): \(evidence.error ?? evidence.method)"
        case .unverifiable:
            decision.result = .unverifiable
            decision.reason =
                "state class \(stateClass.rawValue) at location \(evidence.location) could not be checked: "
                + (evidence.error ?? evidence.method)
        }
        return decision
    }

    public func offsets(connector: String) async throws -> [JSONObject: JSONObject] {
        try await check(connector: connector, action: "reading offsets at task start")
        return try await inner.offsets(connector: connector)
    }

    public func commit(connector: String, offsets: [(partition: JSONObject, offset: JSONObject?)], provenance: CommitProvenance)
        async throws
    {
        guard !offsets.isEmpty else { return }
        try await check(connector: connector, action: "committing \(offsets.count) offsets to \(model.name)")
        try await inner.commit(connector: connector, offsets: offsets, provenance: provenance)
    }

    public func history(connector: String) async throws -> [CheckpointEntry] {
        try await inner.history(connector: connector)
    }

    public func importEntries(connector: String, entries: [CheckpointEntry]) async throws {
        try await check(connector: connector, action: "importing \(entries.count) checkpoint entries into \(model.name)")
        try await inner.importEntries(connector: connector, entries: entries)
    }
}

/// Routes each connector to the store of its checkpoint location (source offsets or sink
/// checkpoints, per connector overrides), falling back to a default store. The herder keeps
/// talking to one `CheckpointStore`.
public actor RoutingCheckpointStore: CheckpointStore {
    public nonisolated let location: CheckpointLocation
    let fallback: any CheckpointStore
    private var routes: [String: any CheckpointStore] = [:]

    public init(fallback: any CheckpointStore) {
        self.fallback = fallback
        self.location = CheckpointLocation(name: "per-connector (default \(fallback.location.name))", kind: "routing")
    }

    /// Sends `connector`'s checkpoints to `store` from now on.
    public func route(connector: String, to store: any CheckpointStore) { routes[connector] = store }

    /// The store `connector` uses.
    public func store(for connector: String) -> any CheckpointStore { routes[connector] ?? fallback }

    public func offsets(connector: String) async throws -> [JSONObject: JSONObject] {
        try await store(for: connector).offsets(connector: connector)
    }

    public func commit(connector: String, offsets: [(partition: JSONObject, offset: JSONObject?)], provenance: CommitProvenance)
        async throws
    {
        try await store(for: connector).commit(connector: connector, offsets: offsets, provenance: provenance)
    }

    public func history(connector: String) async throws -> [CheckpointEntry] {
        try await store(for: connector).history(connector: connector)
    }

    public func importEntries(connector: String, entries: [CheckpointEntry]) async throws {
        try await store(for: connector).importEntries(connector: connector, entries: entries)
    }
}
