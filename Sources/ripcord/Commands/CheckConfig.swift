import ArgumentParser
import MicroHTTPServer
import RipcordCore

/// `ripcord check-config`: validate a config file, like `amtool check-config`.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the YAML config and the secret files it names.",
        discussion: """
            Prints every mistake as FILE:LINE:COLUMN: FIELD: PROBLEM and exits non-zero, or prints a \
            summary and exits 0.

            Example:
              ripcord check-config --config /etc/ripcord/ripcord.yml
            """)

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let config = try configOptions.load()
        if let tls = config.tls {
            do {
                try TLSConfiguration.check(certificatePEM: tls.certificatePEM, privateKeyPEM: tls.privateKeyPEM,
                                           clientCAPEM: tls.clientCAPEM)
            } catch {
                throw CLIError("\(config.file ?? configOptions.resolvedPath): tls: \(error.message) (cert_file \(tls.certFile), key_file \(tls.keyFile))")
            }
        }
        for warning in config.warnings { print("warning: \(warning)") }
        print("\(config.file ?? configOptions.resolvedPath): OK (listen \(config.tls == nil ? "http" : "https")://\(config.listen), database \(config.database), \(config.credentials.count) credential(s))")
    }
}
