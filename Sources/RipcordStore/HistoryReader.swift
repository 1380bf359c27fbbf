import Foundation
import RipcordCore
import SQLiteDB

/// Reads rollbacks and the audit log straight from a database file, read-only, for the CLI
/// (`rollback-history`, `audit verify`): no writer thread, no migration, nothing changed.
public final class HistoryReader {
    private let db: Database

    /// Opens the file read-only; fails with one readable line when it is missing or not Ripcord's.
    public init(path: String) throws(StoreError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.unavailable, "database \(path) does not exist")
        }
        do {
            db = try Database(path: path, mode: .readOnly)
            guard try db.queryOne("SELECT count(*) AS n FROM sqlite_master WHERE name = 'audit_events'")?.int("n") == 1 else {
                throw StoreError(.schema, "\(path) is not a migrated Ripcord database (run 'ripcord migrate')")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot read \(path): \(error)")
        }
    }

    private func run<T>(_ doing: String, _ work: () throws -> T) throws(StoreError) -> T {
        do {
            return try work()
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteStore.storeError(error, doing: doing)
        }
    }

    /// Rollbacks newest first, filtered.
    public func rollbacks(_ query: RollbackQuery) throws(StoreError) -> [RollbackSummary] {
        try run("listing rollbacks") { try RollbackRows.list(query, db) }
    }

    /// One rollback's summary, or nil.
    public func rollback(id: Int64) throws(StoreError) -> RollbackSummary? {
        try run("reading rollback \(id)") {
            try db.queryOne("SELECT \(RollbackRows.summaryColumns) FROM rollbacks r JOIN deployments d ON d.id = r.deployment_id WHERE r.id = ?",
                            [.integer(id)]).map(RollbackRows.summary)
        }
    }

    /// A rollback's audit events, oldest first.
    public func timeline(rollbackID: Int64) throws(StoreError) -> [AuditEvent] {
        try run("reading a timeline") { try AuditRows.timeline(rollbackID: rollbackID, db) }
    }

    /// Walks the audit chain.
    public func verifyAudit() throws(StoreError) -> AuditVerification {
        try run("verifying the audit log") { try AuditRows.verify(db) }
    }
}
