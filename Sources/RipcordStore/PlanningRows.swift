import Foundation
import RipcordCore
import SQLiteDB

/// The SQL behind planning: the snapshot the planner reads and the plan it writes.
enum PlanningRows {
    /// A snapshot and the delivery it was loaded for, so a batch reuses it only where it is complete.
    struct LoadedSnapshot {
        var snapshot: PlanningSnapshot
        /// The fingerprints whose triggers were loaded.
        var fingerprints: Set<String>
        /// Whether each rollback's other firing triggers were counted.
        var countsFiring: Bool
        /// The services whose last rollback was read (for cooldowns); nil: every soaking deployment's.
        var cooldownServices: Set<String>?
        /// Set once a plan changed rollbacks or the circuit: only `activeDeployments` still holds
        /// (planning writes no deployment, and a batch plans at one `now`).
        var stale = false

        /// Whether it holds everything planning `group` reads; `services` are the ones its plan may
        /// ask cooldowns of (`PlanningRows.cooldownServices`).
        func covers(_ group: AlertGroup, services: Set<String>?) -> Bool {
            if stale { return false }
            if let loaded = cooldownServices {
                guard let services, services.isSubset(of: loaded) else { return false }
            }
            if snapshot.rollbacks.isEmpty { return true }
            if !countsFiring && group.alerts.contains(where: { $0.status == .resolved }) { return false }
            return group.alerts.allSatisfy { fingerprints.contains($0.fingerprint) }
        }
    }

    /// What the planner reads for `group`: rollbacks carry only the triggers of the group's alerts
    /// (found by the fingerprint index) and, when a resolution needs it, a count of their other firing
    /// ones, so planning a delivery does not read every trigger of every soaking deployment's rollback
    /// (an alert storm made that quadratic).
    /// `earlier`, when given, was read in the same transaction at the same `now`: its soaking
    /// deployments (and their indexes) are kept (a batch re-reads rollbacks after a plan changed
    /// them, not deployments).
    /// `cooldownServices` limits the cooldown lookups to those services (nil: every soaking one).
    static func snapshot(_ db: Database, now: Timestamp, windowSeconds: Double, for group: AlertGroup,
                         reusing earlier: PlanningSnapshot? = nil,
                         cooldownServices: Set<String>? = nil) throws -> LoadedSnapshot {
        // Deployments being or already rolled back stay visible, so later alerts join their rollback.
        let deployments = try earlier?.activeDeployments
            ?? db.query("SELECT * FROM deployments WHERE state IN ('active', 'rolling_back', 'rolled_back') AND soak_ends_at > ?",
                        [.text(now.rfc3339)]).map(Deployment.init(row:))
        var rollbacks: [Int64: ExistingRollback] = [:]
        // Lists are bound as one JSON array, so each query is one cached statement whatever its length.
        let ids = CanonicalJSON.string(.array(deployments.map { .number(Double($0.id)) }))
        let rows = try db.query("""
            SELECT id, deployment_id, policy, status FROM rollbacks
            WHERE status IN ('pending', 'running', 'verifying', 'interrupted')
               OR deployment_id IN (SELECT value FROM json_each(?))
            """, [.text(ids)])
        for row in rows {
            let id = row.int("id")
            rollbacks[id] = ExistingRollback(id: id, deploymentID: row.int("deployment_id"), policy: row.text("policy"),
                                             status: RollbackStatus(rawValue: row.text("status")) ?? .pending, triggers: [:])
        }
        let fingerprints = Set(group.alerts.map(\.fingerprint))
        // Only a resolution asks how many triggers still fire.
        let countsFiring = group.alerts.contains { $0.status == .resolved }
        if !rollbacks.isEmpty && !fingerprints.isEmpty {
            let list = CanonicalJSON.string(.array(fingerprints.sorted().map { .string($0) }))
            for t in try db.query("""
                SELECT rollback_id, fingerprint, starts_at, status FROM rollback_triggers
                WHERE fingerprint IN (SELECT value FROM json_each(?))
                """, [.text(list)]) {
                let key = TriggerKey(fingerprint: t.text("fingerprint"), startsAt: Timestamp(rfc3339: t.text("starts_at")) ?? .zero)
                rollbacks[t.int("rollback_id")]?.triggers[key] = AlertStatus(rawValue: t.text("status")) ?? .firing
            }
            if countsFiring {
                let list = CanonicalJSON.string(.array(rollbacks.keys.sorted().map { .number(Double($0)) }))
                for row in try db.query("""
                    SELECT rollback_id, count(*) AS n FROM rollback_triggers
                    WHERE status = 'firing' AND rollback_id IN (SELECT value FROM json_each(?)) GROUP BY rollback_id
                    """, [.text(list)]) {
                    let id = row.int("rollback_id")
                    let loaded = rollbacks[id]?.triggers.values.filter { $0 == .firing }.count ?? 0
                    rollbacks[id]?.otherFiringTriggers = Int(row.int("n")) - loaded
                }
            }
        }
        // Cooldowns are looked up by the service of a soaking deployment: read only those services.
        var last: [String: Timestamp] = [:]
        var soakingServices = Set(deployments.map(\.service))
        if let cooldownServices { soakingServices.formIntersection(cooldownServices) }
        let services = CanonicalJSON.string(.array(soakingServices.sorted().map { .string($0) }))
        for row in try db.query("""
            SELECT service, max(created_at) AS at FROM rollbacks
            WHERE service IN (SELECT value FROM json_each(?)) AND status != 'cancelled' GROUP BY service
            """, [.text(services)]) {
            last[row.text("service")] = Timestamp(rfc3339: row.text("at"))
        }
        let circuit = try CircuitRows.state(db, now: now, windowSeconds: windowSeconds)
        var snapshot: PlanningSnapshot
        if var earlier {   // keeps its deployments' indexes
            earlier.rollbacks = rollbacks
            earlier.lastRollbackAt = last
            earlier.circuit = circuit
            snapshot = earlier
        } else {
            snapshot = PlanningSnapshot(activeDeployments: deployments, rollbacks: rollbacks, lastRollbackAt: last,
                                        circuit: circuit)
        }
        return LoadedSnapshot(snapshot: snapshot, fingerprints: fingerprints, countsFiring: countsFiring,
                              cooldownServices: cooldownServices)
    }

