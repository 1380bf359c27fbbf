import Logging
import MicroHTTPServer
import RipcordCore
import RipcordStore
import Synchronization

/// The options `ripcord serve` resolves from its flags and config file.
public struct ServeOptions: Sendable {
    /// The loaded config.
    public var config: RipcordConfig
    /// Serve without credentials (every request acts as admin). Logged at every start.
    public var insecureNoAuth: Bool
    /// How long a write waits for a lock held by another connection before it fails (503).
    public var busyTimeoutMilliseconds: Int32 = 5_000
    /// How often the engine looks for due rollbacks when nothing wakes it.
    public var engineTick: Duration = .milliseconds(200)
    /// When the retention passes run.
    public var retentionSchedule: RetentionSchedule = .standard

    /// Creates options.
    public init(config: RipcordConfig, insecureNoAuth: Bool = false) {
        self.config = config
        self.insecureNoAuth = insecureNoAuth
    }
}

/// Why the application could not be built.
public struct StartupError: Error, Sendable, CustomStringConvertible {
    /// One readable line.
    public var message: String
    public var description: String { message }
}

/// Ripcord assembled: store, auth, routes and HTTP server. The CLI and the tests both build it here.
public final class RipcordApplication: Sendable {
    /// The store (open and migrated).
    public let store: SQLiteStore
    /// The HTTP server now (not yet started until `RipcordService` or a test starts it); replaced
    /// when a reload brings new certificates.
    public var server: HTTPServer { servers.withLock { $0 } }
    private let servers: Mutex<HTTPServer>
    private let makeServer: @Sendable (TLSSettings?, UInt16) -> HTTPServer
    /// Plans deliveries and runs rollbacks (started by `RipcordService`, or by tests).
    public let engine: RollbackEngine
    /// What `/metrics` serves.
    public let metrics: RipcordMetrics
    /// The config in force (replaced on reload).
    public let live: LiveConfig
    /// Re-reads the config file (SIGHUP, `POST /-/reload`).
    public let reloader: ConfigReloader
    let logger: Logger
    let lock: DatabaseLock

    /// Builds the application: opens and migrates the database and prepares the server.
    public init(options: ServeOptions, logger: Logger) throws {
        let config = options.config
        if config.credentials.isEmpty && !options.insecureNoAuth {
            throw StartupError(message: "refusing to start: \(config.file ?? "the config") has no auth.credentials; add a credential or pass --insecure-no-auth")
        }
        if options.insecureNoAuth {
            logger.warning("running with --insecure-no-auth: every request is accepted without credentials and acts as admin")
        }
        for warning in config.warnings { logger.warning("config: \(warning)") }
        let store = try SQLiteStore(path: config.database, busyTimeoutMilliseconds: options.busyTimeoutMilliseconds)
        let lock: DatabaseLock
        do {
            lock = try DatabaseLock(databasePath: config.database)
        } catch {
            store.close()
            throw error
        }
        self.lock = lock
        self.store = store
        self.logger = logger
        let metrics = RipcordMetrics()
        self.metrics = metrics
        let engine = RollbackEngine(store: store, config: config, logger: logger, metrics: metrics, tick: options.engineTick,
                                    retention: options.retentionSchedule)
        self.engine = engine
        let live = LiveConfig(config)
        self.live = live
        let reloader = ConfigReloader(path: config.file, live: live, engine: engine, store: store, metrics: metrics, logger: logger)
        self.reloader = reloader

        let gate = AuthGate(live: live,
                            open: options.insecureNoAuth && config.credentials.isEmpty, logger: logger,
                            audit: { record in
                                do {
                                    try store.appendAudit(record, now: .now())
                                } catch {
                                    logger.error("could not audit an authentication failure", metadata: ["error": "\(error)"])
                                }
                            })
        let router = Router(routes: RipcordApplication.routes(store: store, engine: engine, metrics: metrics, logger: logger,
                                                              live: live, reloader: reloader))
        let routeLogger = logger
        let limits = config.limits
        let listen = config.listen
        makeServer = { tls, port in
            var serverConfiguration = HTTPServerConfiguration(
                host: listen.host, port: port,
                threadPoolSize: limits.workerThreads ?? HTTPServerConfiguration.defaultThreadPoolSize,
                connectionLimit: limits.maxConnections,
                perIPConnectionLimit: limits.maxConnectionsPerIP,
                connectionTimeoutSeconds: limits.connectionTimeoutSeconds,
                maxBodyBytes: limits.maxBodyBytes)
            serverConfiguration.tls = tls.map {
                TLSConfiguration(certificatePEM: $0.certificatePEM, privateKeyPEM: $0.privateKeyPEM, clientCAPEM: $0.clientCAPEM,
                                 minimumVersion: $0.minVersion == "TLS13" ? .tls13 : .tls12)
            }
            // With TLS, a reload that brings new certificates starts a second server on the same port.
            serverConfiguration.reusePort = tls != nil
            return HTTPServer(
            configuration: serverConfiguration,
            log: { line in routeLogger.notice("http server: \(line)") },
            rejectionResponder: { rejection in
                switch rejection {
                case .bodyTooLarge(let limit, let path):
                    if path == RipcordApplication.webhookPath { metrics.delivery("rejected") }
                    metrics.httpRequest(route: "unmatched", code: 413, nanoseconds: 0)
                    return APIError(413, "payload_too_large", "the request body is larger than \(limit) bytes (limits.max_body_bytes)").response
                }
            },
            handler: { request in
                RipcordApplication.dispatch(request, router: router, gate: gate, metrics: metrics)
            })
        }
        servers = Mutex(makeServer(config.tls, config.listen.port))
        reloader.tlsChanged = { [weak self] tls in try self?.replaceServer(tls: tls) }
    }

