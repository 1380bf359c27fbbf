import Foundation
import RipcordCore
import SQLiteDB

/// The SQL behind rollback jobs: claiming, attempts, states, recovery and reading them back.
enum RollbackRows {
    static func job(_ row: Row, _ db: Database) throws -> RollbackJob? {
        guard let deploymentRow = try db.queryOne("SELECT * FROM deployments WHERE id = ?", [row["deployment_id"]]) else {
            return nil
        }
        let id = row.int("id")
        let actions = (try? JSONDecoder().decode([String].self, from: Data(row.text("actions").utf8))) ?? []
        return RollbackJob(id: id, deployment: Deployment(row: deploymentRow), policy: row.text("policy"), actions: actions,
                           currentAction: Int(row.int("current_action")), runCount: Int(row.int("run_count")),
                           status: RollbackStatus(rawValue: row.text("status")) ?? .pending, triggers: try triggers(id, db))
    }

    static func triggers(_ rollbackID: Int64, _ db: Database) throws -> [RollbackTrigger] {
        try db.query("SELECT * FROM rollback_triggers WHERE rollback_id = ? ORDER BY added_at, fingerprint", [.integer(rollbackID)]).map {
            RollbackTrigger(key: TriggerKey(fingerprint: $0.text("fingerprint"), startsAt: Timestamp(rfc3339: $0.text("starts_at")) ?? .zero),
                            alertname: $0.text("alertname"), deliveryID: $0.int("delivery_id"))
        }
    }

    static func claim(_ db: Database, now: Timestamp, limit: Int, owner: String) throws -> [RollbackJob] {
        guard limit > 0 else { return [] }
        let at = now.rfc3339
        let due = try db.query("SELECT * FROM rollbacks WHERE status = 'pending' AND not_before <= ? ORDER BY not_before, id LIMIT ?",
                               [.text(at), .int(limit)])
        var jobs: [RollbackJob] = []
        for row in due {
            let id = row.int("id")
            try db.run("""
                UPDATE rollbacks SET status = 'running', started_at = coalesce(started_at, ?), run_count = run_count + 1,
                    owner = ?, updated_at = ? WHERE id = ? AND status = 'pending'
                """, [.text(at), .text(owner), .text(at), .integer(id)])
            guard db.changes == 1 else { continue }
            try db.run("UPDATE deployments SET state = 'rolling_back', updated_at = ? WHERE id = ?", [.text(at), row["deployment_id"]])
            try audit(db, rollbackID: id, kind: "rollback.running", actor: owner,
                      summary: "rollback \(id) started (run \(row.int("run_count") + 1)) by \(owner)", now: now)
            if let claimed = try db.queryOne("SELECT * FROM rollbacks WHERE id = ?", [.integer(id)]), let job = try job(claimed, db) {
                jobs.append(job)
            }
        }
        return jobs
    }

    static func update(_ db: Database, id: Int64, status: RollbackStatus, currentAction: Int?, executor: String?,
                       reason: String?, now: Timestamp, actor: String = "engine", onlyIfPending: Bool = false) throws {
        let at = now.rfc3339
        let before = try db.queryOne("SELECT status, executor FROM rollbacks WHERE id = ?", [.integer(id)])
        if onlyIfPending && before?.text("status") != RollbackStatus.pending.rawValue { return }
        try db.run("""
            UPDATE rollbacks SET status = ?, current_action = coalesce(?, current_action), executor = coalesce(?, executor),
                reason = coalesce(?, reason), updated_at = ?,
                finished_at = CASE WHEN ? IN ('succeeded', 'failed', 'cancelled') THEN ? ELSE finished_at END
            WHERE id = ?
            """,
            [.text(status.rawValue), currentAction.map { .int($0) } ?? .null, .optional(executor), .optional(reason), .text(at),
             .text(status.rawValue), .text(at), .integer(id)])
        let deploymentState: String?
        switch status {
        case .succeeded: deploymentState = DeploymentState.rolledBack.rawValue
        case .running, .verifying, .failed, .interrupted: deploymentState = DeploymentState.rollingBack.rawValue
        case .pending, .cancelled: deploymentState = nil
        }
        if let deploymentState {
            try db.run("UPDATE deployments SET state = ?, updated_at = ? WHERE id = (SELECT deployment_id FROM rollbacks WHERE id = ?)",
                       [.text(deploymentState), .text(at), .integer(id)])
        }
        // A change of status (or of the action being run) is an event; the same status again is not.
        let changed = before?.text("status") != status.rawValue || (executor != nil && before?.optionalText("executor") != executor)
        if changed {
            let what = executor.map { " (\($0))" } ?? ""
            try audit(db, rollbackID: id, kind: "rollback.\(status.rawValue)", actor: actor,
                      summary: "rollback \(id) \(status.rawValue)\(what)" + (reason.map { ": \($0)" } ?? ""),
                      data: ["status": .string(status.rawValue), "executor": .text(executor), "reason": .text(reason)], now: now)
        }
    }

