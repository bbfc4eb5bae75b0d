/// Kafka Connect's connector and task states, as the status API reports them.
public enum LifecycleState: String, Sendable, Codable, CaseIterable {
    case unassigned = "UNASSIGNED"
    case running = "RUNNING"
    case paused = "PAUSED"
    case stopped = "STOPPED"
    case failed = "FAILED"
    case restarting = "RESTARTING"
}

/// The lifecycle of one connector or task as a value-type state machine: events in, a new state
/// and the actions to perform out. No I/O here; the runners perform the actions.
public struct LifecycleStateMachine: Sendable, Equatable {
    public enum Event: Sendable, Equatable {
        /// The runtime asks the unit to start (or start again after a restart).
        case start
        /// The unit finished starting.
        case started
        case pause
        case resume
        /// The runtime asks the unit to stop (target state STOPPED).
        case stop
        /// The unit failed with this trace.
        case fail(String)
        /// A manual or automatic restart.
        case restart
    }

    public enum Action: Sendable, Equatable {
        case startUnit
        case pauseUnit
        case resumeUnit
        case stopUnit
        /// Schedule an automatic restart (tasks only, when enabled).
        case scheduleRestart
        case reportFailure(String)
    }

    /// An event that makes no sense in the current state.
    public struct InvalidTransition: Error, Sendable, Equatable, CustomStringConvertible {
        public var from: LifecycleState
        public var event: Event
        public var description: String { "cannot \(event) while \(from.rawValue)" }
    }

    public private(set) var state: LifecycleState = .unassigned
    /// The failure trace while FAILED.
    public private(set) var trace: String?
    /// Whether FAILED schedules an automatic restart.
    public var restartOnFailure: Bool

    public init(restartOnFailure: Bool = false) { self.restartOnFailure = restartOnFailure }

    public mutating func handle(_ event: Event) throws(InvalidTransition) -> [Action] {
        switch (state, event) {
        case (.unassigned, .start), (.restarting, .start), (.stopped, .start):
            state = .unassigned
            trace = nil
            return [.startUnit]
        case (.unassigned, .started):
            state = .running
            return []
        case (.running, .pause):
            state = .paused
            return [.pauseUnit]
        case (.paused, .resume):
            state = .running
            return [.resumeUnit]
        case (.paused, .pause), (.running, .resume):
            return []
        case (.stopped, .resume):
            state = .unassigned
            return [.startUnit]
        case (.unassigned, .stop), (.running, .stop), (.paused, .stop), (.failed, .stop), (.restarting, .stop):
            state = .stopped
            return [.stopUnit]
        case (.stopped, .stop):
            return []
        case (.unassigned, .fail(let reason)), (.running, .fail(let reason)), (.paused, .fail(let reason)):
            state = .failed
            trace = reason
            return restartOnFailure ? [.reportFailure(reason), .scheduleRestart] : [.reportFailure(reason)]
        case (.failed, .restart), (.running, .restart), (.paused, .restart), (.unassigned, .restart):
            state = .restarting
            return [.stopUnit, .startUnit]
        default:
            throw InvalidTransition(from: state, event: event)
        }
    }
}
