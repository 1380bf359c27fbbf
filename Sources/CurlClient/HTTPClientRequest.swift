/// One outgoing HTTP request.
///
/// TLS peer and host verification are always on; `caFile`, `clientCertFile`
/// and `clientKeyFile` only choose which trust anchors and client identity
/// to use.
public struct HTTPClientRequest: Sendable {
    /// The request method, e.g. "GET", "POST", "PATCH", "PUT", "DELETE".
    public var method: String
    /// The absolute `http://` or `https://` URL to send the request to.
    public var url: String
    /// Header fields to send, in order; an empty value sends the field with no value.
    public var headers: [(name: String, value: String)]
    /// The request body; sent with a `Content-Length` (always for POST, PUT and PATCH).
    public var body: [UInt8]
    /// Seconds the whole request may take (0 or less: no limit).
    public var timeout: Double
    /// Seconds connecting may take (0 or less: libcurl's default of 300).
    public var connectTimeout: Double
    /// PEM file of CA certificates to trust instead of the system bundle.
    public var caFile: String?
    /// PEM file with the client certificate for mutual TLS.
    public var clientCertFile: String?
    /// PEM file with the private key of `clientCertFile`.
    public var clientKeyFile: String?
    /// Path of a Unix domain socket to connect through instead of TCP.
    public var unixSocketPath: String?

    /// Creates a request; TLS options and the socket path start unset.
    public init(
        method: String = "GET",
        url: String,
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        timeout: Double = 30,
        connectTimeout: Double = 10
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.caFile = nil
        self.clientCertFile = nil
        self.clientKeyFile = nil
        self.unixSocketPath = nil
    }
}
