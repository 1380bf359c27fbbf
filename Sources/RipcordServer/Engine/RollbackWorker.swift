import Foundation
import Logging
import RipcordCore
import RipcordExecutors

/// Runs one claimed rollback: each action of the ladder in turn, retrying with backoff, recording
/// every attempt, until one succeeds or all have failed.
struct RollbackWorker {
    let engine: RollbackEngine

    let started = Date()
    var store: SQLiteStoreFacade { SQLiteStoreFacade(engine: engine, started: started) }

    func run(_ job: RollbackJob) async {
        let logger = engine.logger
        let settings = engine.settings   // this job runs under the config it started with
        let policy = settings.config.policies.first { $0.name == job.policy }
        let retries = policy?.retries ?? 0
        let backoff = policy?.retryBackoffSeconds ?? 1
        var failures: [String] = []
        logger.notice("rollback started", metadata: ["rollback.id": "\(job.id)", "deployment.id": "\(job.deployment.id)",
                                                     "service": "\(job.deployment.service)", "run": "\(job.runCount)"])
        // Chat notices go out on the side: a slow receiver never delays a rollback.
        let notifier = settings.notifier
        let startNotice = Task { _ = await notifier.started(job: job) }
        func notifyEnd(_ status: RollbackStatus, _ reason: String) async {
            await startNotice.value
            _ = await notifier.finished(job: job, status: status, reason: reason)
        }
        var actionIndex = job.currentAction
        ladder: while actionIndex < job.actions.count {
            let name = job.actions[actionIndex]
            // Not waited for: the attempt recorded below commits after it (writes commit in order),
            // so the executor starts one commit after the claim instead of two.
            let id = job.id
            let logger = engine.logger
            engine.store.updateRollbackQueued(id: id, status: .running, currentAction: actionIndex, executor: name, reason: nil,
                                              now: .now(), failed: { error in
                logger.error("could not record rollback \(id) as running", metadata: ["error": "\(error.message)"])
            })
            guard let executor = settings.registry[name] else {
                failures.append("\(name): no executor with that name in the config")
                recordUnrunnable(job, actionIndex, name, kind: "unknown", "no executor named \(name) in the config")
                actionIndex += 1
                continue
            }
            var attempt = 1
            while true {
                let request: String
                switch executor.describe(job) {
                case .success(let text): request = text
                case .failure(let failure):
                    // E.g. the deployment has no target block for this kind: no retry helps, escalate.
                    failures.append("\(name): \(failure.message)")
                    recordUnrunnable(job, actionIndex, name, kind: executor.kind, failure.message)
                    actionIndex += 1
                    continue ladder
                }
                // Two rollbacks never touch the same object (release, Service, Ingress, app) at once.
                let lease: TargetLocks.Lease
                do {
                    lease = try await engine.locks.acquire(executor.lockKeys(job))
                } catch {
                    store.update(job.id, .interrupted, action: actionIndex, executor: name,
                                 reason: "interrupted by shutdown while waiting for a lock on its target")
                    return
                }
                guard let attemptID = store.startAttempt(job, actionIndex, executor, attempt, request: request) else {
                    engine.locks.release(lease)
                    return   // the store failed; the job stays running and is recovered at the next start
                }
                let index = actionIndex
                let context = ExecutionContext(
                    job: job, attempt: attempt,
                    processStarted: { pid, start in try? engine.store.recordAttemptProcess(attemptID: attemptID, processID: pid, processStart: start) },
                    verifying: { store.update(job.id, .verifying, action: index, executor: name, reason: nil) },
                    processMarker: ProcessMarker.value(attemptID: attemptID, owner: engine.owner))
                let outcome = await executor.execute(context)
                engine.locks.release(lease)
                if Task.isCancelled {
                    var result = outcome.result
                    result.outcome = .interrupted
                    result.error = "ripcord is shutting down; " + result.error
                    try? engine.store.finishAttempt(attemptID: attemptID, result: result, now: .now())
                    store.update(job.id, .interrupted, action: actionIndex, executor: name,
                                 reason: "interrupted by shutdown during \(name)")
                    logger.warning("rollback interrupted by shutdown", metadata: ["rollback.id": "\(job.id)"])
                    return
                }
                try? engine.store.finishAttempt(attemptID: attemptID, result: outcome.result, now: .now())
                if outcome.result.outcome == .succeeded {
                    store.update(job.id, .succeeded, action: actionIndex, executor: name,
                                 reason: "\(name) succeeded: \(outcome.result.verification)")
                    logger.notice("rollback succeeded", metadata: ["rollback.id": "\(job.id)", "executor": "\(name)",
                                                                   "verification": "\(outcome.result.verification)"])
                    await notifyEnd(.succeeded, "\(name) succeeded: \(outcome.result.verification)")
                    return
                }
                logger.warning("rollback attempt failed", metadata: [
                    "rollback.id": "\(job.id)", "executor": "\(name)", "attempt": "\(attempt)",
                    "outcome": "\(outcome.result.outcome.rawValue)", "error": "\(outcome.result.error)"])
                guard outcome.retryable, attempt <= retries else {
                    failures.append("\(name): \(outcome.result.error)")
                    break
                }
                let wait = min(60, backoff * pow(2, Double(attempt - 1)))
                try? await Task.sleep(for: .milliseconds(Int64(wait * 1000)))
                if Task.isCancelled {
                    store.update(job.id, .interrupted, action: actionIndex, executor: name, reason: "interrupted by shutdown")
                    return
                }
                attempt += 1
            }
            actionIndex += 1
        }
        let reason = "every action failed: " + failures.joined(separator: "; ")
        store.update(job.id, .failed, action: nil, executor: nil, reason: reason)
        await notifyEnd(.failed, reason)
        logger.error("rollback failed", metadata: ["rollback.id": "\(job.id)", "failures": "\(failures.joined(separator: "; "))"])
    }

    func recordUnrunnable(_ job: RollbackJob, _ actionIndex: Int, _ name: String, kind: String, _ message: String) {
        guard let id = try? engine.store.startAttempt(rollbackID: job.id, actionIndex: actionIndex, executor: name, kind: kind,
                                                      attempt: 1, request: "{}", now: .now()) else { return }
        try? engine.store.finishAttempt(attemptID: id, result: AttemptResult(outcome: .failed, durationSeconds: 0, error: message),
                                        now: .now())
    }
}

/// The worker's few store calls, logging failures instead of throwing.
struct SQLiteStoreFacade {
    let engine: RollbackEngine
    let started: Date

    func update(_ id: Int64, _ status: RollbackStatus, action: Int?, executor: String?, reason: String?) {
        if [.succeeded, .failed, .interrupted].contains(status) {
            engine.metrics.rollbackFinished(executor: executor ?? "none", result: status.rawValue,
                                            seconds: Date().timeIntervalSince(started))
        }
        do {
            try engine.store.updateRollback(id: id, status: status, currentAction: action, executor: executor, reason: reason,
                                            now: .now())
        } catch {
            engine.logger.error("could not record rollback \(id) as \(status.rawValue)", metadata: ["error": "\(error.message)"])
        }
    }

    func startAttempt(_ job: RollbackJob, _ actionIndex: Int, _ executor: any Executor, _ attempt: Int,
                      request: String) -> Int64? {
        do {
            return try engine.store.startAttempt(rollbackID: job.id, actionIndex: actionIndex, executor: executor.name,
                                                 kind: executor.kind, attempt: attempt, request: request, now: .now())
        } catch {
            engine.logger.error("could not record an attempt of rollback \(job.id)", metadata: ["error": "\(error.message)"])
            return nil
        }
    }
}
