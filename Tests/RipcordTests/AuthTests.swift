import Foundation
import Testing

@Suite("Auth fails closed", .serialized)
struct AuthTests {
    @Test("no credential, a wrong token, the wrong role, Bearer and Basic each get the right answer")
    func matrix() throws {
        let server = try RunningServer()
        let body = try Captures.body("01-firing-first")

        let none = try server.postWebhook(body, auth: [])
        #expect(none.status == 401)
        #expect(none.header("WWW-Authenticate")?.isEmpty == false)
        #expect(none.json["error"] as? String == "unauthorized")

        let wrong = try server.postWebhook(body, auth: [("Authorization", "Bearer not-the-token")])
        #expect(wrong.status == 401)
        #expect(wrong.header("WWW-Authenticate") != nil)

        let wrongPassword = try server.postWebhook(body, auth: [("Authorization", "Basic " + Data("am:nope".utf8).base64EncodedString())])
        #expect(wrongPassword.status == 401)

        let prefixOfToken = try server.postWebhook(body, auth: [("Authorization", "Bearer " + Secrets.alertmanagerToken.dropLast())])
        #expect(prefixOfToken.status == 401)

        let readerPosting = try server.postWebhook(body, auth: Secrets.reader)
        #expect(readerPosting.status == 403)
        #expect(readerPosting.json["error"] as? String == "forbidden")

        let alertmanagerReading = try server.get("/api/v1/deliveries", auth: Secrets.alertmanager)
        #expect(alertmanagerReading.status == 403)

        #expect(try server.get("/api/v1/deliveries", auth: []).status == 401)

        let bearer = try server.postWebhook(body, auth: Secrets.alertmanager)
        #expect(bearer.status == 200)
        let basic = try server.postWebhook(try Captures.body("05-basicauth-firing-truncated"), auth: Secrets.basic)
        #expect(basic.status == 200)
        #expect(try server.get("/api/v1/deliveries", auth: Secrets.reader).status == 200)
        #expect(try server.get("/api/v1/deliveries", auth: Secrets.admin).status == 200)
        #expect(try server.postWebhook(try Captures.body("02-firing-group-grew"), auth: Secrets.admin).status == 200)

        // Nothing refused was stored.
        let list = try server.get("/api/v1/deliveries").json["deliveries"] as? [[String: Any]] ?? []
        #expect(list.count == 3)
    }

    @Test("health probes answer without credentials")
    func probesAreOpen() throws {
        let server = try RunningServer()
        #expect(try server.get("/-/healthy", auth: []).status == 200)
        let ready = try server.get("/-/ready", auth: [])
        #expect(ready.status == 200)
        #expect(ready.json["status"] as? String == "ready")
    }

    @Test("a server whose config has no credentials refuses to start unless --insecure-no-auth is given")
    func noCredentialsRefusesToStart() async throws {
        let folder = try TestFolder()
        try folder.write("ripcord.yml", "listen: 127.0.0.1:0\ndatabase: data/r.sqlite3\n")
        let refused = try await RipcordBinary.run(["serve"], in: folder.path)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--insecure-no-auth"))
        #expect(throws: Error.self) { _ = try RunningServer(folder: folder) }
        let open = try RunningServer(folder: folder, insecureNoAuth: true)
        #expect(try open.postWebhook(try Captures.body("01-firing-first"), auth: []).status == 200)
    }
}
