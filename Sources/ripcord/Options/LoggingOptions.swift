import ArgumentParser
import Logging
import RipcordServer

/// Log format (`text` or `json`).
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `--log-format` and `--log-level`.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// Sets up swift-log and returns the root logger.
    func bootstrap() -> Logger {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let format = logFormat
        LoggingSystem.bootstrap { label in
            RipcordLogHandler(label: label, level: level, format: format == .json ? .json : .text)
        }
        return Logger(label: "ripcord")
    }
}
