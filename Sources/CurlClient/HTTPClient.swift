import CCurl

/// A synchronous libcurl client; one easy handle per call, safe to use from several threads at once.
///
/// Redirects are not followed, only `http` and `https` URLs are allowed, TLS peer
/// and host verification are always on, and libcurl never installs signal handlers
/// (`CURLOPT_NOSIGNAL`). `send` blocks the calling thread until the answer is in,
/// an error occurs or the request's timeout passes.
public struct HTTPClient: Sendable {
    /// The largest response body accepted, in bytes; larger answers throw `.responseTooLarge`.
    public var maxResponseBytes: Int

    /// Creates a client that accepts response bodies of up to `maxResponseBytes` bytes (default 16 MiB).
    public init(maxResponseBytes: Int = 16 << 20) {
        self.maxResponseBytes = maxResponseBytes
    }

    /// Sends `request` and waits for the complete response; any HTTP status counts as an answer.
    public func send(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        try RequestValidation.check(request)
        let limit = max(0, maxResponseBytes)
        let easy = try CurlEasyHandle()
        try configure(easy, for: request, limit: limit)

        let collector = ResponseCollector(maxBodyBytes: limit)
        try easy.collect(into: collector)
        // The collector is handed to libcurl unretained: keep it alive for the whole transfer.
        let code = withExtendedLifetime(collector) { easy.perform() }
        guard code == CURLE_OK else {
            throw CurlErrorMapping.error(
                for: code, url: request.url, errorText: easy.errorText,
                osErrno: easy.infoLong(CURLINFO_OS_ERRNO) ?? 0,
                exceededLimit: collector.exceededLimit, limit: limit)
        }
        guard let status = easy.infoLong(CURLINFO_RESPONSE_CODE), status > 0 else {
            throw HTTPClientError(
                code: .other,
                message: "no HTTP status from \(CurlErrorMapping.hostAndPort(of: request.url) ?? "the server")")
        }
        return HTTPClientResponse(status: status, headers: collector.headers, body: collector.body)
    }

    /// Sets every libcurl option for one request on a fresh handle.
    private func configure(_ easy: CurlEasyHandle, for request: HTTPClientRequest, limit: Int) throws(HTTPClientError) {
        try easy.set(CURLOPT_URL, request.url, "URL")
        try easy.set(CURLOPT_NOSIGNAL, 1, "NOSIGNAL")
        try easy.set(CURLOPT_FOLLOWLOCATION, 0, "FOLLOWLOCATION")
        try easy.set(CURLOPT_PROTOCOLS_STR, "http,https", "allowed protocols")
        try easy.set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https", "allowed redirect protocols")
        try easy.set(CURLOPT_TIMEOUT_MS, Self.milliseconds(request.timeout), "timeout")
        try easy.set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.connectTimeout), "connect timeout")
        try easy.set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(limit), "maximum response size")

        try easy.set(CURLOPT_SSL_VERIFYPEER, 1, "TLS peer verification")
        try easy.set(CURLOPT_SSL_VERIFYHOST, 2, "TLS host verification")
        if let caFile = request.caFile {
            try easy.set(CURLOPT_CAINFO, caFile, "CA file")
        }
        if let certFile = request.clientCertFile {
            try easy.set(CURLOPT_SSLCERT, certFile, "client certificate")
            try easy.set(CURLOPT_SSLCERTTYPE, "PEM", "client certificate type")
        }
        if let keyFile = request.clientKeyFile {
            try easy.set(CURLOPT_SSLKEY, keyFile, "client key")
            try easy.set(CURLOPT_SSLKEYTYPE, "PEM", "client key type")
        }
        if let socketPath = request.unixSocketPath {
            try easy.set(CURLOPT_UNIX_SOCKET_PATH, socketPath, "Unix socket path")
        }

        let method = request.method
        let sendsBody = !request.body.isEmpty || method == "POST" || method == "PUT" || method == "PATCH"
        if sendsBody {
            try easy.setBody(request.body)  // makes it a POST ...
            if method != "POST" {
                try easy.set(CURLOPT_CUSTOMREQUEST, method, "method")  // ... under another name
            }
        } else if method == "HEAD" {
            try easy.set(CURLOPT_NOBODY, 1, "HEAD request")
        } else if method != "GET" {
            try easy.set(CURLOPT_CUSTOMREQUEST, method, "method")
        }
        try easy.setHeaderLines(Self.headerLines(for: request, sendsBody: sendsBody))
    }

    /// The request's header lines for `CURLOPT_HTTPHEADER`, plus lines that switch off libcurl defaults.
    static func headerLines(for request: HTTPClientRequest, sendsBody: Bool) -> [String] {
        var lines: [String] = []
        var names: Set<String> = []
        for (name, value) in request.headers {
            names.insert(name.lowercased())
            // "Name;" is libcurl's way to send a field with an empty value ("Name:" would remove it).
            lines.append(value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        if !names.contains("expect") {
            lines.append("Expect:")  // no "Expect: 100-continue" round trip
        }
        if sendsBody && !names.contains("content-type") {
            lines.append("Content-Type:")  // not libcurl's default application/x-www-form-urlencoded
        }
        return lines
    }

    /// Seconds to libcurl milliseconds; 0 (libcurl: no limit / default) when not a positive finite number.
    static func milliseconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        let ms = (seconds * 1000).rounded(.up)
        return ms >= Double(Int32.max) ? Int(Int32.max) : max(1, Int(ms))
    }
}
