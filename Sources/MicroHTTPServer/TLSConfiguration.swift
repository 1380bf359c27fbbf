import CMicroHTTPD

/// HTTPS for the server: libmicrohttpd's own TLS (GnuTLS), optionally with client certificates.
public struct TLSConfiguration: Sendable, Hashable {
    /// The lowest protocol version accepted.
    public enum MinimumVersion: String, Sendable, Hashable {
        case tls12 = "TLS12"
        case tls13 = "TLS13"

        var priorities: String {
            switch self {
            case .tls12: return "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
            case .tls13: return "NORMAL:-VERS-ALL:+VERS-TLS1.3"
            }
        }
    }

    /// The server certificate (chain), PEM.
    public var certificatePEM: String
    /// The server's private key, PEM.
    public var privateKeyPEM: String
    /// When set, every client must present a certificate this CA signed (PEM).
    public var clientCAPEM: String?
    /// TLS 1.2 (default) or 1.3 only.
    public var minimumVersion: MinimumVersion

    /// Creates a TLS configuration.
    public init(certificatePEM: String, privateKeyPEM: String, clientCAPEM: String? = nil, minimumVersion: MinimumVersion = .tls12) {
        self.certificatePEM = certificatePEM
        self.privateKeyPEM = privateKeyPEM
        self.clientCAPEM = clientCAPEM
        self.minimumVersion = minimumVersion
    }

    /// Checks that the certificate and key parse and belong together, and that the CA parses.
    public static func check(certificatePEM: String, privateKeyPEM: String, clientCAPEM: String?) throws(HTTPServerError) {
        var what: Int32 = 0
        let code = certificatePEM.withCString { cert in
            privateKeyPEM.withCString { key in
                if let clientCAPEM {
                    return clientCAPEM.withCString { ca in cmhd_check_tls_material(cert, key, ca, &what) }
                }
                return cmhd_check_tls_material(cert, key, nil, &what)
            }
        }
        guard code != 0 else { return }
        let reason = String(cString: cmhd_tls_error(code))
        switch what {
        case 1: throw HTTPServerError(.tls, "the certificate and key do not load as a pair: \(reason)")
        case 2: throw HTTPServerError(.tls, "the client CA does not parse as PEM certificates: \(reason)")
        default: throw HTTPServerError(.tls, "TLS setup failed: \(reason)")
        }
    }
}
