/// A rollback as a worker runs it: the deployment to undo, the ladder, and where it stands.
public struct RollbackJob: Sendable, Hashable {
    public var id: Int64
    public var deployment: Deployment
    public var policy: String
    public var actions: [String]
    public var currentAction: Int
    public var runCount: Int
    public var status: RollbackStatus
    public var triggers: [RollbackTrigger]

    /// Creates a job.
    public init(id: Int64, deployment: Deployment, policy: String, actions: [String], currentAction: Int,
                runCount: Int, status: RollbackStatus, triggers: [RollbackTrigger]) {
        self.id = id
        self.deployment = deployment
        self.policy = policy
        self.actions = actions
        self.currentAction = currentAction
        self.runCount = runCount
        self.status = status
        self.triggers = triggers
    }
}

/// How an executor attempt ended.
public enum AttemptOutcome: String, Sendable, Codable {
    case running, succeeded, failed
    case timedOut = "timed_out"
    case interrupted
}

/// One executor attempt as recorded for the audit.
public struct AttemptRecord: Sendable, Codable, Hashable {
    public var id: Int64
    public var actionIndex: Int
    public var executor: String
    public var kind: String
    public var attempt: Int
    public var startedAt: String
    public var finishedAt: String?
    public var outcome: AttemptOutcome
    public var request: String
    public var exitCode: Int?
    public var httpStatus: Int?
    public var durationSeconds: Double?
    public var outputTail: String
    public var verification: String
    public var error: String

    enum CodingKeys: String, CodingKey {
        case id, executor, kind, attempt, outcome, request, verification, error
        case actionIndex = "action_index"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case exitCode = "exit_code"
        case httpStatus = "http_status"
        case durationSeconds = "duration_seconds"
        case outputTail = "output_tail"
    }

    /// Creates a record.
    public init(id: Int64, actionIndex: Int, executor: String, kind: String, attempt: Int, startedAt: String,
                finishedAt: String?, outcome: AttemptOutcome, request: String, exitCode: Int?, httpStatus: Int?,
                durationSeconds: Double?, outputTail: String, verification: String, error: String) {
        self.id = id
        self.actionIndex = actionIndex
        self.executor = executor
        self.kind = kind
        self.attempt = attempt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.request = request
        self.exitCode = exitCode
        self.httpStatus = httpStatus
        self.durationSeconds = durationSeconds
        self.outputTail = outputTail
        self.verification = verification
        self.error = error
    }
}

/// The result of an attempt, to be recorded.
public struct AttemptResult: Sendable, Hashable {
    public var outcome: AttemptOutcome
    public var exitCode: Int?
    public var httpStatus: Int?
    public var durationSeconds: Double
    public var outputTail: String
    public var verification: String
    public var error: String

    /// Creates a result.
    public init(outcome: AttemptOutcome, exitCode: Int? = nil, httpStatus: Int? = nil, durationSeconds: Double,
                outputTail: String = "", verification: String = "", error: String = "") {
        self.outcome = outcome
        self.exitCode = exitCode
        self.httpStatus = httpStatus
        self.durationSeconds = durationSeconds
        self.outputTail = outputTail
        self.verification = verification
        self.error = error
    }
}

/// A rollback as listed: what was rolled back, from which version to which, and how it ended.
public struct RollbackSummary: Sendable, Codable, Hashable {
    public var id: Int64
    public var status: RollbackStatus
    public var service: String
    public var namespace: String
    public var deployment: Int64
    public var fromVersion: String
    public var toVersion: String
    public var policy: String
    public var executor: String?
    public var createdAt: String
    public var notBefore: String
    public var startedAt: String?
    public var finishedAt: String?
    public var runCount: Int
    public var reason: String
    /// The alert that triggered it (its first trigger's alertname).
    public var trigger: String?

    enum CodingKeys: String, CodingKey {
        case id, status, service, namespace, deployment, policy, executor, reason, trigger
        case fromVersion = "from_version"
        case toVersion = "to_version"
        case createdAt = "created_at"
        case notBefore = "not_before"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case runCount = "run_count"
    }

    /// Seconds from start to finish, when both are known.
    public var durationSeconds: Double? {
        guard let startedAt, let finishedAt, let start = Timestamp(rfc3339: startedAt), let end = Timestamp(rfc3339: finishedAt) else {
            return nil
        }
        return end.seconds(since: start)
    }

