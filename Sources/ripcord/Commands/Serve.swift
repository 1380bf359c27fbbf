import ArgumentParser
import Logging
import RipcordCore
import RipcordServer
import ServiceLifecycle

/// `ripcord serve`: receive Alertmanager webhooks.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server: receive Alertmanager webhooks and serve the read APIs.",
        discussion: """
            Flags override the config file. The database is migrated at start. SIGTERM or SIGINT \
            stops accepting connections, answers what is in flight, closes the database and exits 0.

            Example:
              ripcord serve --config /etc/ripcord/ripcord.yml --listen 0.0.0.0:9095
            """)

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: ArgumentHelp("Listen address, overriding `listen`.", valueName: "host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("SQLite database file, overriding `database`.", valueName: "path"))
    var database: String?

    @Flag(help: "Start even though the config has no credentials; every request is then accepted. Never in production.")
    var insecureNoAuth = false

    func validate() throws {
        if let listen, ListenAddress(listen) == nil {
            throw ValidationError("--listen '\(listen)' is not HOST:PORT with a numeric address (e.g. 127.0.0.1:9095)")
        }
    }

    func run() async throws {
        var config = try configOptions.load()
        if let listen, let address = ListenAddress(listen) { config.listen = address }
        if let database { config.database = ConfigLoader.absolutePath(database, relativeTo: currentDirectory()) }
        let logger = logging.bootstrap()
        let application: RipcordApplication
        do {
            application = try RipcordApplication(options: ServeOptions(config: config, insecureNoAuth: insecureNoAuth),
                                                 logger: logger)
        } catch {
            throw CLIError("\(error)")
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: RipcordService(application: application, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        do {
            try await group.run()
        } catch {
            throw CLIError("\(error)")
        }
    }
}
