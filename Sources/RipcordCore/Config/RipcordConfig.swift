/// A `host:port` to listen on.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Numeric IPv4 or IPv6 address.
    public var host: String
    /// TCP port; 0 picks a free one.
    public var port: UInt16

    /// Creates an address.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:9095` or `[::1]:9095`.
    public init?(_ text: String) {
        var host: Substring
        var portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        if host == "localhost" { host = "127.0.0.1" }
        guard !host.isEmpty, let port = UInt16(portText) else { return nil }
        self.host = String(host)
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// How far clients may go.
public struct Limits: Sendable, Hashable, Equatable {
    /// The largest request body accepted (413 above).
    public var maxBodyBytes: Int = 1 << 20
    /// Connections open at once.
    public var maxConnections: Int = 4096
    /// Connections open at once from one IP address.
    public var maxConnectionsPerIP: Int = 2048
    /// Seconds an idle or trickling connection is kept.
    public var connectionTimeoutSeconds: Int = 30
    /// HTTP worker threads; nil takes the server's default (16, or one per core above that).
    public var workerThreads: Int?

    /// The defaults.
    public init() {}
}

/// A credential as written in the config, before its files are read.
public struct CredentialConfig: Sendable, Hashable {
    /// The credential's name.
    public var name: String
    /// Its role.
    public var role: Role
    /// Where its secret comes from.
    public var source: SecretSource

    /// Where a credential's secret comes from.
    public enum SecretSource: Sendable, Hashable {
        case token(String)
        case tokenFile(path: String)
        case basic(username: String, password: String)
        case basicPasswordFile(username: String, path: String)
        case clientCertificate(subject: String)
    }
}

/// HTTPS settings (`tls:`), with the PEM files read.
public struct TLSSettings: Sendable, Hashable {
    public var certFile: String
    public var keyFile: String
    public var clientCAFile: String?
    /// `TLS12` or `TLS13`.
    public var minVersion: String
    public var certificatePEM: String
    public var privateKeyPEM: String
    public var clientCAPEM: String?
}

/// Ripcord's configuration, as loaded from `ripcord.yml`, with secrets read.
public struct RipcordConfig: Sendable {
    /// The file it was loaded from (absolute), or nil for a config built in code.
    public var file: String?
    /// Where the server listens.
    public var listen = ListenAddress(host: "127.0.0.1", port: 9095)
    /// The SQLite database file (absolute).
    public var database: String = "data/ripcord.sqlite3"
    /// Client limits.
    public var limits = Limits()
    /// HTTPS; nil serves plain HTTP.
    public var tls: TLSSettings?
    /// The configured credentials, with their secrets read.
    public var credentials: [Credential] = []
    /// The credentials as written (for display; no secrets).
    public var credentialConfigs: [CredentialConfig] = []
    /// Executors, by name.
    public var executors: [ExecutorConfig] = []
    /// Policies, in the order they are consulted.
    public var policies: [PolicyConfig] = []
    /// The circuit breaker and concurrency.
    public var rollbackLimits = RollbackLimits()
    /// Audit events older than this are pruned (`audit.retention`); nil keeps them forever.
    public var auditRetentionSeconds: Double?
    /// Deliveries received longer ago than this are pruned (`deliveries.retention`); nil keeps them forever.
    public var deliveryRetentionSeconds: Double?
    /// The soak window of a deployment recorded without `soak` (`deployments.default_soak`).
    public var defaultSoakSeconds: Double = 1800
    /// Things worth fixing that do not stop the config from loading.
    public var warnings: [String] = []

    /// A config with defaults only.
    public init() {}
}
