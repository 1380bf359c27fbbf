import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// One SQLite connection. Not safe for concurrent use: callers serialize access (one lock per connection).
public final class Database {
    let handle: OpaquePointer
    /// The file this connection opened.
    public let path: String
    private var cache: [String: Statement] = [:]
    /// How many prepared statements the connection keeps for reuse (one per distinct SQL text).
    public var preparedStatementCount: Int { cache.count }
    /// Values the connection's owner keeps between statements; see `ConnectionCache`.
    public let kept = ConnectionCache()

    /// How the file is opened.
    public enum Mode: Sendable {
        case readWrite      // created when missing
        case readOnly
    }

    /// Opens (and when `.readWrite`, creates) the database file.
    public init(path: String, mode: Mode = .readWrite, busyTimeoutMilliseconds: Int32 = 5_000) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = (mode == .readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_FULLMUTEX
        let code = sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: code, message: "\(message): \(path)")
        }
        sqlite3_extended_result_codes(db, 1)
        _ = csqlite_busy_timeout(db, busyTimeoutMilliseconds)
        self.handle = db
        self.path = path
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ code: Int32, sql: String?) -> SQLiteError {
        let extended = sqlite3_extended_errcode(handle)
        return SQLiteError(code: extended != 0 ? extended : code,
                           message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements without arguments.
    public func execute(_ sql: String) throws(SQLiteError) {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "error \(code)"
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: sql)
        }
    }

    /// Prepares a statement, reusing an earlier one for the same SQL.
    public func statement(_ sql: String) throws(SQLiteError) -> Statement {
        if let cached = cache[sql] { return cached }
        let statement = try Statement(database: self, sql: sql)
        cache[sql] = statement
        return statement
    }

    /// Runs one statement with arguments.
    public func run(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) {
        try statement(sql).run(values)
    }

    /// Runs one query with arguments and returns every row.
    public func query(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> [Row] {
        try statement(sql).query(values)
    }

    /// The first row of a query, or nil.
    public func queryOne(_ sql: String, _ values: [SQLValue] = []) throws(SQLiteError) -> Row? {
        try query(sql, values).first
    }

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Runs `body` in a transaction (BEGIN IMMEDIATE), committing on return and rolling back on a throw.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try run("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try run("COMMIT")
            return result
        } catch {
            kept.removeAll()
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body` inside the savepoint `name` (in a transaction): released on return; on a throw,
    /// rolled back to where it began (and `kept` forgotten, since it may describe undone rows).
    public func savepoint<T>(_ name: String, _ body: () throws -> T) throws -> T {
        try run("SAVEPOINT \(name)")
        do {
            let result = try body()
            try run("RELEASE \(name)")
            return result
        } catch {
            kept.removeAll()
            do {
                try run("ROLLBACK TO \(name)")
                try run("RELEASE \(name)")
            } catch let failure {
                throw SavepointRollbackFailed(failure: failure, cause: error)
            }
            throw error
        }
    }

    /// Changes whenever another connection commits to the database (`PRAGMA data_version`), so a
    /// connection can tell whether what it remembers about the database is still true.
    public func dataVersion() throws(SQLiteError) -> Int64 {
        try queryOne("PRAGMA data_version")?.values.first?.int64 ?? 0
    }

    /// The SQLite library version, e.g. `3.40.1`.
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }
}

/// A savepoint could not be rolled back: the transaction holds part of the failed work, so the
/// caller must roll back the whole transaction rather than go on with it.
public struct SavepointRollbackFailed: Error {
    /// Why rolling back failed.
    public var failure: SQLiteError
    /// Why the savepoint's work failed.
    public var cause: Error
}