    /// Creates a summary.
    public init(id: Int64, status: RollbackStatus, service: String, namespace: String, deployment: Int64,
                fromVersion: String, toVersion: String, policy: String, executor: String?, createdAt: String,
                notBefore: String, startedAt: String?, finishedAt: String?, runCount: Int, reason: String,
                trigger: String? = nil) {
        self.trigger = trigger
        self.id = id
        self.status = status
        self.service = service
        self.namespace = namespace
        self.deployment = deployment
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.policy = policy
        self.executor = executor
        self.createdAt = createdAt
        self.notBefore = notBefore
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.runCount = runCount
        self.reason = reason
    }
}

/// An attempt interrupted by a crash, with the process it may have left behind.
public struct InterruptedAttempt: Sendable, Hashable {
    public var rollbackID: Int64
    public var attemptID: Int64
    public var processID: Int32?
    public var processStart: String?
    /// The ripcord process that ran it (the rollback's owner), for its `RIPCORD_ATTEMPT` marker.
    public var owner: String?

    /// Creates a record.
    public init(rollbackID: Int64, attemptID: Int64, processID: Int32?, processStart: String?, owner: String? = nil) {
        self.rollbackID = rollbackID
        self.attemptID = attemptID
        self.processID = processID
        self.processStart = processStart
        self.owner = owner
    }

    /// The `RIPCORD_ATTEMPT` value its processes were started with.
    public var marker: String? { owner.map { ProcessMarker.value(attemptID: attemptID, owner: $0) } }
}

/// Where rollbacks, decisions and the circuit breaker are kept.
public protocol RollbackStore: Sendable {
    /// Queues the planning of stored deliveries (snapshot, plan, apply for each, under its own
    /// savepoint) behind the writes before it, so batches queued one after another are planned in
    /// that order. `completion` gets each one's decisions or failure, or the transaction's failure,
    /// once it ended, on the store's writer thread (so it must be short). A `group` is the delivery's
    /// notification when the caller still has it decoded; nil reads it back.
    func planDeliveriesQueued(_ batch: [(id: Int64, group: AlertGroup?)], planner: Planner, now: Timestamp,
                              completion: @escaping @Sendable (Result<[Result<[Decision], StoreError>], StoreError>) -> Void)
    /// Runs the planner on a notification against the current database, changing nothing.
    func previewPlan(group: AlertGroup, planner: Planner, now: Timestamp) throws(StoreError) -> RollbackPlan
    /// Deliveries not yet planned (after a crash), oldest first.
    func unplannedDeliveryIDs() throws(StoreError) -> [Int64]
    /// Marks up to `limit` due pending rollbacks running for `owner` and returns them.
    func claimDueRollbacks(now: Timestamp, limit: Int, owner: String) throws(StoreError) -> [RollbackJob]
    /// Running and verifying rollbacks.
    func activeRollbackCount() throws(StoreError) -> Int
    /// Pending rollbacks (the queue).
    func pendingRollbackCount() throws(StoreError) -> Int
    /// Records the start of an attempt; returns its id.
    func startAttempt(rollbackID: Int64, actionIndex: Int, executor: String, kind: String, attempt: Int,
                      request: String, now: Timestamp) throws(StoreError) -> Int64
    /// Records the process an attempt runs, so a crash can find it.
    func recordAttemptProcess(attemptID: Int64, processID: Int32, processStart: String) throws(StoreError)
    /// Records how an attempt ended.
    func finishAttempt(attemptID: Int64, result: AttemptResult, now: Timestamp) throws(StoreError)
    /// Moves a rollback along its states (and its deployment with it).
    func updateRollback(id: Int64, status: RollbackStatus, currentAction: Int?, executor: String?, reason: String?,
                        now: Timestamp) throws(StoreError)
    /// After a crash: running and verifying rollbacks become interrupted; returns their unfinished attempts.
    func markInterrupted(now: Timestamp) throws(StoreError) -> [InterruptedAttempt]
    /// Interrupted rollbacks to resume or leave for a human.
    func interruptedRollbacks() throws(StoreError) -> [RollbackJob]
    /// Rollbacks newest first.
    func rollbacks(service: String?, status: RollbackStatus?, limit: Int, before: Int64?) throws(StoreError) -> [RollbackSummary]
    /// One rollback with its triggers, attempts and decisions.
    func rollbackDetail(id: Int64) throws(StoreError) -> (RollbackSummary, [RollbackTrigger], [AttemptRecord], [Decision])?
    /// Decisions taken for a delivery.
    func decisions(deliveryID: Int64) throws(StoreError) -> [Decision]
    /// The circuit breaker now.
    func circuitState(now: Timestamp, windowSeconds: Double) throws(StoreError) -> CircuitState
    /// Closes the circuit breaker (`ripcord circuit reset`).
    func resetCircuit(actor: String, now: Timestamp) throws(StoreError)
}
