import ArgumentParser
import CurlClient
import Foundation
import RipcordCore

/// `--server URL`, `--token-file FILE` and `--timeout`: how a client subcommand reaches `ripcord serve`.
struct ServerOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Ripcord's base URL, e.g. http://127.0.0.1:9095.",
                               discussion: "Defaults to $RIPCORD_SERVER.", valueName: "url"))
    var server: String?

    @Option(help: ArgumentHelp("File holding the Bearer token (a trailing newline is ignored).",
                               discussion: "Defaults to $RIPCORD_TOKEN_FILE; without either, no credentials are sent.",
                               valueName: "file"))
    var tokenFile: String?

    @Option(help: ArgumentHelp("Seconds to wait for the server's answer.", valueName: "seconds"))
    var timeout: Double = 30

    @Option(help: ArgumentHelp("CA certificates (PEM) to verify an https --server with; verification is always on.",
                               discussion: "Defaults to $RIPCORD_CA_FILE, then the system's trust store.", valueName: "file"))
    var caFile: String?

    @Option(help: ArgumentHelp("Client certificate (PEM) for a server that requires one (mutual TLS).", valueName: "file"))
    var clientCert: String?

    @Option(help: ArgumentHelp("The client certificate's private key (PEM).", valueName: "file"))
    var clientKey: String?

    /// What every client subcommand's help says about its exit status.
    static let exitCodeHelp = """
        Exit status, for pipelines:
          0   success
          64  usage error (bad or missing flags, unreadable --token-file)
          65  the server rejected the request (400, 404, 409); do not retry
          69  the server is unavailable (5xx, unreachable, timeout); retry
          77  authentication or authorization failed (401, 403)
        """

    /// The base URL without a trailing slash: the flag, then $RIPCORD_SERVER.
    var resolvedServer: String {
        let value = server ?? ProcessInfo.processInfo.environment["RIPCORD_SERVER"] ?? ""
        return value.hasSuffix("/") ? String(value.dropLast()) : value
    }

    /// The token file: the flag, then $RIPCORD_TOKEN_FILE, or nil for none.
    var resolvedTokenFile: String? {
        if let tokenFile { return tokenFile }
        if let fromEnvironment = ProcessInfo.processInfo.environment["RIPCORD_TOKEN_FILE"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return nil
    }

    func validate() throws {
        let url = resolvedServer
        guard !url.isEmpty else {
            throw ValidationError("no server: pass --server URL or set RIPCORD_SERVER (e.g. http://127.0.0.1:9095)")
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ValidationError("--server '\(url)' must start with http:// or https://")
        }
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a number of seconds above 0")
        }
    }

    /// The token from the token file, or nil when none is configured.
    func token() throws -> String? {
        guard let path = resolvedTokenFile else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw ValidationError("token file \(path) \(reason)")
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasSuffix("\r\n") || text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty else { throw ValidationError("token file \(path) is empty") }
        return text
    }

    /// Sends a request and returns a 2xx answer; otherwise prints one line to stderr and exits with the
    /// code the help documents (65 rejected, 77 auth, 69 unavailable).
    func send(_ method: String, _ path: String, body: [UInt8]? = nil) throws -> HTTPClientResponse {
        var headers: [(name: String, value: String)] = [("Accept", "application/json"), ("User-Agent", "ripcord-cli")]
        if let token = try token() { headers.append(("Authorization", "Bearer \(token)")) }
        if body != nil { headers.append(("Content-Type", "application/json")) }
        let url = resolvedServer + path
        let response: HTTPClientResponse
        do {
            var request = HTTPClientRequest(method: method, url: url, headers: headers, body: body ?? [], timeout: timeout,
                                            connectTimeout: min(timeout, 10))
            request.caFile = caFile ?? ProcessInfo.processInfo.environment["RIPCORD_CA_FILE"]
            request.clientCertFile = clientCert
            request.clientKeyFile = clientKey
            response = try HTTPClient().send(request)
        } catch {
            if error.code == .invalidURL {
                throw ValidationError("--server '\(resolvedServer)' is not a usable URL: \(error.message)")
            }
            throw ServerOptions.fail("cannot reach Ripcord at \(resolvedServer): \(error.message) (safe to retry)",
                                     exitCode: ServerOptions.unavailable)
        }
        guard let exitCode = ServerOptions.exitCode(forStatus: response.status) else { return response }
        var line = "\(method) \(path): \(response.status) \(ServerOptions.describe(response))"
        switch exitCode {
        case ServerOptions.unauthorized where response.status == 401:
            line += " (check --token-file or RIPCORD_TOKEN_FILE)"
        case ServerOptions.unavailable:
            line += " (safe to retry)"
        default:
            break
        }
        throw ServerOptions.fail(line, exitCode: exitCode)
    }

    static let rejected = ExitCode(65)
    static let unavailable = ExitCode(69)
    static let unauthorized = ExitCode(77)

    /// The exit code for an HTTP status, or nil for success (2xx).
    static func exitCode(forStatus status: Int) -> ExitCode? {
        switch status {
        case 200...299: return nil
        case 401, 403: return unauthorized
        case 408, 429, 500...599: return unavailable
        default: return rejected
        }
    }

    /// The server's error as one line: `code: message (field: F)`, or the start of a non-JSON body.
    static func describe(_ response: HTTPClientResponse) -> String {
        let object = (try? JSONDecoder().decode(JSONValue.self, from: Data(response.body)))?.object ?? [:]
        var text: String
        if let message = object["message"]?.string {
            text = (object["error"]?.string.map { "\($0): " } ?? "") + message
            if let field = object["field"]?.string { text += " (field: \(field))" }
        } else {
            let body = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
            text = body.isEmpty ? "no message" : String(body.prefix(200))
        }
        return oneLine(text)
    }

    /// Control characters (line breaks included) replaced by spaces, so an error stays on one line.
    static func oneLine(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
    }

    /// Prints `Error: LINE` to stderr and returns the exit code to throw.
    static func fail(_ line: String, exitCode: ExitCode) -> ExitCode {
        FileHandle.standardError.write(Data("Error: \(oneLine(line))\n".utf8))
        return exitCode
    }
}
