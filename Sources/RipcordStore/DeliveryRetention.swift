import RipcordCore
import SQLiteDB

/// The SQL behind `deliveries.retention`: old deliveries go with their alerts, duplicate arrivals
/// and decisions, a chunk per transaction; a delivery that is not yet planned, or that a rollback
/// was triggered by or joined by, stays.
enum DeliveryRetentionRows {
    /// The highest delivery id received before `cutoff`, or nil. Deliveries are numbered in the
    /// order they are stored and stamped as they arrive, so `received_at` rises with the id (to
    /// within the milliseconds between a request and its commit): a binary search over the primary
    /// key finds the boundary without reading the table.
    static func lastIDBefore(_ cutoff: Timestamp, _ db: Database) throws -> Int64? {
        let probe = "SELECT id, received_at FROM deliveries WHERE id >= ? ORDER BY id LIMIT 1"
        guard let first = try db.queryOne(probe, [.integer(0)]), first.text("received_at") < cutoff.rfc3339 else { return nil }
        var low = first.int("id")                        // received before the cutoff
        var high = (try db.queryOne("SELECT max(id) AS id FROM deliveries")?.int("id") ?? low) + 1
        while high - low > 1 {
            let middle = low + (high - low) / 2
            guard let row = try db.queryOne(probe, [.integer(middle)]) else { high = middle; continue }
            if row.text("received_at") < cutoff.rfc3339 { low = row.int("id") } else { high = middle }
        }
        return low
    }

    /// Deletes up to `limit` deliveries with ids in (`after`, `through`] received before `cutoff`,
    /// with everything that refers to them; returns how many and the last id looked at.
    static func pruneChunk(after: Int64, through: Int64, cutoff: Timestamp, limit: Int,
                           _ db: Database) throws -> (pruned: Int, cursor: Int64) {
        let candidates = try db.query("""
            SELECT id, received_at < ? AND planned_at IS NOT NULL
                   AND NOT EXISTS (SELECT 1 FROM rollback_triggers t WHERE t.delivery_id = deliveries.id)
                   AND NOT EXISTS (SELECT 1 FROM decisions c WHERE c.delivery_id = deliveries.id AND c.rollback_id IS NOT NULL)
                   AS prunable
            FROM deliveries WHERE id > ? AND id <= ? ORDER BY id LIMIT ?
            """, [.text(cutoff.rfc3339), .integer(after), .integer(through), .int(limit)])
        guard let last = candidates.last?.int("id") else { return (0, through) }
        let ids = candidates.filter { $0.int("prunable") == 1 }.map { String($0.int("id")) }
        guard !ids.isEmpty else { return (0, last) }
        let list = SQLValue.text("[" + ids.joined(separator: ",") + "]")
        for table in ["decisions", "delivery_alerts", "delivery_duplicates"] {
            try db.run("DELETE FROM \(table) WHERE delivery_id IN (SELECT value FROM json_each(?))", [list])
        }
        try db.run("DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?))", [list])
        return (db.changes, last)
    }
}

extension SQLiteStore {
    /// Applies `deliveries.retention` once: deletes deliveries received before `cutoff` (with their
    /// alerts, duplicate arrivals and decisions) in transactions of `chunk` deliveries, so intake
    /// commits go between them; stops after `maxChunks`. Deliveries not yet planned and those a
    /// rollback was triggered or joined by are kept. Records one `deliveries.pruned` audit event
    /// when it deleted any. `keepGoing` is asked before each chunk (the engine stops at shutdown).
    /// Returns how many it deleted and whether it stopped before the end.
    public func pruneDeliveries(olderThan cutoff: Timestamp, now: Timestamp, chunk: Int = 200, maxChunks: Int = 500,
                                keepGoing: () -> Bool = { true }) throws(StoreError) -> (pruned: Int, more: Bool) {
        guard let boundary = try read("finding deliveries past retention", { db in
            try DeliveryRetentionRows.lastIDBefore(cutoff, db)
        }) else { return (0, false) }
        var cursor: Int64 = 0, pruned = 0, chunks = 0
        while cursor < boundary && chunks < maxChunks && keepGoing() {
            let from = cursor
            let step = try write("pruning deliveries") { db in
                try DeliveryRetentionRows.pruneChunk(after: from, through: boundary, cutoff: cutoff, limit: chunk, db)
            }
            pruned += step.pruned
            cursor = step.cursor
            chunks += 1
        }
        if pruned > 0 {
            try appendAudit(AuditRecord(kind: "deliveries.pruned", actor: "engine",
                                        summary: "retention pruned \(pruned) delivery(ies) received before \(cutoff.rfc3339)",
                                        data: ["count": .int(pruned), "cutoff": .string(cutoff.rfc3339)]), now: now)
        }
        return (pruned, cursor < boundary)
    }
}
