import Foundation
import Logging
import RipcordCore
import RipcordExecutors
import RipcordStore
import Synchronization

/// Plans stored deliveries and runs rollback jobs, off the request path: a planning loop, a
/// scheduler that claims due jobs within `limits.concurrency`, and one worker task per running job.
public final class RollbackEngine: Sendable {
    let store: SQLiteStore

    /// What a config decides for the engine; replaced whole on reload.
    struct Settings: Sendable {
        let config: RipcordConfig
        let registry: ExecutorRegistry
        let planner: Planner
        let notifier: RollbackNotifier

        init(config: RipcordConfig, registry: ExecutorRegistry? = nil, logger: Logger) {
            self.config = config
            self.notifier = RollbackNotifier(policies: config.policies, logger: logger)
            let registry = registry ?? ExecutorRegistry(configs: config.executors)
            self.registry = registry
            self.planner = Planner(policies: config.policies, limits: config.rollbackLimits, describeActions: { policy, deployment in
                registry.describe(actions: policy.actions, job: RollbackEngine.previewJob(policy: policy, deployment: deployment))
            })
        }
    }
    private let current: Mutex<Settings>
    /// Held while an action runs, per target object.
    let locks = TargetLocks()
    /// The settings now; a job or a plan takes one snapshot and keeps it.
    var settings: Settings { current.withLock { $0 } }
    var config: RipcordConfig { settings.config }
    var registry: ExecutorRegistry { settings.registry }
    var planner: Planner { settings.planner }

    /// Takes a new (already validated) config: new plans and jobs use it; running jobs finish under the old.
    public func apply(_ config: RipcordConfig) {
        let next = Settings(config: config, logger: logger)
        current.withLock { $0 = next }
        wakeInput.yield()
    }
    let logger: Logger
    let metrics: RipcordMetrics
    let owner: String
    /// How often the scheduler looks for due jobs when nothing wakes it.
    let tick: Duration
    /// When the retention passes run.
    let retention: RetentionSchedule

    /// A delivery to plan, with its notification when the webhook handler still has it decoded.
    struct StoredDelivery: Sendable {
        let id: Int64
        let group: AlertGroup?
    }
    /// Deliveries waiting to be planned; the planning loop takes them in batches (one commit each).
    private let planQueue = Mutex<[StoredDelivery]>([])
    /// Above this many waiting deliveries, new ones are queued without their notification (the
    /// planner reads it back from the database), so a backlog costs ids, not decoded bodies.
    static let decodedBacklogLimit = 1024
    /// Most deliveries planned by one write. The planning loop queues up to `planBatchesInFlight` such
    /// writes without waiting for them (they share transactions with whatever else is queued), so a
    /// rollback's claim and first attempt, urgent writes, wait behind at most one of them.
    static let planBatchLimit = 8
    static let planBatchesInFlight = 4
    /// Planning writes queued and not yet committed.
    private let planInFlight = Mutex(0)
    /// Committed planning batches and their outcomes, for the planning loop to log.
    private let planned = Mutex<[(batch: [StoredDelivery], results: [Result<[Decision], StoreError>])]>([])
    private let planWakeups: AsyncStream<Void>
    private let planWakeInput: AsyncStream<Void>.Continuation
    /// Set when planning a delivery failed (e.g. a full disk); the scheduler then re-queues every
    /// unplanned delivery, so planning resumes by itself once the fault clears.
    private let planningFailed = Mutex(false)
    private let wakeups: AsyncStream<Void>
    private let wakeInput: AsyncStream<Void>.Continuation

