import ArgumentParser
import Foundation
import RipcordCore
import RipcordStore

/// `ripcord circuit status|reset`: the circuit breaker that stops a storm of rollbacks.
struct Circuit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or reset the rollback circuit breaker.",
        discussion: """
            The breaker opens when limits.max_rollbacks rollbacks happened within limits.window; while it is \
            open no rollback starts. It closes when the window passes, or with `ripcord circuit reset`.
            """,
        subcommands: [CircuitStatus.self, CircuitReset.self])
}

/// Options shared by the circuit subcommands.
struct CircuitOptions: ParsableArguments {
    @OptionGroup var configOptions: ConfigOptions

    @Option(help: ArgumentHelp("SQLite database file, overriding the config's `database`.", valueName: "path"))
    var database: String?

    func open() throws -> (SQLiteStore, RipcordConfig) {
        let config = try configOptions.load()
        let path = database.map { ConfigLoader.absolutePath($0, relativeTo: currentDirectory()) } ?? config.database
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): no such database") }
        do {
            return (try SQLiteStore(path: path, migrate: false), config)
        } catch {
            throw CLIError(error.message)
        }
    }
}

/// `ripcord circuit status`.
struct CircuitStatus: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Print whether the breaker is open, and why.")
    @OptionGroup var options: CircuitOptions

    func run() throws {
        let (store, config) = try options.open()
        defer { store.close() }
        do {
            let state = try store.circuitState(now: .now(), windowSeconds: config.rollbackLimits.windowSeconds)
            if let opened = state.openedAt {
                print("open since \(opened.rfc3339): \(state.reason)")
            } else {
                print("closed: \(state.rollbacksInWindow) of \(config.rollbackLimits.maxRollbacks) rollbacks within \(DurationText.format(config.rollbackLimits.windowSeconds))")
            }
        } catch {
            throw CLIError(error.message)
        }
    }
}

/// `ripcord circuit reset`.
struct CircuitReset: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset",
                                                    abstract: "Close the breaker now; rollbacks before now no longer count.")
    @OptionGroup var options: CircuitOptions

    func run() throws {
        let (store, _) = try options.open()
        defer { store.close() }
        do {
            let actor = ProcessInfo.processInfo.environment["USER"] ?? "unknown user"
            try store.resetCircuit(actor: "ripcord circuit reset by \(actor)", now: .now())
            print("circuit breaker reset")
        } catch {
            throw CLIError(error.message)
        }
    }
}
