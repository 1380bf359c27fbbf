/// Gathers the body and header lines of one transfer; lives for one `send` call on one thread.
///
/// libcurl reaches it through `CURLOPT_WRITEDATA` / `CURLOPT_HEADERDATA` as an
/// unretained `Unmanaged` pointer, so the caller keeps it alive until
/// `curl_easy_perform` returns.
final class ResponseCollector {
    let maxBodyBytes: Int
    var body: [UInt8] = []
    var headers: [(name: String, value: String)] = []
    /// Set when the write callback refused data because of `maxBodyBytes`.
    var exceededLimit = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Appends body bytes; returns false (and remembers why) when they would pass the limit.
    func appendBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if bytes.count > maxBodyBytes - body.count {
            exceededLimit = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Handles one raw header line as libcurl delivers it (status line, field, or blank end line).
    func appendHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        // Work on bytes: in a Swift String "\r\n" is one Character, which hides the line end.
        var line = bytes[...]
        while let last = line.last, last == 0x0D || last == 0x0A { line.removeLast() }
        if line.starts(with: "HTTP/".utf8) {
            // A new status line: 1xx interim answers (and proxy CONNECT answers) come
            // before the final one; keep only the fields of the final response.
            headers.removeAll()
            return
        }
        guard let first = line.first else { return }
        if first == 0x20 || first == 0x09 {
            // Obsolete line folding: continues the previous field's value.
            if !headers.isEmpty {
                let extra = Self.trimmedText(line)
                let previous = headers[headers.count - 1].value
                headers[headers.count - 1].value = previous.isEmpty ? extra : previous + " " + extra
            }
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        let value = Self.trimmedText(line[(colon + 1)...])
        headers.append((name: name, value: value))
    }

    /// `bytes` without leading and trailing blanks, decoded as UTF-8 (lossy).
    private static func trimmedText(_ bytes: Slice<UnsafeRawBufferPointer>) -> String {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes.removeFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `CURLOPT_WRITEFUNCTION`: appends body bytes to the `ResponseCollector` in `userdata`.
///
/// Returning anything other than `size * nmemb` makes libcurl abort with `CURLE_WRITE_ERROR`.
func curlClientWriteCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let (total, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow, let userdata else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
    guard total > 0, let data else { return total }
    return collector.appendBody(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

/// `CURLOPT_HEADERFUNCTION`: hands one header line to the `ResponseCollector` in `userdata`.
func curlClientHeaderCallback(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?
) -> Int {
    let (total, overflow) = size.multipliedReportingOverflow(by: count)
    guard !overflow, let userdata else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
    guard total > 0, let data else { return total }
    collector.appendHeaderLine(UnsafeRawBufferPointer(start: data, count: total))
    return total
}
