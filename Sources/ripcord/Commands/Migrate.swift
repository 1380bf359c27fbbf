import ArgumentParser
import Foundation
import RipcordCore
import RipcordStore
import SQLiteDB

/// `ripcord migrate`: apply the schema migrations carried in this binary.
struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations, or list them with --status.",
        discussion: """
            Migrations are compiled into the binary and recorded in the database with a checksum; \
            an applied migration that changed is refused. Running it twice is harmless.

            Examples:
              ripcord migrate
              ripcord migrate --database /var/lib/ripcord/ripcord.sqlite3 --status
            """)

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: ArgumentHelp("SQLite database file, overriding the config's `database`.", valueName: "path"))
    var database: String?

    @Flag(help: "List every migration and whether it is applied; change nothing.")
    var status = false

    func run() throws {
        let path: String
        if let database {
            path = ConfigLoader.absolutePath(database, relativeTo: currentDirectory())
        } else {
            path = try configOptions.load().database
        }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            let db = try Database(path: path)
            try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL")
            let migrator = Migrator(database: db)
            if status {
                for migration in try migrator.status() {
                    print("\(migration.fileName)\t\(migration.appliedAt.map { "applied \($0)" } ?? "pending")")
                }
                return
            }
            let applied = try migrator.migrate()
            if applied.isEmpty {
                print("\(path): up to date")
            } else {
                for name in applied { print("applied \(name)") }
            }
        } catch let error as StoreError {
            throw CLIError(error.message)
        } catch {
            throw CLIError("\(path): \(error)")
        }
    }
}

func currentDirectory() -> String { FileManager.default.currentDirectoryPath }