    /// Appends an event about a rollback, with its service, namespace and deployment.
    static func audit(_ db: Database, rollbackID: Int64, kind: String, actor: String, summary: String,
                      data: [String: JSONValue] = [:], now: Timestamp) throws {
        let row = try db.queryOne("SELECT service, namespace, deployment_id FROM rollbacks WHERE id = ?", [.integer(rollbackID)])
        try AuditRows.append(AuditRecord(kind: kind, service: row?.text("service"), namespace: row?.text("namespace"),
                                         deploymentID: row?["deployment_id"].int64, rollbackID: rollbackID, actor: actor,
                                         summary: summary, data: data), db, now: now)
    }

    static func markInterrupted(_ db: Database, now: Timestamp) throws -> [InterruptedAttempt] {
        let at = now.rfc3339
        let attempts = try db.query("""
            SELECT a.id, a.rollback_id, a.process_id, a.process_start, r.owner FROM rollback_attempts a
            JOIN rollbacks r ON r.id = a.rollback_id
            WHERE r.status IN ('running', 'verifying') AND a.outcome = 'running'
            """).map {
            InterruptedAttempt(rollbackID: $0.int("rollback_id"), attemptID: $0.int("id"),
                               processID: $0["process_id"].int64.map { Int32($0) }, processStart: $0.optionalText("process_start"),
                               owner: $0.optionalText("owner"))
        }
        try db.run("""
            UPDATE rollback_attempts SET outcome = 'interrupted', finished_at = ?, error = 'the ripcord process running it died'
            WHERE outcome = 'running'
            """, [.text(at)])
        for row in try db.query("SELECT id, owner FROM rollbacks WHERE status IN ('running', 'verifying')") {
            try audit(db, rollbackID: row.int("id"), kind: "rollback.interrupted", actor: "engine",
                      summary: "rollback \(row.int("id")) interrupted: the ripcord process running it (\(row.text("owner"))) stopped", now: now)
        }
        try db.run("""
            UPDATE rollbacks SET status = 'interrupted', updated_at = ?,
                reason = 'the ripcord process running it stopped (' || coalesce(owner, '?') || ')'
            WHERE status IN ('running', 'verifying')
            """, [.text(at)])
        return attempts
    }

    static let summaryColumns = """
        r.id, r.status, r.service, r.namespace, r.deployment_id, d.version AS from_version,
        d.previous_version AS to_version, r.policy, r.executor, r.created_at, r.not_before, r.started_at,
        r.finished_at, r.run_count, r.reason,
        (SELECT t.alertname FROM rollback_triggers t WHERE t.rollback_id = r.id ORDER BY t.added_at LIMIT 1) AS trigger
        """

    static func summary(_ row: Row) -> RollbackSummary {
        RollbackSummary(id: row.int("id"), status: RollbackStatus(rawValue: row.text("status")) ?? .pending,
                        service: row.text("service"), namespace: row.text("namespace"), deployment: row.int("deployment_id"),
                        fromVersion: row.text("from_version"), toVersion: row.text("to_version"), policy: row.text("policy"),
                        executor: row.optionalText("executor"), createdAt: row.text("created_at"),
                        notBefore: row.text("not_before"), startedAt: row.optionalText("started_at"),
                        finishedAt: row.optionalText("finished_at"), runCount: Int(row.int("run_count")),
                        reason: row.text("reason"), trigger: row.optionalText("trigger"))
    }

    static func attempt(_ row: Row) -> AttemptRecord {
        AttemptRecord(id: row.int("id"), actionIndex: Int(row.int("action_index")), executor: row.text("executor"),
                      kind: row.text("kind"), attempt: Int(row.int("attempt")), startedAt: row.text("started_at"),
                      finishedAt: row.optionalText("finished_at"),
                      outcome: AttemptOutcome(rawValue: row.text("outcome")) ?? .failed, request: row.text("request"),
                      exitCode: row["exit_code"].int64.map { Int($0) }, httpStatus: row["http_status"].int64.map { Int($0) },
                      durationSeconds: row["duration_seconds"].double, outputTail: row.text("output_tail"),
                      verification: row.text("verification"), error: row.text("error"))
    }

    static func list(_ query: RollbackQuery, _ db: Database) throws -> [RollbackSummary] {
        var conditions = ["r.id < ?"]
        var values: [SQLValue] = [.integer(query.before ?? Int64.max)]
        if let service = query.service { conditions.append("r.service = ?"); values.append(.text(service)) }
        if let namespace = query.namespace { conditions.append("r.namespace = ?"); values.append(.text(namespace)) }
        if let status = query.status { conditions.append("r.status = ?"); values.append(.text(status.rawValue)) }
        if let since = query.since { conditions.append("r.created_at >= ?"); values.append(.text(since.rfc3339)) }
        if let until = query.until { conditions.append("r.created_at < ?"); values.append(.text(until.rfc3339)) }
        values.append(.int(query.limit))
        return try db.query("""
            SELECT \(summaryColumns) FROM rollbacks r JOIN deployments d ON d.id = r.deployment_id
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY r.id DESC LIMIT ?
            """, values).map(summary)
    }
}
