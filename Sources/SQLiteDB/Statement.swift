import CSQLite

/// A prepared statement, finalized when it is released.
public final class Statement {
    let handle: OpaquePointer
    /// The SQL text.
    public let sql: String
    private unowned let database: Database
    /// The result's column names, read on the first query and again if their count changes (the
    /// schema changes only in migrations, which run before anything else queries).
    private var columnNames: [String] = []

    init(database: Database, sql: String) throws(SQLiteError) {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(database.handle, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw database.error(code, sql: sql)
        }
        self.handle = statement
        self.sql = sql
        self.database = database
    }

    deinit {
        sqlite3_finalize(handle)
    }

    /// Binds values to `?` placeholders, in order, replacing earlier bindings.
    public func bind(_ values: [SQLValue]) throws(SQLiteError) {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .real(let v): code = sqlite3_bind_double(handle, index, v)
            case .text(let v):
                var text = v
                code = text.isEmpty
                    ? csqlite_bind_text(handle, index, "", 0)
                    : text.withUTF8 { utf8 in
                        utf8.withMemoryRebound(to: CChar.self) {
                            csqlite_bind_text(handle, index, $0.baseAddress!, Int32($0.count))
                        }
                    }
            case .blob(let v):
                code = v.withUnsafeBytes { csqlite_bind_blob(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(v.count)) }
            }
            guard code == SQLITE_OK else { throw database.error(code, sql: sql) }
        }
    }

    /// Runs the statement to completion, discarding rows.
    public func run(_ values: [SQLValue] = []) throws(SQLiteError) {
        try bind(values)
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            if code != SQLITE_ROW { throw database.error(code, sql: sql) }
        }
    }

    /// Runs the statement and returns every row.
    public func query(_ values: [SQLValue] = []) throws(SQLiteError) -> [Row] {
        try bind(values)
        defer { sqlite3_reset(handle) }
        let count = sqlite3_column_count(handle)
        if columnNames.count != Int(count) {
            columnNames = (0..<count).map { String(cString: sqlite3_column_name(handle, $0)) }
        }
        let columns = columnNames
        var rows: [Row] = []
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return rows }
            guard code == SQLITE_ROW else { throw database.error(code, sql: sql) }
            rows.append(Row(columns: columns, values: (0..<count).map(column)))
        }
    }

    private func column(_ index: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            guard let text = sqlite3_column_text(handle, index) else { return .text("") }
            let length = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            let length = Int(sqlite3_column_bytes(handle, index))
            guard length > 0, let bytes = sqlite3_column_blob(handle, index) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: length)))
        default: return .null
        }
    }
}
