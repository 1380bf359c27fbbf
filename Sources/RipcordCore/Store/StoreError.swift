/// A storage failure, with a code callers can act on and a readable message.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// The database cannot take the write now (read-only, disk full, locked, I/O error): retry later.
        case unavailable
        /// The schema is missing, changed or newer than this binary.
        case schema
        /// Anything else.
        case failed
    }
    /// What kind of failure.
    public var code: Code
    /// One readable line.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
