import Foundation
import RipcordCore
import SQLiteDB

extension SQLiteStore: RollbackStore {
    public func planDeliveriesQueued(_ batch: [(id: Int64, group: AlertGroup?)], planner: Planner, now: Timestamp,
                                     completion: @escaping @Sendable (Result<[Result<[Decision], StoreError>], StoreError>) -> Void) {
        writer.submit({ db in try SQLiteStore.plan(batch, planner: planner, db, now: now) }, completion: { outcome in
            completion(outcome.mapError { SQLiteStore.storeError($0, doing: "planning \(batch.count) deliveries") })
        })
    }

    /// Plans each delivery of `batch` under its own savepoint, in the caller's transaction.
    static func plan(_ batch: [(id: Int64, group: AlertGroup?)], planner: Planner, _ db: Database,
                     now: Timestamp) throws -> [Result<[Decision], StoreError>] {
        var snapshot: PlanningRows.LoadedSnapshot?
        return try batch.map { item in
            do {
                return .success(try db.savepoint("plan") {
                    do {
                        return try PlanningRows.plan(deliveryID: item.id, group: item.group, planner: planner, db,
                                                     now: now, cached: &snapshot)
                    } catch {
                        snapshot = nil
                        throw error
                    }
                })
            } catch let error as SavepointRollbackFailed {
                throw error.failure   // the whole batch's transaction rolls back
            } catch {
                return .failure(SQLiteStore.storeError(error, doing: "planning delivery \(item.id)"))
            }
        }
    }

    public func previewPlan(group: AlertGroup, planner: Planner, now: Timestamp) throws(StoreError) -> RollbackPlan {
        try read("previewing a plan") { db in
            let loaded = try PlanningRows.snapshot(db, now: now, windowSeconds: planner.limits.windowSeconds, for: group)
            return planner.plan(deliveryID: 0, group: group, snapshot: loaded.snapshot, now: now)
        }
    }

    public func unplannedDeliveryIDs() throws(StoreError) -> [Int64] {
        try read("finding unplanned deliveries") { db in
            try db.query("SELECT id FROM deliveries WHERE planned_at IS NULL ORDER BY id").map { $0.int("id") }
        }
    }

    public func claimDueRollbacks(now: Timestamp, limit: Int, owner: String) throws(StoreError) -> [RollbackJob] {
        try write("claiming rollbacks", urgent: true) { db in try RollbackRows.claim(db, now: now, limit: limit, owner: owner) }
    }

    public func activeRollbackCount() throws(StoreError) -> Int {
        try read("counting rollbacks") { db in
            Int(try db.queryOne("SELECT count(*) AS n FROM rollbacks WHERE status IN ('running', 'verifying')")?.int("n") ?? 0)
        }
    }

    public func pendingRollbackCount() throws(StoreError) -> Int {
        try read("counting rollbacks") { db in
            Int(try db.queryOne("SELECT count(*) AS n FROM rollbacks WHERE status = 'pending'")?.int("n") ?? 0)
        }
    }

    public func startAttempt(rollbackID: Int64, actionIndex: Int, executor: String, kind: String, attempt: Int,
                             request: String, now: Timestamp) throws(StoreError) -> Int64 {
        try write("recording an attempt", urgent: true) { db in
            try db.run("""
                INSERT INTO rollback_attempts (rollback_id, action_index, executor, kind, attempt, started_at, outcome, request)
                VALUES (?, ?, ?, ?, ?, ?, 'running', ?)
                """, [.integer(rollbackID), .int(actionIndex), .text(executor), .text(kind), .int(attempt),
                      .text(now.rfc3339), .text(request)])
            return db.lastInsertRowID
        }
    }

    public func recordAttemptProcess(attemptID: Int64, processID: Int32, processStart: String) throws(StoreError) {
        try write("recording an attempt's process") { db in
            try db.run("UPDATE rollback_attempts SET process_id = ?, process_start = ? WHERE id = ?",
                       [.integer(Int64(processID)), .text(processStart), .integer(attemptID)])
        }
    }