    /// Starts a server with new certificates on the same port, then retires the old one once its
    /// requests are answered: no connection is refused during the swap.
    func replaceServer(tls: TLSSettings?) throws {
        let old = server
        let next = makeServer(tls, old.port)
        try next.start()
        servers.withLock { $0 = next }
        old.stopAccepting()
        _ = old.waitUntilIdle(timeout: .seconds(10))
        old.stop()
        logger.notice("new TLS certificates in use", metadata: ["http.port": "\(next.port)"])
    }

    static let webhookPath = "/api/v1/alertmanager"

    static func dispatch(_ request: HTTPRequest, router: Router, gate: AuthGate, metrics: RipcordMetrics) -> HTTPResponse {
        let started = ContinuousClock.now
        var pattern = "unmatched"
        let response: HTTPResponse
        do throws(APIError) {
            let (route, parameters) = try router.resolve(request)
            pattern = route.pattern
            var credential: Credential?
            if let permission = route.permission {
                credential = try gate.authorize(request, for: permission)
            }
            response = try route.handler(RequestContext(request: request, parameters: parameters, credential: credential))
        } catch {
            response = error.response
            if pattern == webhookPath || request.path == webhookPath {
                metrics.delivery(error.status == 503 ? "unavailable" : "rejected")
            }
        }
        let elapsed = ContinuousClock.now - started
        metrics.httpRequest(route: pattern, code: response.status,
                            nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }

    static func routes(store: SQLiteStore, engine: RollbackEngine, metrics: RipcordMetrics, logger: Logger,
                       live: LiveConfig, reloader: ConfigReloader) -> [Route] {
        let webhook = WebhookHandler(store: store, logger: logger, onStored: { id, group in engine.deliveryStored(id, group: group) },
                                     metrics: metrics)
        let rollbacks = RollbacksHandler(store: store)
        let audit = AuditHandler(store: store)
        let deliveries = DeliveriesHandler(store: store)
        let health = HealthHandler(store: store)
        let deployments = DeploymentsHandler(store: store, logger: logger, live: live)
        return [
            Route("POST", webhookPath, permission: .postWebhook, handler: webhook.handle),
            Route("GET", "/metrics", permission: nil, handler: { _ in
                HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                             body: metrics.exposition())
            }),
            Route("GET", "/api/v1/deliveries", permission: .read, handler: deliveries.list),
            Route("GET", "/api/v1/deliveries/{id}", permission: .read, handler: deliveries.show),
            Route("POST", "/api/v1/deployments", permission: .recordDeployments, handler: deployments.record),
            Route("GET", "/api/v1/deployments", permission: .read, handler: deployments.list),
            Route("GET", "/api/v1/deployments/{id}", permission: .read, handler: deployments.show),
            Route("POST", "/api/v1/deployments/{id}/promote", permission: .recordDeployments, handler: deployments.promote),
            Route("GET", "/api/v1/rollbacks", permission: .read, handler: rollbacks.list),
            Route("GET", "/api/v1/rollbacks/{id}", permission: .read, handler: rollbacks.show),
            Route("GET", "/api/v1/audit", permission: .read, handler: audit.list),
            Route("POST", "/-/reload", permission: .administer, handler: { context throws(APIError) in
                let outcome = reloader.reload(by: context.credential?.name ?? "unknown")
                guard outcome.succeeded else {
                    throw APIError(400, "invalid_config", outcome.messages.joined(separator: "; "))
                }
                return JSONBody.response(["status": "reloaded", "notes": outcome.messages.joined(separator: "; ")])
            }),
            Route("GET", "/-/healthy", permission: nil, handler: health.healthy),
            Route("GET", "/-/ready", permission: nil, handler: health.ready),
        ]
    }
}
