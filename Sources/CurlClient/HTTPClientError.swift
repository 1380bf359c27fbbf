/// Why a request got no HTTP answer.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable {
        /// The URL, method or a header could not be used (includes non-http(s) schemes).
        case invalidURL
        /// The host could not be resolved or the connection was refused or unreachable.
        case couldNotConnect
        /// The connect or whole-request timeout elapsed.
        case timedOut
        /// The TLS handshake or certificate verification failed, or a TLS file was unusable.
        case tls
        /// The response body was larger than the client's `maxResponseBytes`.
        case responseTooLarge
        /// Any other failure (protocol error, connection reset, out of memory, ...).
        case other
    }

    /// The kind of failure.
    public var code: Code
    /// One readable line describing the failure.
    public var message: String

    /// Creates an error with a code and a one-line message.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
