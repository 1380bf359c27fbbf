import Logging
import MicroHTTPServer
import RipcordCore

/// Decides whether a request may proceed: 401 without valid credentials, 403 with the wrong role.
struct AuthGate: Sendable {
    let live: LiveConfig
    /// When true (only with `--insecure-no-auth`), every request acts as an admin.
    let open: Bool
    let logger: Logger
    /// Records an authentication failure in the audit log (who and from where, never the credential).
    let audit: @Sendable (AuditRecord) -> Void

    static let anonymous = Credential(name: "anonymous (--insecure-no-auth)", role: .admin, secret: .bearer(token: ""))
    static let challenge: [(name: String, value: String)] = [
        ("WWW-Authenticate", #"Bearer realm="ripcord""#),
        ("WWW-Authenticate", #"Basic realm="ripcord", charset="UTF-8""#),
    ]

    func record(_ request: HTTPRequest, _ reason: String, credential: String?) {
        let who = credential.map { "credential \($0)" } ?? "an unauthenticated client"
        audit(AuditRecord(kind: "auth.failure", actor: request.remoteAddress,
                          summary: "\(request.method) \(request.path) refused for \(who) from \(request.remoteAddress): \(reason)",
                          data: ["method": .string(request.method), "path": .string(request.path),
                                 "remote_address": .string(request.remoteAddress), "credential": credential.map { .string($0) } ?? .null,
                                 "user_agent": .string(request.header("User-Agent") ?? "")]))
    }

    func authorize(_ request: HTTPRequest, for permission: Permission) throws(APIError) -> Credential {
        if open { return AuthGate.anonymous }
        switch live.snapshot.authenticator.authenticate(authorization: request.header("Authorization"),
                                                        clientCertificateSubject: request.clientCertificateSubject) {
        case .missing:
            logger.warning("authentication failed: no credentials",
                           metadata: ["http.remote": "\(request.remoteAddress)", "http.path": "\(request.path)"])
            record(request, "no credentials", credential: nil)
            throw APIError(401, "unauthorized", "credentials are required (Authorization: Bearer or Basic)",
                           headers: AuthGate.challenge)
        case .invalid(let reason):
            logger.warning("authentication failed: \(reason)",
                           metadata: ["http.remote": "\(request.remoteAddress)", "http.path": "\(request.path)"])
            record(request, reason, credential: nil)
            throw APIError(401, "unauthorized", "the credentials were not accepted", headers: AuthGate.challenge)
        case .authenticated(let credential):
            guard credential.role.grants(permission) else {
                logger.warning("authorization failed: role \(credential.role.rawValue) may not \(permission.rawValue)",
                               metadata: ["http.remote": "\(request.remoteAddress)", "auth.credential": "\(credential.name)"])
                record(request, "role \(credential.role.rawValue) may not \(permission.rawValue)", credential: credential.name)
                throw APIError(403, "forbidden",
                               "credential '\(credential.name)' has role \(credential.role.rawValue), which may not \(permission.rawValue) (needs \(permission.roles.map(\.rawValue).joined(separator: " or ")))")
            }
            return credential
        }
    }
}
