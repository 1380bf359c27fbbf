import RipcordCore
import SQLiteDB

extension SQLiteStore: AuditStore {
    public func appendAudit(_ record: AuditRecord, now: Timestamp) throws(StoreError) {
        _ = try write("recording an audit event") { db in try AuditRows.append(record, db, now: now) }
    }

    public func auditEvents(_ query: AuditQuery) throws(StoreError) -> [AuditEvent] {
        try read("reading the audit log") { db in try AuditRows.list(query, db) }
    }

    public func verifyAudit() throws(StoreError) -> AuditVerification {
        try read("verifying the audit log") { db in try AuditRows.verify(db) }
    }

    public func pruneAudit(olderThan cutoff: Timestamp, now: Timestamp) throws(StoreError) -> Int {
        try write("pruning the audit log") { db in
            let count = try AuditRows.prune(olderThan: cutoff, db, now: now)
            if count > 0 {
                try AuditRows.append(AuditRecord(kind: "audit.pruned", actor: "engine",
                                                 summary: "retention pruned \(count) audit event(s) older than \(cutoff.rfc3339)",
                                                 data: ["count": .int(count), "cutoff": .string(cutoff.rfc3339)]), db, now: now)
            }
            return count
        }
    }

    /// Rollbacks newest first, filtered.
    public func rollbacks(_ query: RollbackQuery) throws(StoreError) -> [RollbackSummary] {
        try read("listing rollbacks") { db in try RollbackRows.list(query, db) }
    }
}

extension SQLiteStore {
    /// A rollback's audit events, oldest first: its timeline.
    public func timeline(rollbackID: Int64) throws(StoreError) -> [AuditEvent] {
        try read("reading a rollback's timeline") { db in try AuditRows.timeline(rollbackID: rollbackID, db) }
    }
}
