#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CCurl

/// Turns a failed transfer's `CURLcode` into an `HTTPClientError` with a one-line message.
///
/// Messages name the target as "host:port" only, never the full URL, so that
/// credentials or tokens in a URL's user info, path or query do not end up in logs.
enum CurlErrorMapping {
    /// The error for a failed `curl_easy_perform`.
    static func error(
        for code: CURLcode, url: String, errorText: String, osErrno: Int, exceededLimit: Bool, limit: Int
    ) -> HTTPClientError {
        let target = hostAndPort(of: url) ?? "the server"
        let detail = errorText.isEmpty ? CurlEasyHandle.describe(code) : errorText
        let kind = classify(code, exceededLimit: exceededLimit)
        switch kind {
        case .couldNotConnect:
            if code == CURLE_COULDNT_RESOLVE_HOST || code == CURLE_COULDNT_RESOLVE_PROXY {
                return HTTPClientError(code: kind, message: "could not resolve \(target): \(detail)")
            }
            let reason = osErrno != 0 ? systemErrorText(osErrno) : detail
            return HTTPClientError(code: kind, message: "could not connect to \(target): \(reason)")
        case .timedOut:
            return HTTPClientError(code: kind, message: "timed out talking to \(target): \(detail)")
        case .tls:
            return HTTPClientError(code: kind, message: "TLS failure with \(target): \(detail)")
        case .invalidURL:
            return HTTPClientError(code: kind, message: "invalid URL: \(detail)")
        case .responseTooLarge:
            return HTTPClientError(
                code: kind, message: "response from \(target) is larger than the \(limit)-byte limit")
        case .other:
            return HTTPClientError(code: kind, message: "request to \(target) failed: \(detail)")
        }
    }

    /// The `HTTPClientError.Code` for a libcurl result code.
    static func classify(_ code: CURLcode, exceededLimit: Bool) -> HTTPClientError.Code {
        switch code {
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT:
            return .timedOut
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM,
             CURLE_SSL_CIPHER, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
             CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
             CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_ENGINE_INITFAILED,
             CURLE_SSL_SHUTDOWN_FAILED, CURLE_USE_SSL_FAILED:
            return .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidURL
        case CURLE_FILESIZE_EXCEEDED:
            return .responseTooLarge
        case CURLE_WRITE_ERROR where exceededLimit:
            return .responseTooLarge
        default:
            return .other
        }
    }

    /// "host:port" of `url` as libcurl parses it (default port filled in), or nil if it does not parse.
    static func hostAndPort(of url: String) -> String? {
        guard let parsed = curl_url() else { return nil }
        defer { curl_url_cleanup(parsed) }
        guard curl_url_set(parsed, CURLUPART_URL, url, 0) == CURLUE_OK else { return nil }
        guard let host = part(parsed, CURLUPART_HOST, flags: 0) else { return nil }
        guard let port = part(parsed, CURLUPART_PORT, flags: UInt32(CURLU_DEFAULT_PORT)) else { return host }
        return "\(host):\(port)"
    }

    private static func part(_ url: OpaquePointer, _ what: CURLUPart, flags: UInt32) -> String? {
        var text: UnsafeMutablePointer<CChar>? = nil
        guard curl_url_get(url, what, &text, flags) == CURLUE_OK, let text else { return nil }
        defer { curl_free(text) }
        return String(cString: text)
    }

    /// The C library's text for an `errno` value, e.g. "Connection refused".
    private static func systemErrorText(_ number: Int) -> String {
        guard let text = strerror(Int32(truncatingIfNeeded: number)) else { return "error \(number)" }
        return String(cString: text)
    }
}
