import MicroHTTPServer
import RipcordCore

/// What a handler gets: the request, the path parameters and who sent it.
public struct RequestContext: Sendable {
    /// The request.
    public var request: HTTPRequest
    /// Values of `{name}` segments in the route's pattern.
    public var parameters: [String: String]
    /// The authenticated credential (nil on unauthenticated routes).
    public var credential: Credential?
}

/// One endpoint: method, path pattern, the permission it needs, and its handler.
public struct Route: Sendable {
    /// HTTP method.
    public var method: String
    /// Path pattern, e.g. `/api/v1/deliveries/{id}`.
    public let pattern: String
    /// The permission required, or nil for an open endpoint (health probes).
    public var permission: Permission?
    /// Answers the request.
    public var handler: @Sendable (RequestContext) throws(APIError) -> HTTPResponse
    /// The pattern's segments, split once (every request is matched against every route).
    let segments: [Substring]

    /// Creates a route.
    public init(_ method: String, _ pattern: String, permission: Permission?,
                handler: @escaping @Sendable (RequestContext) throws(APIError) -> HTTPResponse) {
        self.method = method
        self.pattern = pattern
        self.permission = permission
        self.handler = handler
        self.segments = pattern.split(separator: "/")
    }

    func match(_ path: [Substring]) -> [String: String]? {
        guard segments.count == path.count else { return nil }
        var parameters: [String: String] = [:]
        for (pattern, actual) in zip(segments, path) {
            if pattern.hasPrefix("{") && pattern.hasSuffix("}") {
                parameters[String(pattern.dropFirst().dropLast())] = String(actual)
            } else if pattern != actual {
                return nil
            }
        }
        return parameters
    }
}

/// Finds the route for a request: 404 for an unknown path, 405 with `Allow` for a wrong method.
public struct Router: Sendable {
    let routes: [Route]

    /// Creates a router.
    public init(routes: [Route]) {
        self.routes = routes
    }

    /// The route and its parameters, or the error to answer.
    public func resolve(_ request: HTTPRequest) throws(APIError) -> (Route, [String: String]) {
        let path = request.path.split(separator: "/")
        let candidates = routes.compactMap { route in route.match(path).map { (route, $0) } }
        guard !candidates.isEmpty else {
            throw APIError.notFound("no endpoint at \(request.path)")
        }
        let method = request.method == "HEAD" ? "GET" : request.method
        if let found = candidates.first(where: { $0.0.method == method }) {
            return found
        }
        let allowed = Array(Set(candidates.map(\.0.method))).sorted().joined(separator: ", ")
        throw APIError(405, "method_not_allowed", "\(request.method) is not allowed on \(request.path); use \(allowed)",
                       headers: [("Allow", allowed)])
    }
}
