import MicroHTTPServer

/// An error answered to an HTTP client: a status, a stable code, a readable message and, where
/// it helps, the field at fault.
public struct APIError: Error, Sendable {
    /// The HTTP status.
    public var status: Int
    /// A stable machine-readable code, e.g. `invalid_notification`.
    public var code: String
    /// One readable sentence.
    public var message: String
    /// The request field at fault, when there is one.
    public var field: String?
    /// Extra response headers (`Allow`, `WWW-Authenticate`).
    public var headers: [(name: String, value: String)] = []

    /// Creates an error.
    public init(_ status: Int, _ code: String, _ message: String, field: String? = nil,
                headers: [(name: String, value: String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers
    }

    /// `{"error": code, "message": …, "field": …}` with the status and headers.
    public var response: HTTPResponse {
        var body: [String: String] = ["error": code, "message": message]
        if let field { body["field"] = field }
        var response = JSONBody.response(status: status, body)
        response.headers.append(contentsOf: headers)
        return response
    }

    static func badRequest(_ message: String, field: String? = nil) -> APIError {
        APIError(400, "bad_request", message, field: field)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(404, "not_found", message)
    }
}
