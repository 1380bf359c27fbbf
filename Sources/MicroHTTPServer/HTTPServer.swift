import CMicroHTTPD
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// C copies of the PEM text and priority string, freed with the daemon.
final class PEMCopies: @unchecked Sendable {
    let key: UnsafeMutablePointer<CChar>?
    let certificate: UnsafeMutablePointer<CChar>?
    let clientCA: UnsafeMutablePointer<CChar>?
    let priorities: UnsafeMutablePointer<CChar>?

    init(_ tls: TLSConfiguration?) {
        key = tls.map { strdup($0.privateKeyPEM) }
        certificate = tls.map { strdup($0.certificatePEM) }
        clientCA = tls?.clientCAPEM.map { strdup($0) }
        priorities = tls.map { strdup($0.minimumVersion.priorities) }
    }

    deinit {
        for pointer in [key, certificate, clientCA, priorities] { free(pointer) }
    }
}

/// What the application answers for one request; called on the server's worker threads.
public typealias HTTPHandler = @Sendable (HTTPRequest) -> HTTPResponse

/// A request the server refused before it reached the application.
public enum HTTPRejection: Sendable {
    /// The body is larger than `maxBodyBytes`.
    case bodyTooLarge(limit: Int, path: String)
}

/// An HTTP/1.1 server on libmicrohttpd: an epoll thread pool, connection limits and timeouts.
///
/// The handler runs synchronously on a worker thread once the whole body has arrived.
public final class HTTPServer: @unchecked Sendable {
    /// The configuration it was created with.
    public let configuration: HTTPServerConfiguration
    let handler: HTTPHandler
    let rejectionResponder: @Sendable (HTTPRejection) -> HTTPResponse
    let log: @Sendable (String) -> Void

    /// The daemon pointer, only ever used under the lock or after it was taken out of the state.
    private struct DaemonHandle: @unchecked Sendable {
        let pointer: OpaquePointer
    }
    private struct State {
        var daemon: DaemonHandle?
        var listening = false
        var inFlight = 0
        var boundPort: UInt16 = 0
        var pem: PEMCopies?
    }
    private let state = Mutex(State())
    /// Cuts off connections whose request headers dribble in (set before the daemon starts).
    private(set) var headerWatch: HeaderWatch?

    /// Creates a server; nothing listens until `start()`.
    public init(configuration: HTTPServerConfiguration,
                log: @escaping @Sendable (String) -> Void = { _ in },
                rejectionResponder: @escaping @Sendable (HTTPRejection) -> HTTPResponse,
                handler: @escaping HTTPHandler) {
        self.configuration = configuration
        self.log = log
        self.rejectionResponder = rejectionResponder
        self.handler = handler
    }

    deinit {
        stop()
    }

    /// The port the server listens on (the chosen one when configured with port 0).
    public var port: UInt16 {
        state.withLock { $0.boundPort }
    }

    /// Requests read but not yet fully answered.
    public var inFlightCount: Int {
        state.withLock { $0.inFlight }
    }

    /// Binds the address and starts the worker threads.
    public func start() throws(HTTPServerError) {
        guard let address = SocketAddress(host: configuration.host, port: configuration.port) else {
            throw HTTPServerError(.invalidAddress,
                                  "listen address '\(configuration.host)' is not a numeric IPv4 or IPv6 address")
        }
        var flags = MHD_USE_INTERNAL_POLLING_THREAD.rawValue | MHD_USE_EPOLL.rawValue
            | MHD_USE_ITC.rawValue | MHD_USE_ERROR_LOG.rawValue
        if address.isIPv6 { flags |= MHD_USE_IPv6.rawValue }
        if let tls = configuration.tls {
            try TLSConfiguration.check(certificatePEM: tls.certificatePEM, privateKeyPEM: tls.privateKeyPEM,
                                       clientCAPEM: tls.clientCAPEM)
        }
        let me = Unmanaged.passUnretained(self).toOpaque()
        let watch = HeaderWatch(timeoutSeconds: configuration.connectionTimeoutSeconds, log: log)
        headerWatch = watch
        // libmicrohttpd keeps pointers to the PEM text: copies that live as long as the daemon.
        let pem = PEMCopies(configuration.tls)
        let daemon: OpaquePointer? = address.withSockaddr { sockaddr in
            var options = cmhd_daemon_options(
                flags: UInt32(flags),
                address: sockaddr,
                thread_pool_size: UInt32(configuration.threadPoolSize),
                connection_limit: UInt32(configuration.connectionLimit),
                per_ip_connection_limit: UInt32(configuration.perIPConnectionLimit),
                connection_timeout_seconds: UInt32(configuration.connectionTimeoutSeconds),
                connection_memory_limit: configuration.connectionMemoryLimit,
                listen_backlog: 1024,
                tls_key_pem: pem.key, tls_cert_pem: pem.certificate, tls_client_ca_pem: pem.clientCA,
                tls_priorities: pem.priorities, reuse_port: configuration.reusePort ? 1 : 0)
            return cmhd_start_daemon(&options, microHTTPAccessHandler, me,
                                     microHTTPRequestCompleted, me, microHTTPLogger, me,
                                     microHTTPConnectionNotify, me)
        }
        guard let daemon else {
            throw HTTPServerError(.startFailed,
                                  "could not listen on \(configuration.host):\(configuration.port): \(String(cString: strerror(errno)))")
        }
        watch.start()
        let bound = cmhd_bound_port(daemon)
        state.withLock {
            $0.pem = pem
            $0.daemon = DaemonHandle(pointer: daemon)
            $0.listening = true
            $0.boundPort = bound
        }
    }

    /// Stops accepting new connections; connections already open are still served.
    public func stopAccepting() {
        state.withLock { state in
            guard let daemon = state.daemon, state.listening else { return }
            state.listening = false
            let fd = MHD_quiesce_daemon(daemon.pointer)
            if fd >= 0 { close(fd) }
        }
    }

    /// Waits until no request is in flight or the timeout passes; true when idle.
    public func waitUntilIdle(timeout: Duration) -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: timeout)
        while clock.now < deadline {
            if inFlightCount == 0 { return true }
            usleep(5_000)
        }
        return inFlightCount == 0
    }

    /// Closes every connection and joins the worker threads.
    public func stop() {
        let daemon: DaemonHandle? = state.withLock { state in
            defer { state.daemon = nil; state.listening = false }
            return state.daemon
        }
        if let daemon { MHD_stop_daemon(daemon.pointer) }
        headerWatch?.stop()
        state.withLock { $0.pem = nil }
    }

    /// Whether clients must present a certificate signed by the configured client CA.
    var requiresClientCertificate: Bool { configuration.tls?.clientCAPEM != nil }

    func requestBegan() {
        state.withLock { $0.inFlight += 1 }
    }

    func requestEnded() {
        state.withLock { $0.inFlight -= 1 }
    }
}
