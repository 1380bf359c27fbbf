import RipcordCore
import RipcordMigrations
import SQLiteDB

/// One migration's state in a database.
public struct MigrationStatus: Sendable, Equatable {
    /// The migration's number.
    public var version: Int
    /// The file name.
    public var fileName: String
    /// When it was applied, or nil when pending.
    public var appliedAt: String?
}

/// Applies `migrations/NNNN_name.sql` in order, recording each with its SHA-256.
public struct Migrator {
    let database: Database
    let migrations: [EmbeddedMigration]

    /// A migrator for the migrations compiled into this binary.
    public init(database: Database, migrations: [EmbeddedMigration] = EmbeddedMigrations.all) {
        self.database = database
        self.migrations = migrations
    }

    static let bookkeeping = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version    INTEGER PRIMARY KEY,
            name       TEXT NOT NULL,
            checksum   TEXT NOT NULL,
            applied_at TEXT NOT NULL
        )
        """

    /// Applies every pending migration; returns the file names applied (empty when up to date).
    @discardableResult
    public func migrate() throws(StoreError) -> [String] {
        do {
            try database.execute(Migrator.bookkeeping)
            let applied = try verifyApplied()
            var done: [String] = []
            for migration in migrations where applied[migration.version] == nil {
                let sql = String(decoding: migration.sql, as: UTF8.self)
                do {
                    try database.transaction {
                        try database.execute(sql)
                        try database.run("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                                         [.int(migration.version), .text(migration.fileName),
                                          .text(SHA256.hex(migration.sql)), .text(Timestamp.now().rfc3339)])
                    }
                } catch {
                    throw StoreError(.schema, "migration \(migration.fileName) failed: \(error)")
                }
                done.append(migration.fileName)
            }
            return done
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteStore.storeError(error, doing: "migrating \(database.path)")
        }
    }

    /// Every migration this binary knows, applied or pending, after checking the applied ones.
    public func status() throws(StoreError) -> [MigrationStatus] {
        do {
            try database.execute(Migrator.bookkeeping)
            let applied = try verifyApplied()
            return migrations.map { MigrationStatus(version: $0.version, fileName: $0.fileName, appliedAt: applied[$0.version]) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw SQLiteStore.storeError(error, doing: "reading migrations of \(database.path)")
        }
    }

    /// Whether every known migration is applied (and none changed).
    public func isUpToDate() throws(StoreError) -> Bool {
        try status().allSatisfy { $0.appliedAt != nil }
    }

    /// Applied versions with their times; throws when one changed or is unknown to this binary.
    private func verifyApplied() throws -> [Int: String] {
        var applied: [Int: String] = [:]
        for row in try database.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version") {
            let version = Int(row.int("version"))
            guard let known = migrations.first(where: { $0.version == version }) else {
                throw StoreError(.schema, "the database has migration \(row.text("name")) applied, which this binary does not know; it was migrated by a newer ripcord")
            }
            let checksum = SHA256.hex(known.sql)
            guard checksum == row.text("checksum") else {
                throw StoreError(.schema, "migration \(known.fileName) was changed after it was applied (checksum \(row.text("checksum").prefix(12)) in the database, \(checksum.prefix(12)) in this binary); applied migrations must never change, add a new one instead")
            }
            applied[version] = row.text("applied_at")
        }
        return applied
    }
}
