import Foundation
import Logging
import RipcordCore
import ServiceLifecycle

/// Runs the application until a graceful shutdown (SIGTERM or SIGINT): then it stops accepting,
/// answers what is in flight, and closes the database.
public struct RipcordService: Service {
    let application: RipcordApplication
    let logger: Logger
    /// How long in-flight requests get to finish.
    public var drainTimeout: Duration = .seconds(10)

    /// Creates the service.
    public init(application: RipcordApplication, logger: Logger) {
        self.application = application
        self.logger = logger
    }

    public func run() async throws {
        let first = application.server
        try first.start()
        logger.notice("ripcord listening", metadata: [
            "http.address": "\(first.configuration.tls == nil ? "http" : "https")://\(first.configuration.host):\(first.port)",
            "db.path": "\(application.store.path)",
        ])
        let engine = application.engine
        let engineTask = Task { await engine.run() }
        // SIGHUP re-reads the config and secrets, as Prometheus and Alertmanager do.
        let reloader = application.reloader
        signal(SIGHUP, SIG_IGN)
        let hangups = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        hangups.setEventHandler { _ = reloader.reload(by: "SIGHUP") }
        hangups.resume()
        defer { hangups.cancel() }
        // Wait for SIGTERM/SIGINT (graceful shutdown) or cancellation.
        try? await gracefulShutdown()
        hangups.cancel()
        let server = application.server   // the one in use now (a reload may have replaced the first)
        logger.notice("shutting down: no new connections; finishing \(server.inFlightCount) request(s) in flight")
        server.stopAccepting()
        if !server.waitUntilIdle(timeout: drainTimeout) {
            logger.warning("\(server.inFlightCount) request(s) still in flight after \(drainTimeout); closing anyway")
        }
        server.stop()
        // Running rollbacks are stopped and recorded as interrupted; the next start resumes them.
        engine.finish()
        engineTask.cancel()
        await engineTask.value
        application.store.close()
        logger.notice("stopped")
    }
}
