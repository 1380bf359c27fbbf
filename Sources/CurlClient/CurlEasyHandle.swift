import CCurl

/// Makes sure `curl_global_init(CURL_GLOBAL_ALL)` has run once in this process.
enum CurlGlobal {
    /// Evaluated once, thread-safely, on first use (Swift's lazy `static let`).
    private static let initResult: Int = Int(ccurl_global_init_all().rawValue)

    /// Runs the global initialisation if needed; throws if it failed.
    static func ensureInitialized() throws(HTTPClientError) {
        let result = initResult
        if result != Int(CURLE_OK.rawValue) {
            throw HTTPClientError(code: .other, message: "libcurl global initialisation failed (curl code \(result))")
        }
    }
}

/// Owns one libcurl easy handle, its header list and its error buffer, for a single transfer.
///
/// Not shared between threads: `HTTPClient.send` creates one per call.
final class CurlEasyHandle {
    let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private let errorBufferSize: Int
    private var headerList: UnsafeMutablePointer<curl_slist>?

    init() throws(HTTPClientError) {
        try CurlGlobal.ensureInitialized()
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(code: .other, message: "could not create a libcurl handle")
        }
        self.handle = handle
        errorBufferSize = Int(ccurl_error_size())
        errorBuffer = .allocate(capacity: errorBufferSize)
        errorBuffer.initialize(repeating: 0, count: errorBufferSize)
        // The buffer must outlive every libcurl call on this handle; it is freed in deinit.
        let code = ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(errorBuffer))
        if code != CURLE_OK {
            // Every stored property is set, so deinit runs and frees the handle and buffer.
            throw HTTPClientError(code: .other, message: "could not set up a libcurl handle: \(Self.describe(code))")
        }
    }

    deinit {
        curl_easy_cleanup(handle)
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// The text libcurl left in the error buffer, on one line, or "" if none.
    var errorText: String {
        errorBuffer[errorBufferSize - 1] = 0
        return Self.oneLine(String(cString: errorBuffer))
    }

    func set(_ option: CURLoption, _ value: Int, _ what: @autoclosure () -> String) throws(HTTPClientError) {
        try check(ccurl_setopt_long(handle, option, value), what())
    }

    func set(_ option: CURLoption, _ value: String, _ what: @autoclosure () -> String) throws(HTTPClientError) {
        try check(ccurl_setopt_string(handle, option, value), what())
    }

    func set(_ option: CURLoption, offset value: Int64, _ what: @autoclosure () -> String) throws(HTTPClientError) {
        try check(ccurl_setopt_off_t(handle, option, curl_off_t(value)), what())
    }

    func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?, _ what: @autoclosure () -> String) throws(HTTPClientError) {
        try check(ccurl_setopt_pointer(handle, option, value), what())
    }

    /// Sends `body` as the request body; libcurl copies it (`CURLOPT_COPYPOSTFIELDS`).
    func setBody(_ body: [UInt8]) throws(HTTPClientError) {
        // The size must be set before COPYPOSTFIELDS, which copies that many bytes.
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count), "body size")
        if body.isEmpty {
            try set(CURLOPT_COPYPOSTFIELDS, "", "body")
            return
        }
        let code = body.withUnsafeBytes { bytes in
            ccurl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
        }
        try check(code, "body")
    }

    /// Replaces the request header list with `lines` ("Name: value" each).
    func setHeaderLines(_ lines: [String]) throws(HTTPClientError) {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for line in lines {
            guard let appended = curl_slist_append(list, line) else {
                if let list { curl_slist_free_all(list) }
                throw HTTPClientError(code: .other, message: "out of memory building request headers")
            }
            list = appended
        }
        let code = ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        if let headerList { curl_slist_free_all(headerList) }
        headerList = list
        try check(code, "request headers")
    }

    /// Installs the write and header callbacks with `collector` as their context.
    ///
    /// The collector is passed unretained: the caller must keep it alive through `perform()`.
    func collect(into collector: ResponseCollector) throws(HTTPClientError) {
        let context = Unmanaged.passUnretained(collector).toOpaque()
        try check(ccurl_setopt_write_callback(handle, curlClientWriteCallback), "write callback")
        try set(CURLOPT_WRITEDATA, pointer: context, "write callback data")
        try check(ccurl_setopt_header_callback(handle, curlClientHeaderCallback), "header callback")
        try set(CURLOPT_HEADERDATA, pointer: context, "header callback data")
    }

    /// Runs the transfer; returns libcurl's result code.
    func perform() -> CURLcode {
        errorBuffer[0] = 0
        return curl_easy_perform(handle)
    }

    func infoLong(_ info: CURLINFO) -> Int? {
        var value = 0
        return ccurl_getinfo_long(handle, info, &value) == CURLE_OK ? value : nil
    }

    private func check(_ code: CURLcode, _ what: String) throws(HTTPClientError) {
        guard code != CURLE_OK else { return }
        throw HTTPClientError(code: .other, message: "could not set \(what): \(Self.describe(code))")
    }

    /// libcurl's text for a result code, with its number.
    static func describe(_ code: CURLcode) -> String {
        let text = curl_easy_strerror(code).map { String(cString: $0) } ?? "unknown error"
        return "\(text) (curl code \(code.rawValue))"
    }

    /// Collapses line breaks and surrounding blanks so a message fits one line.
    static func oneLine(_ text: String) -> String {
        let pieces = text.split(whereSeparator: \.isNewline)
        return pieces.map { $0.trimmingBlanks() }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

extension Substring {
    fileprivate func trimmingBlanks() -> String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return String(text)
    }
}
