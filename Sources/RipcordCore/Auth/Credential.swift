/// A configured identity: a name, a role and the secret that proves it.
public struct Credential: Sendable, Hashable {
    /// How a client proves it holds the credential.
    public enum Secret: Sendable, Hashable {
        /// `Authorization: Bearer TOKEN`.
        case bearer(token: String)
        /// `Authorization: Basic base64(username:password)`.
        case basic(username: String, password: String)
        /// A verified TLS client certificate with exactly this subject (e.g. `CN=alertmanager,O=ops`).
        case clientCertificate(subject: String)
    }

    /// The credential's name, recorded with what it did (never the secret).
    public var name: String
    /// What it may do.
    public var role: Role
    /// The secret.
    public var secret: Secret

    /// Creates a credential.
    public init(name: String, role: Role, secret: Secret) {
        self.name = name
        self.role = role
        self.secret = secret
    }
}
