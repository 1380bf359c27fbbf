import CurlClient
import Foundation
import SQLiteDB
import Testing

@Suite("Reloading config and secrets without a restart", .serialized)
struct ReloadTests {
    @Test("rotate a token file and send SIGHUP: the new token works and the old is refused; deliveries during the reload all succeed")
    func sighupRotatesTokens() async throws {
        let folder = try TestFolder()
        let port = freePort()
        _ = try folder.writeStandardConfig(listen: "127.0.0.1:\(port)")
        let server = try RipcordBinary.start(["serve"], in: folder.path, log: folder.path + "/serve.log")
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        try await eventually("ripcord to listen") { (try? RawConnection(port: port)) != nil }
        let base = "http://127.0.0.1:\(port)"
        let client = HTTPClient()
        func read(_ token: String) throws -> Int {
            try client.send(HTTPClientRequest(url: base + "/api/v1/deliveries", headers: [("Authorization", "Bearer \(token)")])).status
        }
        #expect(try read(Secrets.readerToken) == 200)

        // Deliveries in a loop on another thread while the token rotates and SIGHUP arrives.
        let statuses = LockedList()
        let poster = Thread {
            for index in 0..<150 {
                let body = Notifications.firing([("svc\(index)", String(format: "%016x", index + 1))])
                let status = (try? client.send(HTTPClientRequest(method: "POST", url: base + "/api/v1/alertmanager",
                                                                 headers: [("Authorization", "Bearer \(Secrets.alertmanagerToken)"),
                                                                           ("Content-Type", "application/json")],
                                                                 body: body))).map(\.status) ?? -1
                statuses.append(status)
            }
        }
        poster.start()
        try await Task.sleep(for: .milliseconds(50))
        try folder.write("secrets/reader.token", "rotated-reader-token-9876\n")
        kill(server.processIdentifier, SIGHUP)
        try await eventually("the new token to work") { (try? read("rotated-reader-token-9876")) == 200 }
        #expect(try read(Secrets.readerToken) == 401)
        kill(server.processIdentifier, SIGHUP)
        try await eventually("the deliveries to finish", timeout: 30) { statuses.count == 150 }
        #expect(statuses.values.allSatisfy { $0 == 200 }, "\(statuses.values.filter { $0 != 200 })")
        #expect(try client.send(HTTPClientRequest(url: base + "/api/v1/deliveries?limit=500",
                                                  headers: [("Authorization", "Bearer rotated-reader-token-9876")])).status == 200)
        // Each of the 150 is stored once. Counted by their fingerprints rather than as the whole list:
        // in a parallel run another test's Alertmanager, still retrying a receiver that has gone,
        // can reach this server on a reused port (one such stray delivery was seen).
        let db = try Database(path: folder.path + "/data/ripcord.sqlite3", mode: .readOnly)
        let ours = (1...150).map { "'" + String(format: "%016x", $0) + "'" }.joined(separator: ",")
        #expect(try db.queryOne("SELECT count(DISTINCT delivery_id) AS n FROM delivery_alerts WHERE fingerprint IN (\(ours))")?.int("n") == 150)
        let metrics = try client.send(HTTPClientRequest(url: base + "/metrics")).bodyText
        #expect(metrics.contains("ripcord_config_last_reload_successful 1"))
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        #expect(server.terminationStatus == 0)
    }

    @Test("a broken config on reload leaves the old one serving, and POST /-/reload says why")
    func brokenReloadKeepsOldConfig() throws {
        let folder = try TestFolder()
        let server = try RunningServer(folder: folder)
        #expect(try server.send("POST", "/-/reload", headers: Secrets.reader).status == 403)
        let good = try server.send("POST", "/-/reload", headers: Secrets.admin)
        #expect(good.status == 200, "\(good.bodyText)")
        let text = try String(contentsOfFile: folder.path + "/ripcord.yml", encoding: .utf8)
        try folder.write("ripcord.yml", text.replacingOccurrences(of: "role: reader", with: "role: superuser"))
        let bad = try server.send("POST", "/-/reload", headers: Secrets.admin)
        #expect(bad.status == 400)
        #expect(bad.json["error"] as? String == "invalid_config")
        #expect((bad.json["message"] as? String)?.contains("'superuser' is not a role") == true)
        #expect(try server.get("/api/v1/deliveries", auth: Secrets.reader).status == 200, "the old config still serves")
        #expect(try server.postWebhook(try Captures.body("01-firing-first")).status == 200)
        let metrics = try server.client.send(HTTPClientRequest(url: server.base + "/metrics")).bodyText
        #expect(metrics.contains("ripcord_config_last_reload_successful 0"))
        let audit = try server.get("/api/v1/audit?kind=config.reload_failed").json["events"] as? [[String: Any]] ?? []
        #expect(audit.count == 1)
    }
}

/// A list appended to from another thread.
final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Int] = []
    func append(_ value: Int) { lock.lock(); items.append(value); lock.unlock() }
    var values: [Int] { lock.lock(); defer { lock.unlock() }; return items }
    var count: Int { values.count }
}
