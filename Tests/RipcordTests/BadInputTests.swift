import CurlClient
import Foundation
import Testing

@Suite("Bad input gets a clear error and loses nothing", .serialized)
struct BadInputTests {
    struct Case: CustomStringConvertible, Sendable {
        let description: String
        let method: String
        let path: String
        let contentType: String?
        let body: [UInt8]
        let status: Int
        let code: String
    }

    static let valid = try! Captures.body("01-firing-first")
    static let text = String(decoding: valid, as: UTF8.self)

    static let cases: [Case] = [
        Case(description: "not JSON", method: "POST", path: "/api/v1/alertmanager", contentType: "application/json",
             body: Array("not json".utf8), status: 400, code: "invalid_notification"),
        Case(description: "empty body", method: "POST", path: "/api/v1/alertmanager", contentType: "application/json",
             body: [], status: 400, code: "invalid_notification"),
        Case(description: "a JSON array", method: "POST", path: "/api/v1/alertmanager", contentType: "application/json",
             body: Array("[]".utf8), status: 400, code: "invalid_notification"),
        Case(description: "version 3", method: "POST", path: "/api/v1/alertmanager", contentType: "application/json",
             body: Array(text.replacingOccurrences(of: #""version":"4""#, with: #""version":"3""#).utf8),
             status: 400, code: "invalid_notification"),
        Case(description: "bad startsAt", method: "POST", path: "/api/v1/alertmanager", contentType: "application/json",
             body: Array(text.replacingOccurrences(of: "2026-11-27T00:15:04.945209345Z", with: "yesterday").utf8),
             status: 400, code: "invalid_notification"),
        Case(description: "unknown alert status", method: "POST", path: "/api/v1/alertmanager", contentType: "application/json",
             body: Array(text.replacingOccurrences(of: #"[{"status":"firing""#, with: #"[{"status":"burning""#).utf8),
             status: 400, code: "invalid_notification"),
        Case(description: "text/plain", method: "POST", path: "/api/v1/alertmanager", contentType: "text/plain",
             body: valid, status: 415, code: "unsupported_media_type"),
        Case(description: "no content type", method: "POST", path: "/api/v1/alertmanager", contentType: nil,
             body: valid, status: 415, code: "unsupported_media_type"),
        Case(description: "over the size limit", method: "POST", path: "/api/v1/alertmanager", contentType: "application/json",
             body: [UInt8](repeating: 0x20, count: 70_000), status: 413, code: "payload_too_large"),
        Case(description: "GET on the webhook", method: "GET", path: "/api/v1/alertmanager", contentType: nil,
             body: [], status: 405, code: "method_not_allowed"),
        Case(description: "unknown path", method: "GET", path: "/api/v2/alerts", contentType: nil,
             body: [], status: 404, code: "not_found"),
    ]

    @Test("each bad request gets its status and a JSON error, and a valid delivery succeeds after it",
          arguments: cases)
    func badRequest(_ bad: Case) throws {
        let server = try RunningServer()
        var headers = Secrets.alertmanager
        if let type = bad.contentType { headers.append(("Content-Type", type)) }
        let response = try server.send(bad.method, bad.path, headers: headers, body: bad.body)
        #expect(response.status == bad.status, "\(response.bodyText)")
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.json["error"] as? String == bad.code)
        #expect((response.json["message"] as? String)?.isEmpty == false)
        if bad.status == 405 { #expect(response.header("Allow") == "POST") }
        let after = try server.postWebhook(BadInputTests.valid)
        #expect(after.status == 200)
        #expect(after.json["duplicate"] as? Bool == false)
    }

    @Test("an invalid notification's error names the field at fault")
    func errorNamesTheField() throws {
        let server = try RunningServer()
        let noFingerprint = BadInputTests.text.replacingOccurrences(of: #","fingerprint":"d51e79fea960bb85""#, with: "")
        let response = try server.postWebhook(Array(noFingerprint.utf8))
        #expect(response.status == 400)
        #expect(response.json["field"] as? String == "alerts[0].fingerprint")
        let badTime = try server.postWebhook(Array(BadInputTests.text.replacingOccurrences(of: "2026-11-27T00:15:04.945209345Z", with: "soon").utf8))
        #expect(badTime.json["field"] as? String == "alerts[0].startsAt")
    }

    @Test("a body over the limit sent without Content-Length (chunked) still gets 413")
    func chunkedOversizeBody() throws {
        let server = try RunningServer()
        let connection = try RawConnection(port: server.application.server.port)
        connection.send(Array("POST /api/v1/alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Secrets.alertmanagerToken)\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".utf8))
        for _ in 0..<3 {
            connection.send(Array("8000\r\n".utf8) + [UInt8](repeating: 0x20, count: 0x8000) + Array("\r\n".utf8))
        }
        connection.send(Array("0\r\n\r\n".utf8))
        let answer = connection.readResponse()
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
        #expect(try server.postWebhook(BadInputTests.valid).status == 200)
    }

    @Test("a database that cannot take the write answers 503 so Alertmanager retries, and nothing is lost")
    func lockedDatabaseGets503() async throws {
        let server = try RunningServer(busyTimeoutMilliseconds: 200)
        #expect(try server.postWebhook(BadInputTests.valid).status == 200)
        // Another process holding the write lock is a real way for a write to fail.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute('BEGIN EXCLUSIVE')
            print('locked', flush=True)
            time.sleep(3)
            db.execute('ROLLBACK')
            """, server.application.store.path]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        let reader = out.fileHandleForReading
        _ = try await offThePool { reader.availableData }   // "locked"
        let second = try Captures.body("02-firing-group-grew")
        let refused = try server.postWebhook(second)
        #expect(refused.status == 503, "\(refused.bodyText)")
        #expect(refused.json["error"] as? String == "store_unavailable")
        await holder.exited()
        // Alertmanager's retry of the same body now succeeds; the earlier delivery is still there.
        let retried = try server.postWebhook(second)
        #expect(retried.status == 200)
        #expect(retried.json["duplicate"] as? Bool == false)
        let list = try server.get("/api/v1/deliveries").json["deliveries"] as? [[String: Any]] ?? []
        #expect(list.count == 2)
    }
}