    /// The services a plan for `group` can look up cooldowns of: a matched deployment's service is
    /// the value of the label its policy maps to `service`, so these are those labels' values; nil
    /// (every service) when a policy maps no service.
    static func cooldownServices(for group: AlertGroup, planner: Planner) -> Set<String>? {
        var services: Set<String> = []
        for policy in planner.policies {
            guard let label = policy.deployment["service"] else { return nil }
            for alert in group.alerts { if let value = alert.labels[label] { services.insert(value) } }
        }
        return services
    }

    /// Plans one stored delivery (snapshot, plan, apply), in the caller's transaction; an already
    /// planned one gives no decisions. `known` is its notification when the caller has it decoded.
    /// `cached` carries the snapshot from one delivery to the next of a batch (same `now`) while
    /// plans only record decisions and it covers the next delivery's alerts; after a plan that changes
    /// rollbacks or the circuit, the next delivery re-reads everything but the deployments.
    static func plan(deliveryID id: Int64, group known: AlertGroup?, planner: Planner, _ db: Database,
                     now: Timestamp, cached: inout LoadedSnapshot?) throws -> [Decision] {
        let columns = known == nil ? "raw_body, planned_at" : "planned_at"
        guard let row = try db.queryOne("SELECT \(columns) FROM deliveries WHERE id = ?", [.integer(id)]),
              row["planned_at"] == .null else { return [] }
        let group = try known ?? NotificationDecoder.decode(row["raw_body"].bytes ?? [])
        let services = cooldownServices(for: group, planner: planner)
        var loaded = try cached.flatMap { $0.covers(group, services: services) ? $0 : nil }
            ?? snapshot(db, now: now, windowSeconds: planner.limits.windowSeconds, for: group,
                        reusing: cached?.snapshot, cooldownServices: services)
        let plan = planner.plan(deliveryID: id, group: group, snapshot: loaded.snapshot, now: now)
        let changesState = !plan.newRollbacks.isEmpty || !plan.attachments.isEmpty || !plan.resolutions.isEmpty
            || !plan.cancellations.isEmpty || plan.circuitOpened != nil
        loaded.stale = loaded.stale || changesState
        cached = loaded
        let decisions = try apply(plan, db, now: now, soaking: loaded.snapshot)
        try db.run("UPDATE deliveries SET planned_at = ? WHERE id = ?", [.text(now.rfc3339), .integer(id)])
        return decisions
    }

