/// How the HTTP server listens and how far it lets clients go.
public struct HTTPServerConfiguration: Sendable {
    /// The numeric address to bind, IPv4 (`127.0.0.1`) or IPv6 (`::1`).
    public var host: String
    /// The port to bind; 0 picks a free one (see `HTTPServer.port`).
    public var port: UInt16
    /// Worker threads, each with its own epoll loop.
    public var threadPoolSize: Int
    /// Connections open at once, all clients together.
    public var connectionLimit: Int
    /// Connections open at once from one IP address.
    public var perIPConnectionLimit: Int
    /// Seconds a connection may stay idle (or trickle) before the server closes it.
    public var connectionTimeoutSeconds: Int
    /// The largest request body accepted; larger ones get 413 without reaching the application.
    public var maxBodyBytes: Int
    /// Seconds a whole request body may take to arrive; slower clients are disconnected.
    public var bodyTimeoutSeconds: Int
    /// Bytes of buffer memory per connection for headers.
    public var connectionMemoryLimit: Int
    /// HTTPS settings; nil serves plain HTTP.
    public var tls: TLSConfiguration?
    /// Bind with SO_REUSEPORT, so a replacement server can take over the port without a gap.
    public var reusePort: Bool = false

    /// Creates a configuration with production-minded defaults.
    public init(host: String = "127.0.0.1", port: UInt16 = 9095,
                threadPoolSize: Int = HTTPServerConfiguration.defaultThreadPoolSize,
                connectionLimit: Int = 4096, perIPConnectionLimit: Int = 2048,
                connectionTimeoutSeconds: Int = 30, maxBodyBytes: Int = 1 << 20,
                connectionMemoryLimit: Int = 64 << 10) {
        self.host = host
        self.port = port
        self.threadPoolSize = threadPoolSize
        self.connectionLimit = connectionLimit
        self.perIPConnectionLimit = perIPConnectionLimit
        self.connectionTimeoutSeconds = connectionTimeoutSeconds
        self.maxBodyBytes = maxBodyBytes
        self.bodyTimeoutSeconds = connectionTimeoutSeconds
        self.connectionMemoryLimit = connectionMemoryLimit
    }

    /// Sixteen workers, or one per core when there are more cores.
    ///
    /// A handler may block until its write is durable, so more workers than cores let concurrent
    /// requests share one commit instead of queueing behind each other's (on 2 cores, 2 workers
    /// held durable intake to batches of two).
    public static var defaultThreadPoolSize: Int {
        max(16, System.coreCount)
    }
}
