import Foundation
import RipcordCore
import SQLiteDB

/// The SQL behind the audit log: chained appends, reads, verification and retention.
enum AuditRows {
    /// Appends an event to the chain, in the caller's transaction.
    @discardableResult
    static func append(_ record: AuditRecord, _ db: Database, now: Timestamp) throws -> Int64 {
        try append(record, encodedData: CanonicalJSON.string(.object(record.data)), db, now: now)
    }

    /// The chain's last event as this connection last wrote or read it; kept in `Database.kept`
    /// (cleared on a rollback or another connection's commit), so an append does not read it back.
    struct ChainHead {
        var id: Int64
        var hash: String
        var at: String
    }

    static func chainHead(_ db: Database) throws -> ChainHead {
        if let head = db.kept[ChainHead.self] { return head }
        let sequence = try db.queryOne("SELECT seq FROM sqlite_sequence WHERE name = 'audit_events'")?.int("seq") ?? 0
        if let last = try db.queryOne("SELECT hash, at FROM audit_events ORDER BY id DESC LIMIT 1") {
            return ChainHead(id: sequence, hash: last.text("hash"), at: last.text("at"))
        } else if let anchor = try db.queryOne("SELECT prev_hash FROM audit_anchor WHERE id = 1") {
            return ChainHead(id: sequence, hash: anchor.text("prev_hash"), at: "")
        }
        return ChainHead(id: sequence, hash: AuditEvent.genesisHash, at: "")
    }

