/// The answer to one request.
public struct HTTPClientResponse: Sendable {
    /// The HTTP status code of the final response, e.g. 200 or 404.
    public var status: Int
    /// Header fields of the final response, in the order received, names as sent.
    public var headers: [(name: String, value: String)]
    /// The response body, as received (no content decoding).
    public var body: [UInt8]

    /// Creates a response from its parts (useful for tests and fakes).
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Returns the value of the first header field named `name`, compared case-insensitively.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The body decoded as UTF-8, with invalid sequences replaced.
    public var bodyText: String {
        String(decoding: body, as: UTF8.self)
    }
}
