/// Why the HTTP server could not start.
public struct HTTPServerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in kind.
    public enum Code: String, Sendable {
        case invalidAddress
        case startFailed
        case tls
    }
    /// What went wrong, in kind.
    public var code: Code
    /// One readable line.
    public var message: String
    /// The message.
    public var description: String { message }

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