    /// Creates the engine for a config; nothing runs until `run()`.
    public init(store: SQLiteStore, config: RipcordConfig, registry: ExecutorRegistry? = nil, logger: Logger,
                metrics: RipcordMetrics = RipcordMetrics(), tick: Duration = .milliseconds(200),
                retention: RetentionSchedule = .standard) {
        self.metrics = metrics
        self.retention = retention
        self.store = store
        self.current = Mutex(Settings(config: config, registry: registry, logger: logger))
        self.logger = logger
        self.tick = tick
        self.owner = "pid \(getpid()) on \(ProcessInfo.processInfo.hostName) since \(Timestamp.now().rfc3339)"
        (planWakeups, planWakeInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        (wakeups, wakeInput) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// A job as it would run for a deployment, for describing dry-runs and replays.
    static func previewJob(policy: PolicyConfig, deployment: Deployment, triggers: [RollbackTrigger] = []) -> RollbackJob {
        RollbackJob(id: 0, deployment: deployment, policy: policy.name, actions: policy.actions, currentAction: 0,
                    runCount: 0, status: .pending, triggers: triggers)
    }

    /// Hands a newly stored delivery to the planner; returns at once.
    public func deliveryStored(_ id: Int64, group: AlertGroup? = nil) {
        planQueue.withLock { queue in
            queue.append(StoredDelivery(id: id, group: queue.count < RollbackEngine.decodedBacklogLimit ? group : nil))
        }
        planWakeInput.yield()
    }

    /// Where the engine's tasks run: its store calls block on commits (see BlockingWorkExecutor).
    static let executor = BlockingWorkExecutor(name: "ripcord-engine", maxThreads: 32)

    /// Recovers from a crash, then plans and runs until the task is cancelled.
    public func run() async {
        await withTaskExecutorPreference(RollbackEngine.executor) {
            await runOnExecutor()
        }
    }

    private func runOnExecutor() async {
        await recoverInterrupted()
        do {
            for id in try store.unplannedDeliveryIDs() { deliveryStored(id) }
        } catch {
            logger.error("could not read unplanned deliveries", metadata: ["error": "\(error.message)"])
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.planLoop() }
            group.addTask { await self.schedule() }
            group.addTask { await self.ticker() }
            group.addTask { await self.retain() }
            await group.waitForAll()
        }
    }

    /// Stops planning and scheduling (running workers are cancelled with the task).
    public func finish() {
        planWakeInput.finish()
        wakeInput.finish()
    }

    func planLoop() async {
        for await _ in planWakeups {
            for done in planned.withLock({ list in defer { list.removeAll() }; return list }) {
                report(done.batch, done.results)
            }
            while planInFlight.withLock({ $0 < RollbackEngine.planBatchesInFlight }) {
                let batch = planQueue.withLock { queue in
                    let taken = Array(queue.prefix(RollbackEngine.planBatchLimit))
                    queue.removeFirst(taken.count)
                    return taken
                }
                if batch.isEmpty { break }
                planInFlight.withLock { $0 += 1 }
                store.planDeliveriesQueued(batch.map { ($0.id, $0.group) }, planner: planner, now: .now()) { outcome in
                    // On the writer thread: only hand the outcome over (and wake the scheduler at once).
                    let results: [Result<[Decision], StoreError>]
                    switch outcome {
                    case .success(let each): results = each
                    case .failure(let error): results = batch.map { _ in .failure(error) }
                    }
                    if results.contains(where: { (try? $0.get())?.contains { $0.rollbackID != nil } == true }) {
                        self.wakeInput.yield()
                    }
                    self.planned.withLock { $0.append((batch, results)) }
                    self.planInFlight.withLock { $0 -= 1 }
                    self.planWakeInput.yield()
                }
            }
        }
    }

    /// Logs a planned batch's decisions; a failure leaves its deliveries unplanned (planned_at NULL)
    /// for the scheduler to re-queue.
    func report(_ batch: [StoredDelivery], _ results: [Result<[Decision], StoreError>]) {
        for (delivery, result) in zip(batch, results) {
            let id = delivery.id
            switch result {
            case .success(let decisions):
                for decision in decisions {
                    metrics.decision(decision.outcome)
                    logger.info("decision: \(decision.outcome.rawValue)", metadata: [
                        "delivery.id": "\(id)", "alert.fingerprint": "\(decision.fingerprint)",
                        "alert.name": "\(decision.alertname)", "policy": "\(decision.policy ?? "-")",
                        "deployment.id": "\(decision.deploymentID.map(String.init) ?? "-")",
                        "rollback.id": "\(decision.rollbackID.map(String.init) ?? "-")", "reason": "\(decision.reason)",
                    ])
                }
            case .failure(let error):
                planningFailed.withLock { $0 = true }
                logger.error("could not plan delivery \(id); it is retried shortly",
                             metadata: ["error": "\(error.message)"])
            }
        }
    }

    func schedule() async {
        let running = RunningCount()
        var lastSweep = ContinuousClock.now
        await withDiscardingTaskGroup { group in
            // Woken by a new plan, a finished job, or the ticker.
            for await _ in wakeups {
                if ContinuousClock.now - lastSweep > .seconds(1) {
                    lastSweep = ContinuousClock.now
                    _ = try? store.stabilizeExpiredDeployments(now: .now())
                    if planningFailed.withLock({ failed in defer { failed = false }; return failed }) {
                        if let ids = try? store.unplannedDeliveryIDs() {
                            for id in ids { deliveryStored(id) }
                        } else {
                            planningFailed.withLock { $0 = true }
                        }
                    }
                }
                if let pending = try? store.pendingRollbackCount() { metrics.setQueueDepth(pending) }
                if let circuit = try? store.circuitState(now: .now(), windowSeconds: config.rollbackLimits.windowSeconds) {
                    metrics.setCircuitOpen(circuit.openedAt != nil)
                }
                let free = config.rollbackLimits.concurrency - running.value
                guard free > 0 else { continue }
                do {
                    for job in try store.claimDueRollbacks(now: .now(), limit: free, owner: owner) {
                        running.add(1)
                        group.addTask {
                            await RollbackWorker(engine: self).run(job)
                            running.add(-1)
                            self.wakeInput.yield()
                        }
                    }
                } catch {
                    logger.error("could not claim rollbacks", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    /// Applies `audit.retention`: older events go, the rest stays verifiable from the recorded anchor.
    func pruneAudit(retention: Double) {
        do {
            let now = Timestamp.now()
            let pruned = try store.pruneAudit(olderThan: now.adding(seconds: -retention), now: now)
            if pruned > 0 { logger.notice("audit retention pruned \(pruned) event(s)") }
        } catch {
            logger.error("audit retention failed", metadata: ["error": "\(error.message)"])
        }
    }

    /// Wakes the scheduler every tick, so delayed jobs start on time.
    func ticker() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: tick)
            wakeInput.yield()
        }
    }

    /// Applies `audit.retention` and `deliveries.retention` as the config says now (a reload may set
    /// or change them), off the scheduling loop so a long pass never delays a rollback's start, at
    /// the times `retention` says (by default a minute after start, then hourly, or every minute
    /// while a delivery pass stopped at its bound with more to delete).
    func retain() async {
        var wait = retention.firstPass
        while !Task.isCancelled {
            try? await Task.sleep(for: wait)
            if Task.isCancelled { return }
            let config = self.config
            if let retention = config.auditRetentionSeconds { pruneAudit(retention: retention) }
            let more = config.deliveryRetentionSeconds.map { pruneDeliveries(retention: $0) } ?? false
            wait = more ? self.retention.catchUp : self.retention.interval
        }
    }

    /// One pass of `deliveries.retention`; true when it left deliveries to delete for the next one.
    func pruneDeliveries(retention: Double) -> Bool {
        do {
            let now = Timestamp.now()
            let result = try store.pruneDeliveries(olderThan: now.adding(seconds: -retention), now: now,
                                                   keepGoing: { !Task.isCancelled })
            if result.pruned > 0 { logger.notice("delivery retention pruned \(result.pruned) delivery(ies)") }
            return result.more
        } catch {
            logger.error("delivery retention failed", metadata: ["error": "\(error.message)"])
            return false
        }
    }

    /// After a crash: jobs left running are interrupted, processes they left are stopped, and each is
    /// re-verified, resumed or left for a human as its policy says.
    func recoverInterrupted() async {
        do {
            let attempts = try store.markInterrupted(now: .now())
            for attempt in attempts {
                if let pid = attempt.processID {
                    logger.warning("stopping the process an interrupted rollback left running",
                                   metadata: ["rollback.id": "\(attempt.rollbackID)", "process.id": "\(pid)"])
                    ProcessTable.stopGroup(pid: pid, start: attempt.processStart, grace: 5)
                }
            }
            // Their processes carry the attempt's marker: found even when the crash came before a
            // pid was recorded, and with any children they started in other groups (one /proc pass).
            let markers = Set(attempts.compactMap(\.marker))
            let stopped = ProcessTable.stopMarked(ProcessMarker.variable, oneOf: markers, grace: 5)
            if !stopped.isEmpty {
                logger.warning("stopped processes interrupted rollbacks left running",
                               metadata: ["rollback.ids": "\(attempts.map { String($0.rollbackID) }.joined(separator: ","))",
                                          "process.ids": "\(stopped.map(String.init).joined(separator: ","))"])
            }
            for job in try store.interruptedRollbacks() {
                let policy = config.policies.first { $0.name == job.policy }
                let action = job.currentAction < job.actions.count ? job.actions[job.currentAction] : nil
                if let action, let executor = registry[action], await executor.verifyOnly(job) == true {
                    try store.updateRollback(id: job.id, status: .succeeded, currentAction: nil, executor: action,
                                             reason: "interrupted, then verified as done by \(action)", now: .now())
                    logger.notice("interrupted rollback verified as done", metadata: ["rollback.id": "\(job.id)"])
                } else if policy?.resumeInterrupted ?? false {
                    try store.updateRollback(id: job.id, status: .pending, currentAction: nil, executor: nil,
                                             reason: "interrupted; resumed at restart", now: .now())
                    logger.warning("resuming an interrupted rollback", metadata: ["rollback.id": "\(job.id)"])
                } else {
                    try store.updateRollback(id: job.id, status: .interrupted, currentAction: nil, executor: nil,
                                             reason: "interrupted; left for a human (resume_interrupted: false or policy gone)",
                                             now: .now())
                    logger.error("an interrupted rollback waits for a human", metadata: ["rollback.id": "\(job.id)"])
                }
            }
        } catch {
            logger.error("recovering interrupted rollbacks failed", metadata: ["error": "\(error)"])
        }
    }
}

/// A counter shared by the scheduler and its workers.
final class RunningCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    func add(_ delta: Int) { lock.lock(); count += delta; lock.unlock() }
}

