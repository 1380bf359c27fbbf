import Foundation
import Yams

/// Reads one `auth.credentials[]` entry and the secret file it names.
enum CredentialReader {
    static let keys = ["name", "role", "token", "token_file", "username", "password", "password_file", "client_cert_subject"]

    static func read(_ entry: [String: Node], _ node: Node, _ field: String, _ reader: YAMLReader,
                     folder: String, warnings: inout [String]) -> (CredentialConfig, Credential)? {
        let before = reader.issues.count
        let name = entry["name"].flatMap { reader.nonEmptyString($0, "\(field).name") }
        if entry["name"] == nil { reader.report(node, "\(field).name", "is required") }
        var role: Role?
        if let roleNode = entry["role"], let text = reader.string(roleNode, "\(field).role") {
            role = Role(rawValue: text)
            if role == nil {
                reader.report(roleNode, "\(field).role",
                              "'\(text)' is not a role (use one of \(Role.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
        } else if entry["role"] == nil {
            reader.report(node, "\(field).role", "is required")
        }

        let given = ["token", "token_file", "username", "password", "password_file", "client_cert_subject"].filter { entry[$0] != nil }
        var source: CredentialConfig.SecretSource?
        var secret: Credential.Secret?
        switch Set(given) {
        case ["token"]:
            if let token = reader.nonEmptyString(entry["token"]!, "\(field).token") {
                source = .token(token)
                secret = .bearer(token: token)
                warnings.append("\(field) (\(name ?? "?")): inline token in the config file; prefer token_file")
            }
        case ["token_file"]:
            if let path = reader.nonEmptyString(entry["token_file"]!, "\(field).token_file") {
                let absolute = ConfigLoader.absolutePath(path, relativeTo: folder)
                if let token = readSecret(absolute, entry["token_file"]!, "\(field).token_file", reader) {
                    source = .tokenFile(path: absolute)
                    secret = .bearer(token: token)
                }
            }
        case ["username", "password"]:
            if let user = reader.nonEmptyString(entry["username"]!, "\(field).username"),
               let password = reader.nonEmptyString(entry["password"]!, "\(field).password") {
                source = .basic(username: user, password: password)
                secret = .basic(username: user, password: password)
                warnings.append("\(field) (\(name ?? "?")): inline password in the config file; prefer password_file")
            }
        case ["username", "password_file"]:
            if let user = reader.nonEmptyString(entry["username"]!, "\(field).username"),
               let path = reader.nonEmptyString(entry["password_file"]!, "\(field).password_file") {
                let absolute = ConfigLoader.absolutePath(path, relativeTo: folder)
                if let password = readSecret(absolute, entry["password_file"]!, "\(field).password_file", reader) {
                    source = .basicPasswordFile(username: user, path: absolute)
                    secret = .basic(username: user, password: password)
                }
            }
        case ["client_cert_subject"]:
            if let subject = reader.nonEmptyString(entry["client_cert_subject"]!, "\(field).client_cert_subject") {
                source = .clientCertificate(subject: subject)
                secret = .clientCertificate(subject: subject)
            }
        default:
            reader.report(node, field,
                          "give exactly one of: token, token_file, client_cert_subject, or username with password or password_file (got \(given.isEmpty ? "none" : given.joined(separator: ", ")))")
        }
        guard reader.issues.count == before, let name, let role, let source, let secret else { return nil }
        if secret == .basic(username: "", password: "") { return nil }
        return (CredentialConfig(name: name, role: role, source: source),
                Credential(name: name, role: role, secret: secret))
    }

    /// A secret file's content without its trailing newline.
    static func readSecret(_ path: String, _ node: Node, _ field: String, _ reader: YAMLReader) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            reader.report(node, field, "secret file \(path) \(reason)")
            return nil
        }
        guard var text = String(data: data, encoding: .utf8) else {
            reader.report(node, field, "secret file \(path) is not UTF-8 text")
            return nil
        }
        // "\r\n" is one Character in Swift, so one removeLast covers both endings.
        if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
        if text.isEmpty {
            reader.report(node, field, "secret file \(path) is empty")
            return nil
        }
        if text.contains("\n") {
            reader.report(node, field, "secret file \(path) has more than one line")
            return nil
        }
        return text
    }
}
