import ArgumentParser
import Foundation
import RipcordCore

/// `--config FILE`: the YAML config, found as the README says.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The YAML config file.",
        discussion: "Defaults to ./ripcord.yml when it exists, then to $RIPCORD_CONFIG.",
        valueName: "file"))
    var config: String?

    /// The config file to read: the flag, ./ripcord.yml, then $RIPCORD_CONFIG.
    var resolvedPath: String {
        if let config { return config }
        if FileManager.default.fileExists(atPath: "ripcord.yml") { return "ripcord.yml" }
        if let fromEnvironment = ProcessInfo.processInfo.environment["RIPCORD_CONFIG"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "ripcord.yml"
    }

    /// Loads the config, or fails with one line per mistake.
    func load() throws -> RipcordConfig {
        do {
            return try ConfigLoader.load(path: resolvedPath)
        } catch {
            throw CLIError(error.description)
        }
    }
}

/// A failure reported to the user as one line (per mistake) and a non-zero exit.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