    public func finishAttempt(attemptID: Int64, result: AttemptResult, now: Timestamp) throws(StoreError) {
        try write("recording an attempt's result") { db in
            if let attempt = try db.queryOne("SELECT rollback_id, executor, kind, attempt, request FROM rollback_attempts WHERE id = ?",
                                             [.integer(attemptID)]) {
                let how = result.exitCode.map { "exit \($0)" } ?? result.httpStatus.map { "HTTP \($0)" } ?? result.outcome.rawValue
                try RollbackRows.audit(db, rollbackID: attempt.int("rollback_id"), kind: "rollback.attempt", actor: "engine",
                    summary: "rollback \(attempt.int("rollback_id")): \(attempt.text("executor")) attempt \(attempt.int("attempt")) \(result.outcome.rawValue) (\(how), \(String(format: "%.3f", result.durationSeconds))s)"
                        + (result.verification.isEmpty ? "" : "; verified: \(result.verification)")
                        + (result.error.isEmpty ? "" : "; \(result.error)"),
                    data: ["attempt_id": .int(attemptID), "executor": .string(attempt.text("executor")),
                           "kind": .string(attempt.text("kind")), "attempt": .int(attempt.int("attempt")),
                           "request": .string(attempt.text("request")), "outcome": .string(result.outcome.rawValue),
                           "exit_code": .int(result.exitCode), "http_status": .int(result.httpStatus),
                           "duration_seconds": .number(result.durationSeconds),
                           "output_tail": .string(String(result.outputTail.suffix(4096))),
                           "verification": .string(result.verification), "error": .string(result.error)],
                    now: now)
            }
            try db.run("""
                UPDATE rollback_attempts SET outcome = ?, exit_code = ?, http_status = ?, duration_seconds = ?, output_tail = ?,
                    verification = ?, error = ?, finished_at = ?, process_id = NULL WHERE id = ?
                """, [.text(result.outcome.rawValue), result.exitCode.map { .int($0) } ?? .null,
                      result.httpStatus.map { .int($0) } ?? .null, .real(result.durationSeconds), .text(result.outputTail),
                      .text(result.verification), .text(result.error), .text(now.rfc3339), .integer(attemptID)])
        }
    }

    /// Queues a status change without waiting for its commit; `startAttempt` returns only after it is
    /// committed, since both are urgent writes and those commit in order. Failures go to `failed`.
    public func updateRollbackQueued(id: Int64, status: RollbackStatus, currentAction: Int?, executor: String?,
                                     reason: String?, now: Timestamp, failed: @escaping @Sendable (StoreError) -> Void) {
        writer.submit(urgent: true, { db in
            try RollbackRows.update(db, id: id, status: status, currentAction: currentAction, executor: executor,
                                    reason: reason, now: now)
        }, completion: { error in
            if let error { failed(SQLiteStore.storeError(error, doing: "updating rollback \(id)")) }
        })
    }

    public func updateRollback(id: Int64, status: RollbackStatus, currentAction: Int?, executor: String?, reason: String?,
                               now: Timestamp) throws(StoreError) {
        try write("updating rollback \(id)") { db in
            try RollbackRows.update(db, id: id, status: status, currentAction: currentAction, executor: executor,
                                    reason: reason, now: now)
        }
    }

    public func markInterrupted(now: Timestamp) throws(StoreError) -> [InterruptedAttempt] {
        try write("marking interrupted rollbacks") { db in try RollbackRows.markInterrupted(db, now: now) }
    }

    public func interruptedRollbacks() throws(StoreError) -> [RollbackJob] {
        try read("reading interrupted rollbacks") { db in
            try db.query("SELECT * FROM rollbacks WHERE status = 'interrupted' ORDER BY id").compactMap { try RollbackRows.job($0, db) }
        }
    }

    public func rollbacks(service: String?, status: RollbackStatus?, limit: Int, before: Int64?) throws(StoreError) -> [RollbackSummary] {
        var query = RollbackQuery()
        query.service = service
        query.status = status
        query.limit = limit
        query.before = before
        return try rollbacks(query)
    }

    public func rollbackDetail(id: Int64) throws(StoreError) -> (RollbackSummary, [RollbackTrigger], [AttemptRecord], [Decision])? {
        try read("reading rollback \(id)") { db in
            guard let row = try db.queryOne("""
                SELECT \(RollbackRows.summaryColumns) FROM rollbacks r JOIN deployments d ON d.id = r.deployment_id WHERE r.id = ?
                """, [.integer(id)]) else { return nil }
            let attempts = try db.query("SELECT * FROM rollback_attempts WHERE rollback_id = ? ORDER BY id", [.integer(id)])
                .map(RollbackRows.attempt)
            let decisions = try db.query("SELECT * FROM decisions WHERE rollback_id = ? ORDER BY id", [.integer(id)])
                .map(PlanningRows.decision)
            return (RollbackRows.summary(row), try RollbackRows.triggers(id, db), attempts, decisions)
        }
    }

    public func decisions(deliveryID: Int64) throws(StoreError) -> [Decision] {
        try read("reading decisions") { db in
            try db.query("SELECT * FROM decisions WHERE delivery_id = ? ORDER BY id", [.integer(deliveryID)]).map(PlanningRows.decision)
        }
    }

    public func circuitState(now: Timestamp, windowSeconds: Double) throws(StoreError) -> CircuitState {
        try read("reading the circuit breaker") { db in try CircuitRows.state(db, now: now, windowSeconds: windowSeconds) }
    }

    public func resetCircuit(actor: String, now: Timestamp) throws(StoreError) {
        try write("resetting the circuit breaker") { db in
            try db.run("INSERT INTO circuit_events (event, at, reason, actor) VALUES ('reset', ?, 'reset by hand', ?)",
                       [.text(now.rfc3339), .text(actor)])
            try AuditRows.append(AuditRecord(kind: "circuit.reset", actor: actor, summary: "circuit breaker reset by \(actor)"),
                                 db, now: now)
        }
    }
}
