import Foundation
import Logging
import RipcordCore
import RipcordStore
import Synchronization

/// Re-reads the config file and every `*_file` secret (SIGHUP or `POST /-/reload`); a bad config
/// leaves the running one in force.
public final class ConfigReloader: Sendable {
    let path: String?
    let live: LiveConfig
    let engine: RollbackEngine
    let store: SQLiteStore
    let metrics: RipcordMetrics
    let logger: Logger
    private let serial = Mutex(())
    private let tlsHook = Mutex<(@Sendable (TLSSettings?) throws -> Void)?>(nil)
    /// Called with the new TLS material when a reload changes it (set by the application).
    var tlsChanged: (@Sendable (TLSSettings?) throws -> Void)? {
        get { tlsHook.withLock { $0 } }
        set { tlsHook.withLock { $0 = newValue } }
    }

    /// What a reload did.
    public struct Outcome: Sendable {
        /// Whether the new config is in force.
        public var succeeded: Bool
        /// One readable line per problem (when it failed), or notes (when it succeeded).
        public var messages: [String]
    }

    init(path: String?, live: LiveConfig, engine: RollbackEngine, store: SQLiteStore, metrics: RipcordMetrics, logger: Logger) {
        self.path = path
        self.live = live
        self.engine = engine
        self.store = store
        self.metrics = metrics
        self.logger = logger
        metrics.configReloaded(successful: true)
    }

    /// Loads, validates in full, and only then swaps; reloads never overlap.
    public func reload(by actor: String) -> Outcome {
        serial.withLock { _ in
            guard let path else {
                return Outcome(succeeded: false, messages: ["this server was not started from a config file"])
            }
            let old = live.snapshot.config
            let next: RipcordConfig
            do {
                next = try ConfigLoader.load(path: path)
            } catch {
                let messages = (error as? ConfigError)?.issues.map(\.description) ?? ["\(error)"]
                metrics.configReloaded(successful: false)
                logger.error("config reload failed; the running config stays in force", metadata: ["error": "\(error)"])
                audit(actor: actor, succeeded: false, summary: "config reload from \(path) refused: \(messages.joined(separator: "; "))")
                return Outcome(succeeded: false, messages: messages)
            }
            var notes: [String] = []
            if next.listen != old.listen { notes.append("listen changed to \(next.listen): takes effect at the next restart") }
            if next.database != old.database { notes.append("database changed to \(next.database): takes effect at the next restart") }
            if next.limits != old.limits { notes.append("connection and body limits take effect at the next restart") }
            if old.credentials.isEmpty != next.credentials.isEmpty {
                notes.append("switching between no credentials and credentials takes effect at the next restart")
            }
            if (old.tls == nil) != (next.tls == nil) {
                notes.append("switching between HTTP and HTTPS takes effect at the next restart")
            } else if let tls = next.tls, tls != old.tls {
                do {
                    try tlsChanged?(tls)
                } catch {
                    let message = "the new TLS certificates could not be put in use: \(error)"
                    metrics.configReloaded(successful: false)
                    logger.error("config reload failed; the running config stays in force", metadata: ["error": "\(message)"])
                    audit(actor: actor, succeeded: false, summary: "config reload from \(path) refused: \(message)")
                    return Outcome(succeeded: false, messages: [message])
                }
            }
            live.replace(with: next)
            engine.apply(next)
            metrics.configReloaded(successful: true)
            for note in notes { logger.warning("config reload: \(note)") }
            logger.notice("config reloaded", metadata: ["config.file": "\(path)", "auth.credentials": "\(next.credentials.count)",
                                                         "policies": "\(next.policies.count)"])
            audit(actor: actor, succeeded: true,
                  summary: "config reloaded from \(path): \(next.credentials.count) credential(s), \(next.executors.count) executor(s), \(next.policies.count) polic(ies)"
                      + (notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")))
            return Outcome(succeeded: true, messages: notes)
        }
    }

    private func audit(actor: String, succeeded: Bool, summary: String) {
        do {
            try store.appendAudit(AuditRecord(kind: succeeded ? "config.reload" : "config.reload_failed", actor: actor,
                                              summary: summary), now: .now())
        } catch {
            logger.error("could not audit a config reload", metadata: ["error": "\(error.message)"])
        }
    }
}