    /// `append` with the record's data already encoded as canonical JSON (callers encode it before
    /// they queue the write, off the writer thread).
    @discardableResult
    static func append(_ record: AuditRecord, encodedData data: String, _ db: Database, now: Timestamp) throws -> Int64 {
        let head = try chainHead(db)
        let previous = head.hash
        // Times never go backwards along the chain, so a time bound is also an id bound (see list).
        let at = max(now.rfc3339, head.at)
        let id = head.id + 1
        var event = AuditEvent(id: id, at: at, kind: record.kind, service: record.service,
                               namespace: record.namespace, deploymentID: record.deploymentID,
                               rollbackID: record.rollbackID, deliveryID: record.deliveryID, actor: record.actor,
                               summary: record.summary, data: data, prevHash: previous, hash: "")
        event.hash = AuditEvent.chainHash(previous: previous, content: event.canonicalContent)
        try db.run("""
            INSERT INTO audit_events (id, at, kind, service, namespace, deployment_id, rollback_id, delivery_id, actor,
                summary, data, prev_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.integer(id), .text(event.at), .text(event.kind), .optional(event.service), .optional(event.namespace),
             event.deploymentID.map { .integer($0) } ?? .null, event.rollbackID.map { .integer($0) } ?? .null,
             event.deliveryID.map { .integer($0) } ?? .null, .text(event.actor), .text(event.summary), .text(event.data),
             .text(event.prevHash), .text(event.hash)])
        db.kept[ChainHead.self] = ChainHead(id: id, hash: event.hash, at: event.at)
        return id
    }

    static func event(_ row: Row) -> AuditEvent {
        AuditEvent(id: row.int("id"), at: row.text("at"), kind: row.text("kind"), service: row.optionalText("service"),
                   namespace: row.optionalText("namespace"), deploymentID: row["deployment_id"].int64,
                   rollbackID: row["rollback_id"].int64, deliveryID: row["delivery_id"].int64, actor: row.text("actor"),
                   summary: row.text("summary"), data: row.text("data"), prevHash: row.text("prev_hash"),
                   hash: row.text("hash"))
    }

    static func list(_ query: AuditQuery, _ db: Database) throws -> [AuditEvent] {
        // `at` grows with `id` (append keeps it monotonic), so time bounds become id bounds the
        // per-filter (column, id) indexes can use; the `at` conditions below stay for exactness.
        var upper = query.before ?? Int64.max
        var lower: Int64 = 0
        let firstAtOrAfter = "SELECT id FROM audit_events WHERE at >= ? ORDER BY at LIMIT 1"
        if let until = query.until {
            upper = min(upper, try db.queryOne(firstAtOrAfter, [.text(until.rfc3339)])?.int("id") ?? Int64.max)
        }
        if let since = query.since {
            lower = try db.queryOne(firstAtOrAfter, [.text(since.rfc3339)])?.int("id") ?? Int64.max
        }
        var conditions = ["id < ?", "id >= ?"]
        var values: [SQLValue] = [.integer(upper), .integer(lower)]
        if let service = query.service { conditions.append("service = ?"); values.append(.text(service)) }
        if let namespace = query.namespace { conditions.append("namespace = ?"); values.append(.text(namespace)) }
        if let deployment = query.deploymentID { conditions.append("deployment_id = ?"); values.append(.integer(deployment)) }
        if let rollback = query.rollbackID { conditions.append("rollback_id = ?"); values.append(.integer(rollback)) }
        if let kind = query.kind { conditions.append("kind = ?"); values.append(.text(kind)) }
        if let since = query.since { conditions.append("at >= ?"); values.append(.text(since.rfc3339)) }
        if let until = query.until { conditions.append("at < ?"); values.append(.text(until.rfc3339)) }
        values.append(.int(query.limit))
        return try db.query("SELECT * FROM audit_events WHERE \(conditions.joined(separator: " AND ")) ORDER BY id DESC LIMIT ?",
                            values).map(event)
    }

    static func timeline(rollbackID: Int64, _ db: Database) throws -> [AuditEvent] {
        try db.query("SELECT * FROM audit_events WHERE rollback_id = ? ORDER BY id", [.integer(rollbackID)]).map(event)
    }

    /// Walks the whole chain and names the first event that does not follow from the one before.
    static func verify(_ db: Database) throws -> AuditVerification {
        var expected = AuditEvent.genesisHash
        var firstExpectedID: Int64?
        if let anchor = try db.queryOne("SELECT first_id, prev_hash FROM audit_anchor WHERE id = 1") {
            expected = anchor.text("prev_hash")
            firstExpectedID = anchor.int("first_id")
        }
        var checked = 0
        var previousID: Int64?
        let statement = try db.statement("SELECT * FROM audit_events WHERE id > ? ORDER BY id LIMIT 10000")
        var after: Int64 = 0
        while true {
            let rows = try statement.query([.integer(after)])
            if rows.isEmpty { break }
            for row in rows {
                let event = event(row)
                if previousID == nil, let first = firstExpectedID, event.id != first {
                    return AuditVerification(checked: checked, firstBrokenID: event.id,
                                             problem: "the chain should begin at event \(first) (where retention left it), but begins at \(event.id)")
                }
                if let previousID, event.id != previousID + 1 {
                    return AuditVerification(checked: checked, firstBrokenID: event.id,
                                             problem: "events \(previousID + 1)…\(event.id - 1) are missing")
                }
                if event.prevHash != expected {
                    return AuditVerification(checked: checked, firstBrokenID: event.id,
                                             problem: "its prev_hash does not match the hash of the event before it")
                }
                let recomputed = AuditEvent.chainHash(previous: expected, content: event.canonicalContent)
                if recomputed != event.hash {
                    return AuditVerification(checked: checked, firstBrokenID: event.id,
                                             problem: "its content does not match its hash (the row was changed)")
                }
                expected = event.hash
                previousID = event.id
                checked += 1
            }
            after = previousID ?? after
        }
        return AuditVerification(checked: checked, firstBrokenID: nil, problem: nil)
    }

    /// Deletes events older than `cutoff`, recording where the kept chain begins; returns how many.
    static func prune(olderThan cutoff: Timestamp, _ db: Database, now: Timestamp) throws -> Int {
        guard let last = try db.queryOne("SELECT id, hash FROM audit_events WHERE at < ? ORDER BY id DESC LIMIT 1",
                                         [.text(cutoff.rfc3339)]) else { return 0 }
        let lastID = last.int("id")
        try db.run("INSERT INTO audit_prune_permit (id, max_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET max_id = excluded.max_id",
                   [.integer(lastID)])
        try db.run("DELETE FROM audit_events WHERE id <= ?", [.integer(lastID)])
        let count = db.changes
        try db.run("DELETE FROM audit_prune_permit")
        try db.run("""
            INSERT INTO audit_anchor (id, first_id, prev_hash, pruned_at, pruned) VALUES (1, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET first_id = excluded.first_id, prev_hash = excluded.prev_hash,
                pruned_at = excluded.pruned_at, pruned = audit_anchor.pruned + excluded.pruned
            """, [.integer(lastID + 1), .text(last.text("hash")), .text(now.rfc3339), .int(count)])
        return count
    }
}

extension JSONValue {
    /// A string value, or null for nil.
    static func text(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
    /// A number value, or null for nil.
    static func int<T: BinaryInteger>(_ value: T?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
}
