/// Rejects request parts that libcurl would mangle or that could inject extra header lines.
enum RequestValidation {
    /// Throws `.invalidURL` for a bad method, header field or URL, `.other` for an unusable file path.
    static func check(_ request: HTTPClientRequest) throws(HTTPClientError) {
        guard isToken(request.method) else {
            throw HTTPClientError(code: .invalidURL, message: "invalid HTTP method \"\(printable(request.method))\"")
        }
        guard !request.url.isEmpty else {
            throw HTTPClientError(code: .invalidURL, message: "invalid URL: empty")
        }
        guard !request.url.utf8.contains(where: isControl) else {
            throw HTTPClientError(code: .invalidURL, message: "invalid URL: contains control characters")
        }
        for (name, value) in request.headers {
            guard isToken(name) else {
                throw HTTPClientError(code: .invalidURL, message: "invalid header name \"\(printable(name))\"")
            }
            guard !value.utf8.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) else {
                throw HTTPClientError(code: .invalidURL, message: "invalid value for header \(name): contains a line break or NUL")
            }
        }
        let paths: [(String, String?)] = [
            ("CA file", request.caFile), ("client certificate file", request.clientCertFile),
            ("client key file", request.clientKeyFile), ("Unix socket path", request.unixSocketPath),
        ]
        for case let (what, path?) in paths where path.isEmpty || path.utf8.contains(0) {
            throw HTTPClientError(code: .other, message: "invalid \(what): empty or contains NUL")
        }
    }

    /// RFC 9110 token: one or more of ALPHA, DIGIT and !#$%&'*+-.^_`|~
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                return true
            default:
                return "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    private static func isControl(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F
    }

    /// A short, single-line rendering of untrusted text for an error message.
    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.prefix(64).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : Character($0) })
    }
}
