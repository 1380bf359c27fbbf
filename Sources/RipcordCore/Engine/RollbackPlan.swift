/// One firing of one alert: what identifies it across deliveries.
public struct TriggerKey: Sendable, Hashable {
    /// The alert's fingerprint (its label set).
    public var fingerprint: String
    /// When this firing started.
    public var startsAt: Timestamp

    /// Creates a key.
    public init(fingerprint: String, startsAt: Timestamp) {
        self.fingerprint = fingerprint
        self.startsAt = startsAt
    }
}

/// A firing alert attached to a rollback.
public struct RollbackTrigger: Sendable, Hashable {
    public var key: TriggerKey
    public var alertname: String
    public var deliveryID: Int64

    /// Creates a trigger.
    public init(key: TriggerKey, alertname: String, deliveryID: Int64) {
        self.key = key
        self.alertname = alertname
        self.deliveryID = deliveryID
    }
}

/// Status of a rollback job.
public enum RollbackStatus: String, Sendable, Codable, CaseIterable {
    case pending, running, verifying, succeeded, failed, cancelled, interrupted

    /// Whether the job is over.
    public var isFinal: Bool {
        switch self {
        case .succeeded, .failed, .cancelled: return true
        default: return false
        }
    }
}

/// A rollback that exists already, as the planner needs to see it.
public struct ExistingRollback: Sendable, Hashable {
    public var id: Int64
    public var deploymentID: Int64
    public var policy: String
    public var status: RollbackStatus
    /// Its triggers and whether each still fires: all of them, or (when the store loads only what
    /// a delivery needs) those whose alerts are in the delivery.
    public var triggers: [TriggerKey: AlertStatus]
    /// Firing triggers it has besides those in `triggers` (0 when `triggers` holds them all).
    public var otherFiringTriggers: Int

    /// Creates a view of a rollback.
    public init(id: Int64, deploymentID: Int64, policy: String, status: RollbackStatus, triggers: [TriggerKey: AlertStatus],
                otherFiringTriggers: Int = 0) {
        self.id = id
        self.deploymentID = deploymentID
        self.policy = policy
        self.status = status
        self.triggers = triggers
        self.otherFiringTriggers = otherFiringTriggers
    }
}

/// The circuit breaker's state at planning time.
public struct CircuitState: Sendable, Hashable {
    /// When it opened, if it is open now.
    public var openedAt: Timestamp?
    /// Why it opened.
    public var reason: String
    /// Rollbacks created within the window (since the last reset).
    public var rollbacksInWindow: Int

    /// Creates a state.
    public init(openedAt: Timestamp? = nil, reason: String = "", rollbacksInWindow: Int = 0) {
        self.openedAt = openedAt
        self.reason = reason
        self.rollbacksInWindow = rollbacksInWindow
    }
}

/// Everything the planner reads, taken in the same transaction that applies its plan.
public struct PlanningSnapshot: Sendable {
    /// Deployments in their soak window: `active` ones, and ones being or already rolled back
    /// (alerts for those join their rollback).
    public var activeDeployments: [Deployment] {
        didSet { (byService, byID) = PlanningSnapshot.index(activeDeployments) }
    }
    /// Positions in `activeDeployments` by service and by id, so planning an alert does not scan
    /// every soaking deployment (an alert storm brings thousands of alerts for hundreds of them).
    public private(set) var byService: [String: [Int]]
    public private(set) var byID: [Int64: Int]
    /// Rollbacks of those deployments, and every unfinished rollback, by id.
    public var rollbacks: [Int64: ExistingRollback]
    /// The latest (not cancelled) rollback of each service, for cooldowns.
    public var lastRollbackAt: [String: Timestamp]
    /// The circuit breaker.
    public var circuit: CircuitState

    /// Creates a snapshot.
    public init(activeDeployments: [Deployment], rollbacks: [Int64: ExistingRollback],
                lastRollbackAt: [String: Timestamp], circuit: CircuitState) {
        self.activeDeployments = activeDeployments
        (byService, byID) = PlanningSnapshot.index(activeDeployments)
        self.rollbacks = rollbacks
        self.lastRollbackAt = lastRollbackAt
        self.circuit = circuit
    }

    static func index(_ deployments: [Deployment]) -> ([String: [Int]], [Int64: Int]) {
        var byService: [String: [Int]] = [:]
        var byID: [Int64: Int] = [:]
        for (position, deployment) in deployments.enumerated() {
            byService[deployment.service, default: []].append(position)
            byID[deployment.id] = position
        }
        return (byService, byID)
    }

    /// The soaking deployment with this id.
    public func deployment(id: Int64) -> Deployment? {
        byID[id].map { activeDeployments[$0] }
    }
}

/// A rollback the planner wants created.
public struct NewRollback: Sendable, Hashable {
    public var deployment: Deployment
    public var policy: String
    public var actions: [String]
    public var notBefore: Timestamp
    public var triggers: [RollbackTrigger]
}

/// Refers to a rollback in a plan: one that exists, or the n-th new one.
public enum RollbackReference: Sendable, Hashable {
    case existing(Int64)
    case new(Int)
}

/// What the planner decided for one delivery, to be applied in one transaction.
public struct RollbackPlan: Sendable {
    /// One decision per alert, in delivery order; `rollback` refers to the rollback it concerns.
    public var decisions: [(decision: Decision, rollback: RollbackReference?)] = []
    public var newRollbacks: [NewRollback] = []
    /// Triggers to add to existing rollbacks.
    public var attachments: [(rollbackID: Int64, trigger: RollbackTrigger)] = []
    /// Triggers of existing rollbacks that resolved.
    public var resolutions: [(rollbackID: Int64, key: TriggerKey)] = []
    /// Pending rollbacks to cancel, with the reason.
    public var cancellations: [(rollbackID: Int64, reason: String)] = []
    /// Set when this plan opened the circuit breaker: the reason.
    public var circuitOpened: String?
}
