import ArgumentParser
import Foundation
import RipcordCore
import RipcordStore

/// `ripcord audit verify`: check the audit log's hash chain.
struct Audit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with the tamper-evident audit log.",
        subcommands: [AuditVerify.self])
}

/// `ripcord audit verify [--db PATH | --config FILE]`.
struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk the audit log's hash chain and name the first broken link.",
        discussion: """
            Each event carries the SHA-256 of the previous event's hash and its own content; a changed, \
            removed or inserted row breaks the chain from there on. Exit 0 when it holds, 1 when not.

            Example:
              ripcord audit verify --db /var/lib/ripcord/ripcord.sqlite3
            """)

    @OptionGroup var configOptions: ConfigOptions

    @Option(name: .customLong("db"), help: ArgumentHelp("The SQLite database file (instead of the config's).", valueName: "path"))
    var database: String?

    func run() throws {
        let path = try database.map { ConfigLoader.absolutePath($0, relativeTo: currentDirectory()) } ?? configOptions.load().database
        do {
            let result = try HistoryReader(path: path).verifyAudit()
            if let broken = result.firstBrokenID {
                throw CLIError("audit chain broken at event \(broken): \(result.problem ?? "") (\(result.checked) event(s) before it verified)")
            }
            print("audit chain verified: \(result.checked) event(s)")
        } catch let error as StoreError {
            throw CLIError(error.message)
        }
    }
}
