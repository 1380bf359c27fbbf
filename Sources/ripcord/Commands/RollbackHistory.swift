import ArgumentParser
import CurlClient
import Foundation
import RipcordCore
import RipcordStore

/// How `rollback-history` prints.
enum HistoryOutput: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

/// `ripcord rollback-history`: what Ripcord rolled back, from the local database or a server.
struct RollbackHistory: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback-history",
        abstract: "Print the rollback history, or one rollback's timeline.",
        discussion: """
            Reads the local database (--db PATH, or the one named by --config FILE) or a running server \
            (--server URL --token-file F). Filters match the HTTP API. Tables fit the terminal; colour \
            only on a TTY and never with NO_COLOR.

            Examples:
              ripcord rollback-history --since 24h
              ripcord rollback-history --service checkout --status failed --output csv
              ripcord rollback-history 42 --server https://ripcord.internal --token-file ~/.ripcord-token

            Exit status: 0 success; 1 a missing or unreadable database or an unknown rollback; 64 usage;
            65 the server rejected the request; 69 the server is unavailable; 77 authentication failed.
            """)

    @Argument(help: ArgumentHelp("Show this rollback's timeline instead of the list.", valueName: "id"))
    var id: Int64?

    @OptionGroup var configOptions: ConfigOptions

    @Option(name: .customLong("db"), help: ArgumentHelp("The SQLite database to read.", valueName: "path"))
    var database: String?

    @Option(help: ArgumentHelp("Read from this Ripcord server instead of a database.", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("Bearer token file for --server.", valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("CA certificates (PEM) for an https --server.", valueName: "file"))
    var caFile: String?

    @Option(help: "Only this service.") var service: String?
    @Option(help: "Only this namespace.") var namespace: String?
    @Option(help: "Only this status: \(RollbackStatus.allCases.map(\.rawValue).joined(separator: ", ")).") var status: String?
    @Option(help: "Only rollbacks since: RFC 3339, or a duration back from now (24h, 7d).") var since: String?
    @Option(help: "Only rollbacks before: RFC 3339, or a duration back from now.") var until: String?
    @Option(help: "At most this many (1-500).") var limit: Int = 50
    @Option(help: "Output: table, json or csv.") var output: HistoryOutput = .table
    @Option(help: "Table width in columns (default: the terminal's, else 120).") var width: Int?

    func validate() throws {
        guard (1...500).contains(limit) else { throw ValidationError("--limit must be from 1 to 500, got \(limit)") }
        if let status, RollbackStatus(rawValue: status) == nil {
            throw ValidationError("--status '\(status)' is not one of \(RollbackStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for (name, value) in [("--since", since), ("--until", until)] {
            if let value, TimeFilter.parse(value, now: .now()) == nil {
                throw ValidationError("\(name) '\(value)' is neither an RFC 3339 time nor a duration such as 24h or 7d")
            }
        }
        if server != nil && database != nil { throw ValidationError("give either --server or --db, not both") }
        if let width, width < 40 { throw ValidationError("--width must be at least 40") }
    }

    var query: RollbackQuery {
        var query = RollbackQuery()
        query.service = service
        query.namespace = namespace
        query.status = status.flatMap(RollbackStatus.init(rawValue:))
        query.since = since.flatMap { TimeFilter.parse($0, now: .now()) }
        query.until = until.flatMap { TimeFilter.parse($0, now: .now()) }
        query.limit = limit
        return query
    }

    func run() throws {
        let source: HistorySource
        if let server {
            var arguments = ["--server", server]
            if let tokenFile { arguments += ["--token-file", tokenFile] }
            if let caFile { arguments += ["--ca-file", caFile] }
            source = .remote(try ServerOptions.parse(arguments))
        } else {
            let path = try database.map { ConfigLoader.absolutePath($0, relativeTo: currentDirectory()) } ?? configOptions.load().database
            do {
                source = .local(try HistoryReader(path: path))
            } catch {
                throw CLIError(error.message)
            }
        }
        if let id {
            try HistoryPrinter(output: output).timeline(try source.timeline(id))
        } else {
            let table = HistoryTable(width: width ?? HistoryTable.terminalWidth(), colour: HistoryTable.colourWanted())
            try HistoryPrinter(output: output).list(try source.rollbacks(query), table: table)
        }
    }
}
