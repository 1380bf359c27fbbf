import Foundation

/// The outcome of checking an `Authorization` header.
public enum AuthenticationResult: Sendable, Equatable {
    /// No `Authorization` header, or an empty one.
    case missing
    /// A header that matches no credential (or is malformed).
    case invalid(reason: String)
    /// The credential the header proves.
    case authenticated(Credential)
}

/// Checks `Authorization` headers against the configured credentials, in constant time.
public struct Authenticator: Sendable {
    /// The credentials it accepts.
    public let credentials: [Credential]

    /// Creates an authenticator.
    public init(credentials: [Credential]) {
        self.credentials = credentials
    }

    /// Who the header (or, without one, a verified client certificate) proves the client to be.
    public func authenticate(authorization header: String?, clientCertificateSubject: String? = nil) -> AuthenticationResult {
        guard let header = header?.trimmingCharacters(in: .whitespaces), !header.isEmpty else {
            if let subject = clientCertificateSubject {
                return match { secret in
                    guard case .clientCertificate(let expected) = secret else { return false }
                    return ConstantTime.equal(expected, subject)
                }
            }
            return .missing
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2 else { return .invalid(reason: "malformed Authorization header") }
        let scheme = parts[0].lowercased()
        let value = String(parts[1]).trimmingCharacters(in: .whitespaces)
        switch scheme {
        case "bearer":
            return match { secret in
                guard case .bearer(let token) = secret else { return false }
                return ConstantTime.equal(token, value)
            }
        case "basic":
            guard let decoded = Data(base64Encoded: value), let text = String(data: decoded, encoding: .utf8),
                  let colon = text.firstIndex(of: ":") else {
                return .invalid(reason: "malformed Basic credentials")
            }
            let username = String(text[..<colon])
            let password = String(text[text.index(after: colon)...])
            return match { secret in
                guard case .basic(let u, let p) = secret else { return false }
                // Evaluate both comparisons always, so timing does not tell which part was wrong.
                let userOK = ConstantTime.equal(u, username)
                let passwordOK = ConstantTime.equal(p, password)
                return userOK && passwordOK
            }
        default:
            return .invalid(reason: "unsupported Authorization scheme '\(parts[0])'")
        }
    }

    private func match(_ matches: (Credential.Secret) -> Bool) -> AuthenticationResult {
        // Compare against every credential, so the time taken does not reveal which one matched.
        var found: Credential?
        for credential in credentials where matches(credential.secret) && found == nil {
            found = credential
        }
        return found.map { .authenticated($0) } ?? .invalid(reason: "unknown credentials")
    }
}

/// Comparisons whose duration depends only on the lengths involved.
public enum ConstantTime {
    /// Whether two strings are equal, looking at every byte of the expected one.
    public static func equal(_ expected: String, _ given: String) -> Bool {
        let a = Array(expected.utf8)
        let b = Array(given.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<a.count {
            difference |= a[i] ^ (i < b.count ? b[i] : ~a[i])
        }
        return difference == 0
    }
}
