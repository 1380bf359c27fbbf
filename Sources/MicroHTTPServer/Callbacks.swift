import CMicroHTTPD

/// Per-request state kept in libmicrohttpd's connection slot while the body arrives.
final class RequestContext {
    let started = ContinuousClock.now
    var body: [UInt8] = []
    var clientSubject: String?
    var tooLarge = false
    var answered = false
}

/// Collects key/value pairs from `MHD_get_connection_values`.
final class PairCollector {
    var pairs: [(name: String, value: String)] = []
}

func microHTTPCollectPair(_ cls: UnsafeMutableRawPointer?, _ kind: MHD_ValueKind,
                          _ key: UnsafePointer<CChar>?, _ value: UnsafePointer<CChar>?) -> MHD_Result {
    guard let cls, let key else { return .YES }
    let collector = Unmanaged<PairCollector>.fromOpaque(cls).takeUnretainedValue()
    collector.pairs.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
    return .YES
}

private func values(_ connection: OpaquePointer, _ kind: MHD_ValueKind) -> [(name: String, value: String)] {
    let collector = PairCollector()
    withExtendedLifetime(collector) {
        _ = MHD_get_connection_values(connection, kind, microHTTPCollectPair,
                                      Unmanaged.passUnretained(collector).toOpaque())
    }
    return collector.pairs
}

/// MHD_RESPMEM_MUST_COPY: libmicrohttpd copies the body before the call returns.
private let mustCopy = MHD_ResponseMemoryMode(rawValue: 2)!

private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
    let created: OpaquePointer? = response.body.withUnsafeBytes { raw in
        MHD_create_response_from_buffer(raw.count, UnsafeMutableRawPointer(mutating: raw.baseAddress),
                                        mustCopy)
    }
    guard let mhdResponse = created else { return .NO }
    defer { MHD_destroy_response(mhdResponse) }
    for header in response.headers {
        _ = MHD_add_response_header(mhdResponse, header.name, header.value)
    }
    return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
}

func microHTTPAccessHandler(_ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                            _ url: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?,
                            _ version: UnsafePointer<CChar>?, _ uploadData: UnsafePointer<CChar>?,
                            _ uploadDataSize: UnsafeMutablePointer<Int>?,
                            _ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> MHD_Result {
    guard let cls, let connection, let slot, let uploadDataSize else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue()
    let limit = server.configuration.maxBodyBytes

    guard let existing = slot.pointee else {
        // First call: headers are in, the body is not.
        let context = RequestContext()
        server.headerWatch?.headersComplete(connection)
        if server.requiresClientCertificate {
            // libmicrohttpd only asks for a client certificate; refuse the connection without one that verifies.
            var buffer = [CChar](repeating: 0, count: 1024)
            guard cmhd_verified_client_subject(connection, &buffer, buffer.count) == 1 else {
                server.log("closing a TLS connection from \(SocketAddress.describe(cmhd_client_address(connection))): no client certificate signed by the client CA")
                return .NO
            }
            context.clientSubject = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        slot.pointee = Unmanaged.passRetained(context).toOpaque()
        server.requestBegan()
        if let declared = MHD_lookup_connection_value(connection, .HEADER_KIND, "Content-Length"),
           let length = Int(String(cString: declared)), length > limit {
            context.answered = true
            let path = url.map { String(cString: $0) } ?? "/"
            return queue(server.rejectionResponder(.bodyTooLarge(limit: limit, path: path)), on: connection)
        }
        return .YES
    }
    let context = Unmanaged<RequestContext>.fromOpaque(existing).takeUnretainedValue()
    let size = uploadDataSize.pointee
    if size > 0 {
        // The connection timeout only notices silence; a body trickled a byte at a time (slowloris)
        // is cut off once the whole body has taken longer than the body timeout.
        if ContinuousClock.now - context.started > .seconds(server.configuration.bodyTimeoutSeconds) {
            server.log("closing a connection from \(SocketAddress.describe(cmhd_client_address(connection))): its request body took longer than \(server.configuration.bodyTimeoutSeconds)s")
            return .NO
        }
        if !context.answered && !context.tooLarge, let uploadData {
            if context.body.count + size > limit {
                context.tooLarge = true
                context.body = []
            } else {
                uploadData.withMemoryRebound(to: UInt8.self, capacity: size) {
                    context.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: size))
                }
            }
        }
        uploadDataSize.pointee = 0
        return .YES
    }
    if context.answered { return .YES }
    context.answered = true
    if context.tooLarge {
        let path = url.map { String(cString: $0) } ?? "/"
        return queue(server.rejectionResponder(.bodyTooLarge(limit: limit, path: path)), on: connection)
    }
    let request = HTTPRequest(
        method: method.map { String(cString: $0) } ?? "GET",
        path: url.map { String(cString: $0) } ?? "/",
        query: values(connection, .GET_ARGUMENT_KIND),
        headers: values(connection, .HEADER_KIND),
        body: context.body,
        remoteAddress: SocketAddress.describe(cmhd_client_address(connection)),
        clientCertificateSubject: context.clientSubject)
    context.body = []
    return queue(server.handler(request), on: connection)
}

func microHTTPRequestCompleted(_ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                               _ slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                               _ termination: MHD_RequestTerminationCode) {
    if let cls, let connection {
        // The next request's headers (on a kept-alive connection) must arrive within the timeout.
        Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().headerWatch?.requestAnswered(connection)
    }
    guard let cls, let slot, let existing = slot.pointee else { return }
    Unmanaged<RequestContext>.fromOpaque(existing).release()
    slot.pointee = nil
    Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().requestEnded()
}

func microHTTPConnectionNotify(_ cls: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                              _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                              _ code: MHD_ConnectionNotificationCode) {
    guard let cls, let connection,
          let watch = Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().headerWatch else { return }
    if code.rawValue == 0 {   // MHD_CONNECTION_NOTIFY_STARTED (1 is CLOSED)
        watch.opened(connection)
    } else {
        watch.closed(connection)
    }
}

func microHTTPLogger(_ cls: UnsafeMutableRawPointer?, _ format: UnsafePointer<CChar>?,
                     _ arguments: CVaListPointer?) {
    guard let cls, let format, let arguments else { return }
    var buffer = [CChar](repeating: 0, count: 512)
    _ = cmhd_format_log(&buffer, buffer.count, format, arguments)
    let line = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }.trimmingTrailingNewlines()
    Unmanaged<HTTPServer>.fromOpaque(cls).takeUnretainedValue().log(line)
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
