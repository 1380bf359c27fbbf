import Foundation
import RipcordCore
import SQLiteDB
import Synchronization

/// The SQLite store: one writer connection with group commit, one reader connection, WAL mode.
public final class SQLiteStore: DeliveryStore, @unchecked Sendable {
    /// The database file.
    public let path: String
    let writer: GroupCommitWriter
    private let checkpointer: WALCheckpointer
    private let reader: Database
    private let readLock = NSLock()

    /// Opens (creating folder and file when missing) and migrates the database.
    public init(path: String, migrate: Bool = true, busyTimeoutMilliseconds: Int32 = 5_000) throws(StoreError) {
        self.path = path
        do {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        } catch {
            throw StoreError(.unavailable, "cannot create the database folder for \(path): \(error.localizedDescription)")
        }
        do {
            let writeConnection = try Database(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            try writeConnection.execute("PRAGMA journal_mode = WAL")
            try SQLiteStore.configure(writeConnection)
            if migrate {
                try Migrator(database: writeConnection).migrate()
            } else if try !Migrator(database: writeConnection).isUpToDate() {
                throw StoreError(.schema, "the database \(path) is not migrated; run 'ripcord migrate'")
            }
            let readConnection = try Database(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
            try SQLiteStore.configure(readConnection)
            self.reader = readConnection
            // The writer appends to the WAL; another thread copies the pages into the database file.
            // A larger page cache than SQLite's 2 MB default keeps the index pages that deliveries
            // and audit events touch at random (body_sha256) from being read back from the file.
            try writeConnection.execute("""
                PRAGMA wal_autocheckpoint = \(WALCheckpointer.writerAutocheckpointPages);
                PRAGMA cache_size = -8000
                """)
            let checkpointer = try WALCheckpointer(path: path)
            self.checkpointer = checkpointer
            self.writer = GroupCommitWriter(database: writeConnection) { checkpointer.committed() }
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteStore.storeError(error, doing: "opening \(path)")
        }
    }

    static func configure(_ database: Database) throws(SQLiteError) {
        try database.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY")
    }

    /// Finishes queued writes and closes the writer.
    public func close() {
        writer.stop()
        checkpointer.stop()
    }

    /// Runs `work` in a committed write transaction (shared with other writes arriving at the same time).
    /// `urgent`: a rollback waits for it to start, so it goes ahead of queued writes (see GroupCommitWriter).
    public func write<T>(_ doing: String, urgent: Bool = false, _ work: @escaping (Database) throws -> T) throws(StoreError) -> T {
        do {
            return try writer.write(urgent: urgent, work)
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteStore.storeError(error, doing: doing)
        }
    }

    /// Runs `work` on the reader connection.
    public func read<T>(_ doing: String, _ work: (Database) throws -> T) throws(StoreError) -> T {
        readLock.lock()
        defer { readLock.unlock() }
        do {
            return try work(reader)
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteStore.storeError(error, doing: doing)
        }
    }

    /// Maps SQLite failures to store errors: full disk, read-only, I/O and lock errors are "unavailable".
    static func storeError(_ error: Error, doing: String) -> StoreError {
        guard let sqlite = error as? SQLiteError else {
            return StoreError(.failed, "\(doing): \(error)")
        }
        switch sqlite.primaryCode {
        case 5, 6, 8, 10, 13, 14, 21:   // BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN, MISUSE(closed)
            return StoreError(.unavailable, "\(doing): \(sqlite.message) (SQLite \(sqlite.code))")
        default:
            return StoreError(.failed, "\(doing): \(sqlite.message) (SQLite \(sqlite.code))")
        }
    }

    // MARK: - DeliveryStore

    public func recordDelivery(_ delivery: IncomingDelivery) throws(StoreError) -> RecordedDelivery {
        let prepared = DeliveryRows.Prepared(delivery)
        return try write("storing a delivery") { db in
            try DeliveryRows.record(prepared, in: db)
        }
    }

    public func listDeliveries(limit: Int, before: Int64?) throws(StoreError) -> [DeliverySummary] {
        try read("listing deliveries") { db in
            try DeliveryRows.list(limit: limit, before: before, in: db)
        }
    }

    public func delivery(id: Int64) throws(StoreError) -> DeliveryDetail? {
        try read("reading delivery \(id)") { db in
            try DeliveryRows.detail(id: id, in: db)
        }
    }

    public func checkReady() throws(StoreError) {
        try write("checking the database takes writes") { db in
            try db.run("INSERT INTO readiness (id, checked_at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
                       [.text(Timestamp.now().rfc3339)])
        }
    }
}
