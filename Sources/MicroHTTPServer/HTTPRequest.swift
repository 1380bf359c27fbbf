/// One HTTP request, with its body read in full, as the server hands it to the application.
public struct HTTPRequest: Sendable {
    /// The method as sent, e.g. `POST`.
    public var method: String
    /// The path without the query string, percent-decoded by the server.
    public var path: String
    /// Query parameters in the order sent; a parameter without `=` has an empty value.
    public var query: [(name: String, value: String)]
    /// Request headers in the order sent.
    public var headers: [(name: String, value: String)]
    /// The request body.
    public var body: [UInt8]
    /// The peer's address as `host:port`, or `unknown`.
    public var remoteAddress: String
    /// The subject (RFC 4514) of the client certificate, when one was presented and verified.
    public var clientCertificateSubject: String?

    /// Creates a request; the server does this, tests may too.
    public init(method: String, path: String, query: [(name: String, value: String)] = [],
                headers: [(name: String, value: String)] = [], body: [UInt8] = [],
                remoteAddress: String = "unknown", clientCertificateSubject: String? = nil) {
        self.clientCertificateSubject = clientCertificateSubject
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The first header with this name, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The first query parameter with this name.
    public func queryValue(_ name: String) -> String? {
        query.first { $0.name == name }?.value
    }
}
