import Foundation
import RipcordCore
import SQLiteDB

/// The SQL behind deployments: recording (with supersede), listing, promoting and ending soak windows.
///
/// Times are stored as `Timestamp.rfc3339` (UTC, milliseconds), so they compare correctly as text.
enum DeploymentRows {
    /// Rollback statuses that keep a deployment in its soak window past `soak_ends_at`.
    static let inFlight = "'pending', 'running', 'verifying'"

    /// Every column of `deployments`, with `state` as it is at `?1` (now): an active deployment whose
    /// soak window passed and that has no rollback in flight reads as `stable` even before
    /// `stabilize` has written it, so readers never see a stale `active`.
    static let columns = """
        d.id, d.service, d.namespace, d.cluster, d.environment, d.version, d.previous_version, d.strategy,
        d.labels, d.target, d.soak_seconds, d.idempotency_key, d.deployed_at, d.soak_ends_at, d.promoted_at,
        d.superseded_by, d.updated_at, d.recorded_by,
        CASE WHEN d.state = 'active' AND d.soak_ends_at <= ?1 AND NOT EXISTS
                  (SELECT 1 FROM rollbacks r WHERE r.deployment_id = d.id AND r.status IN (\(inFlight)))
             THEN 'stable' ELSE d.state END AS state
        """

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Stores a deployment, or returns the one recorded earlier with the same idempotency key.
    static func record(_ new: NewDeployment, soakSeconds: Double, by credential: String, now: Timestamp,
                       in db: Database) throws -> (deployment: Deployment, created: Bool) {
        if let key = new.idempotencyKey,
           let existing = try db.queryOne("SELECT \(columns) FROM deployments d WHERE d.idempotency_key = ?2",
                                          [.text(now.rfc3339), .text(key)]) {
            return (Deployment(row: existing), false)
        }
        // Soak windows that already ended are stable, not superseded.
        _ = try stabilize(now: now, in: db)
        let replaced = try db.query("""
            SELECT id FROM deployments WHERE service = ? AND namespace = ? AND cluster = ? AND state = 'active'
            """, [.text(new.service), .text(new.namespace), .text(new.cluster)]).map { $0.int("id") }

        let at = now.rfc3339
        try db.run("""
            INSERT INTO deployments (service, namespace, cluster, environment, version, previous_version, strategy,
                labels, target, soak_seconds, idempotency_key, state, deployed_at, soak_ends_at, updated_at, recorded_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)
            """,
            [.text(new.service), .text(new.namespace), .text(new.cluster), .text(new.environment), .text(new.version),
             .text(new.previousVersion), .text(new.strategy.rawValue), .text(try json(new.labels)),
             .text(try json(new.target)), .real(soakSeconds), .optional(new.idempotencyKey), .text(at),
             .text(now.adding(seconds: soakSeconds).rfc3339), .text(at), .text(credential)])
        let id = db.lastInsertRowID

        try AuditRows.append(AuditRecord(
            kind: "deployment.recorded", service: new.service, namespace: new.namespace, deploymentID: id, actor: credential,
            summary: "deployment \(id) recorded: \(new.service) \(new.previousVersion.isEmpty ? "" : new.previousVersion + " → ")\(new.version) in \(new.namespace)\(new.cluster.isEmpty ? "" : "/" + new.cluster), soak \(DurationText.format(soakSeconds))",
            data: ["version": .string(new.version), "previous_version": .string(new.previousVersion),
                   "strategy": .string(new.strategy.rawValue), "cluster": .string(new.cluster),
                   "environment": .string(new.environment), "idempotency_key": .text(new.idempotencyKey),
                   "target": .object(new.target)]), db, now: now)
        for old in replaced {
            try db.run("UPDATE deployments SET state = 'superseded', superseded_by = ?, updated_at = ? WHERE id = ?",
                       [.integer(id), .text(at), .integer(old)])
            try AuditRows.append(AuditRecord(kind: "deployment.superseded", service: new.service, namespace: new.namespace,
                                             deploymentID: old, actor: credential,
                                             summary: "deployment \(old) superseded by deployment \(id)",
                                             data: ["superseded_by": .int(id)]), db, now: now)
            for pending in try db.query("SELECT id FROM rollbacks WHERE deployment_id = ? AND status = 'pending'", [.integer(old)]) {
                try RollbackRows.update(db, id: pending.int("id"), status: .cancelled, currentAction: nil, executor: nil,
                                        reason: "superseded by deployment \(id)", now: now, actor: credential)
            }
        }
        guard let stored = try find(id: id, now: now, in: db) else {
            throw StoreError(.failed, "deployment \(id) was not found right after it was stored")
        }
        return (stored, true)
    }