    /// Writes a plan; returns the decisions with their ids and rollback ids filled in. `soaking`, the
    /// snapshot it was planned from, names the deployments its decisions refer to (a resolution's
    /// rollback may belong to one no longer soaking: that one is read).
    static func apply(_ plan: RollbackPlan, _ db: Database, now: Timestamp, soaking: PlanningSnapshot) throws -> [Decision] {
        let at = now.rfc3339
        var newIDs: [Int64] = []
        for rollback in plan.newRollbacks {
            let actions = String(decoding: try JSONEncoder().encode(rollback.actions), as: UTF8.self)
            try db.run("""
                INSERT INTO rollbacks (deployment_id, policy, service, namespace, status, actions, created_at, not_before, updated_at)
                VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)
                """,
                [.integer(rollback.deployment.id), .text(rollback.policy), .text(rollback.deployment.service),
                 .text(rollback.deployment.namespace), .text(actions), .text(at), .text(rollback.notBefore.rfc3339), .text(at)])
            let id = db.lastInsertRowID
            newIDs.append(id)
            for trigger in rollback.triggers { try insertTrigger(trigger, rollbackID: id, db, at: at) }
            let d = rollback.deployment
            try AuditRows.append(AuditRecord(
                kind: "rollback.pending", service: d.service, namespace: d.namespace, deploymentID: d.id, rollbackID: id,
                deliveryID: rollback.triggers.first?.deliveryID, actor: "engine",
                summary: "rollback \(id) planned for deployment \(d.id) (\(d.service) \(d.version) → \(d.previousVersion)) by policy \(rollback.policy); starts at \(rollback.notBefore.rfc3339)",
                data: ["policy": .string(rollback.policy), "actions": .array(rollback.actions.map { .string($0) }),
                       "not_before": .string(rollback.notBefore.rfc3339),
                       "triggers": .array(rollback.triggers.map { .string("\($0.alertname) \($0.key.fingerprint)") })]),
                db, now: now)
        }
        for (rollbackID, trigger) in plan.attachments { try insertTrigger(trigger, rollbackID: rollbackID, db, at: at) }
        for (rollbackID, key) in plan.resolutions {
            try db.run("UPDATE rollback_triggers SET status = 'resolved' WHERE rollback_id = ? AND fingerprint = ? AND starts_at = ?",
                       [.integer(rollbackID), .text(key.fingerprint), .text(key.startsAt.rfc3339Nanoseconds)])
        }
        for (rollbackID, reason) in plan.cancellations {
            try db.run("UPDATE rollbacks SET status = 'cancelled', reason = ?, finished_at = ?, updated_at = ? WHERE id = ? AND status = 'pending'",
                       [.text(reason), .text(at), .text(at), .integer(rollbackID)])
        }
        if let reason = plan.circuitOpened {
            try db.run("INSERT INTO circuit_events (event, at, reason, actor) VALUES ('opened', ?, ?, 'planner')",
                       [.text(at), .text(reason)])
        }
        var decisions: [Decision] = []
        for (decision, reference) in plan.decisions {
            var recorded = decision
            switch reference {
            case .existing(let id): recorded.rollbackID = id
            case .new(let index): recorded.rollbackID = newIDs[index]
            case nil: break
            }
            try db.run("""
                INSERT INTO decisions (delivery_id, fingerprint, alertname, alert_status, outcome, policy, deployment_id,
                    rollback_id, reason, decided_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.integer(recorded.deliveryID), .text(recorded.fingerprint), .text(recorded.alertname),
                 .text(recorded.alertStatus.rawValue), .text(recorded.outcome.rawValue), .optional(recorded.policy),
                 recorded.deploymentID.map { .integer($0) } ?? .null, recorded.rollbackID.map { .integer($0) } ?? .null,
                 .text(recorded.reason), .text(recorded.decidedAt)])
            recorded.id = db.lastInsertRowID
            decisions.append(recorded)
            let deployment = recorded.deploymentID.flatMap { soaking.deployment(id: $0) }
            let place = try deployment == nil ? recorded.deploymentID.flatMap { id in
                try db.queryOne("SELECT service, namespace FROM deployments WHERE id = ?", [.integer(id)])
            } : nil
            try AuditRows.append(AuditRecord(
                kind: "decision", service: deployment?.service ?? place?.text("service") ?? recorded.service,
                namespace: deployment?.namespace ?? place?.text("namespace") ?? recorded.namespace,
                deploymentID: recorded.deploymentID,
                rollbackID: recorded.rollbackID, deliveryID: recorded.deliveryID, actor: "engine",
                summary: "\(recorded.alertname) \(recorded.alertStatus.rawValue) (\(recorded.fingerprint)): \(recorded.outcome.rawValue) — \(recorded.reason)",
                data: ["outcome": .string(recorded.outcome.rawValue), "policy": .text(recorded.policy),
                       "fingerprint": .string(recorded.fingerprint), "alertname": .string(recorded.alertname),
                       "decision_id": .int(recorded.id)]),
                db, now: now)
        }
        return decisions
    }

    static func insertTrigger(_ trigger: RollbackTrigger, rollbackID: Int64, _ db: Database, at: String) throws {
        try db.run("""
            INSERT INTO rollback_triggers (rollback_id, fingerprint, starts_at, alertname, delivery_id, status, added_at)
            VALUES (?, ?, ?, ?, ?, 'firing', ?)
            ON CONFLICT (rollback_id, fingerprint, starts_at) DO NOTHING
            """,
            [.integer(rollbackID), .text(trigger.key.fingerprint), .text(trigger.key.startsAt.rfc3339Nanoseconds),
             .text(trigger.alertname), .integer(trigger.deliveryID), .text(at)])
    }

    static func decision(_ row: Row) -> Decision {
        Decision(id: row.int("id"), deliveryID: row.int("delivery_id"), fingerprint: row.text("fingerprint"),
                 alertname: row.text("alertname"), alertStatus: AlertStatus(rawValue: row.text("alert_status")) ?? .firing,
                 outcome: DecisionOutcome(rawValue: row.text("outcome")) ?? .notMatched, policy: row.optionalText("policy"),
                 deploymentID: row["deployment_id"].int64, rollbackID: row["rollback_id"].int64,
                 reason: row.text("reason"), decidedAt: row.text("decided_at"))
    }
}

/// The circuit breaker's rows.
enum CircuitRows {
    static func state(_ db: Database, now: Timestamp, windowSeconds: Double) throws -> CircuitState {
        let windowStart = now.adding(seconds: -windowSeconds)
        let lastReset = try db.queryOne("SELECT max(at) AS at FROM circuit_events WHERE event = 'reset'")?.optionalText("at")
            .flatMap { Timestamp(rfc3339: $0) }
        let since = max(windowStart, lastReset ?? windowStart)
        let count = try db.queryOne("SELECT count(*) AS n FROM rollbacks WHERE status != 'cancelled' AND created_at >= ?",
                                    [.text(since.rfc3339)])?.int("n") ?? 0
        var state = CircuitState(rollbacksInWindow: Int(count))
        if let opened = try db.queryOne("SELECT at, reason FROM circuit_events WHERE event = 'opened' ORDER BY id DESC LIMIT 1"),
           let at = Timestamp(rfc3339: opened.text("at")), at >= since {
            state.openedAt = at
            state.reason = opened.text("reason")
        }
        return state
    }
}
