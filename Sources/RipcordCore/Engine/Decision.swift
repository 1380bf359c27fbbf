/// What the planner concluded for one alert of one delivery.
public enum DecisionOutcome: String, Sendable, Codable, CaseIterable {
    /// A rollback of the matched deployment was planned.
    case matched
    /// The deployment already has a rollback; the alert joined it as a further trigger.
    case duplicate
    /// A policy's matchers fit, but no deployment in its soak window matched.
    case noActiveDeployment = "no_active_deployment"
    /// No policy's matchers fit the alert.
    case notMatched = "not_matched"
    /// More than one soaking deployment matched; nothing was done.
    case ambiguous
    /// The alert started before the deployment and the policy does not blame pre-existing alerts.
    case preexisting
    /// A label value that would reach a deployment lookup or executor is not valid; nothing was done.
    case rejectedLabel = "rejected_label"
    /// The policy is in dry-run: what would run was recorded, nothing ran.
    case dryRun = "dry_run"
    /// The service had a rollback within the policy's cooldown.
    case skippedCooldown = "skipped_cooldown"
    /// The circuit breaker is open.
    case skippedCircuitOpen = "skipped_circuit_open"
    /// A resolved alert: what it meant for planned rollbacks.
    case resolved
}

/// A decision as recorded: which alert, what was concluded, and why.
public struct Decision: Sendable, Hashable, Codable {
    public var id: Int64?
    public var deliveryID: Int64
    public var fingerprint: String
    public var alertname: String
    public var alertStatus: AlertStatus
    public var outcome: DecisionOutcome
    public var policy: String?
    public var deploymentID: Int64?
    public var rollbackID: Int64?
    public var reason: String
    public var decidedAt: String
    /// The service and namespace the alert's labels named under the first policy that mapped them,
    /// when no deployment was matched: how the audit log files the decision (not stored in `decisions`).
    public var service: String? = nil
    public var namespace: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, fingerprint, alertname, outcome, policy, reason
        case deliveryID = "delivery_id"
        case alertStatus = "alert_status"
        case deploymentID = "deployment_id"
        case rollbackID = "rollback_id"
        case decidedAt = "decided_at"
    }

    /// Creates a decision.
    public init(id: Int64? = nil, deliveryID: Int64, fingerprint: String, alertname: String, alertStatus: AlertStatus,
                outcome: DecisionOutcome, policy: String? = nil, deploymentID: Int64? = nil, rollbackID: Int64? = nil,
                reason: String, decidedAt: String) {
        self.id = id
        self.deliveryID = deliveryID
        self.fingerprint = fingerprint
        self.alertname = alertname
        self.alertStatus = alertStatus
        self.outcome = outcome
        self.policy = policy
        self.deploymentID = deploymentID
        self.rollbackID = rollbackID
        self.reason = reason
        self.decidedAt = decidedAt
    }
}