    /// One deployment as it is at `now`, or nil.
    static func find(id: Int64, now: Timestamp, in db: Database) throws -> Deployment? {
        try db.queryOne("SELECT \(columns) FROM deployments d WHERE d.id = ?2", [.text(now.rfc3339), .integer(id)])
            .map(Deployment.init(row:))
    }

    /// Deployments newest first, as they are at `now`.
    static func list(service: String?, state: DeploymentState?, limit: Int, now: Timestamp, in db: Database) throws -> [Deployment] {
        try db.query("""
            SELECT * FROM (SELECT \(columns) FROM deployments d WHERE ?2 IS NULL OR d.service = ?2)
            WHERE ?3 IS NULL OR state = ?3
            ORDER BY id DESC LIMIT ?4
            """, [.text(now.rfc3339), .optional(service), .optional(state?.rawValue), .int(limit)])
            .map(Deployment.init(row:))
    }

    /// Makes an active deployment without a rollback in flight stable, recording when; returns it as it is after.
    static func promote(id: Int64, by credential: String, now: Timestamp, in db: Database) throws -> Deployment? {
        _ = try stabilize(now: now, in: db)
        let at = now.rfc3339
        try db.run("""
            UPDATE deployments SET state = 'stable', promoted_at = ?, updated_at = ?
            WHERE id = ? AND state = 'active'
              AND NOT EXISTS (SELECT 1 FROM rollbacks r WHERE r.deployment_id = deployments.id AND r.status IN (\(inFlight)))
            """, [.text(at), .text(at), .integer(id)])
        let promoted = try find(id: id, now: now, in: db)
        if db.changes == 1, let promoted {
            try AuditRows.append(AuditRecord(kind: "deployment.promoted", service: promoted.service, namespace: promoted.namespace,
                                             deploymentID: id, actor: credential,
                                             summary: "deployment \(id) promoted: \(promoted.service) \(promoted.version) is stable"),
                                 db, now: now)
        }
        return promoted
    }

    static let expiredCondition = """
        state = 'active' AND soak_ends_at <= ?
          AND NOT EXISTS (SELECT 1 FROM rollbacks r WHERE r.deployment_id = deployments.id AND r.status IN (\(inFlight)))
        """

    /// Whether any active deployment's soak window has passed (a read, so most calls need no write).
    static func hasExpired(now: Timestamp, in db: Database) throws -> Bool {
        try db.queryOne("SELECT EXISTS (SELECT 1 FROM deployments WHERE \(expiredCondition)) AS due",
                        [.text(now.rfc3339)])?.int("due") == 1
    }

    /// Active deployments whose soak window passed and that have no rollback in flight become stable.
    static func stabilize(now: Timestamp, in db: Database) throws -> Int {
        let due = try db.query("SELECT id, service, namespace, version FROM deployments WHERE \(expiredCondition)", [.text(now.rfc3339)])
        for row in due {
            try db.run("UPDATE deployments SET state = 'stable', updated_at = ? WHERE id = ?", [.text(now.rfc3339), row["id"]])
            try AuditRows.append(AuditRecord(kind: "deployment.stable", service: row.text("service"), namespace: row.text("namespace"),
                                             deploymentID: row.int("id"), actor: "engine",
                                             summary: "deployment \(row.int("id")) (\(row.text("service")) \(row.text("version"))) passed its soak window and is stable"),
                                 db, now: now)
        }
        return due.count
    }
}
