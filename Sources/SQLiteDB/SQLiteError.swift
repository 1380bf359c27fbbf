/// A failed SQLite call: the result code, SQLite's message and the SQL that failed.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// SQLite's extended result code (e.g. 19 for a constraint, 13 for a full disk).
    public var code: Int32
    /// SQLite's own words.
    public var message: String
    /// The statement that failed, when there was one.
    public var sql: String?

    /// Creates an error.
    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended one).
    public var primaryCode: Int32 { code & 0xff }

    /// True for a UNIQUE, CHECK, NOT NULL or foreign key violation.
    public var isConstraintViolation: Bool { primaryCode == 19 }

    /// The message, with the SQL when known.
    public var description: String {
        if let sql { return "SQLite error \(code): \(message) (in: \(sql.prefix(200)))" }
        return "SQLite error \(code): \(message)"
    }
}
