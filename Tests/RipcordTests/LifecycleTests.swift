import Foundation
import RipcordStore
import SQLiteDB
import Testing

@Suite("Lifecycle: restarts, migrations, signals", .serialized)
struct LifecycleTests {
    @Test("deliveries survive a restart")
    func dataSurvivesRestart() throws {
        let folder = try TestFolder()
        var server: RunningServer? = try RunningServer(folder: folder)
        let id = try server!.postWebhook(try Captures.body("01-firing-first")).json["delivery_id"] as? Int
        server!.stop()
        server = nil
        let again = try RunningServer(folder: folder)
        let list = try again.get("/api/v1/deliveries").json["deliveries"] as? [[String: Any]] ?? []
        #expect(list.map { $0["id"] as? Int } == [id])
        // And the same body after the restart is still recognised as a duplicate.
        #expect(try again.postWebhook(try Captures.body("01-firing-first")).json["duplicate"] as? Bool == true)
    }

    @Test("migrate applies every migration once; running it again changes nothing")
    func migrateIsIdempotent() async throws {
        let folder = try TestFolder()
        let first = try await RipcordBinary.run(["migrate", "--database", "data/x.sqlite3"], in: folder.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("applied 0001_deliveries.sql"))
        #expect(first.stdout.contains("applied 0002_deployments_rollbacks.sql"))
        let second = try await RipcordBinary.run(["migrate", "--database", "data/x.sqlite3"], in: folder.path)
        #expect(second.status == 0)
        #expect(second.stdout.contains("up to date"))
        let status = try await RipcordBinary.run(["migrate", "--database", "data/x.sqlite3", "--status"], in: folder.path)
        #expect(status.stdout.contains("0001_deliveries.sql\tapplied"))
        #expect(!status.stdout.contains("pending"))
    }

    @Test("a copied binary migrates a fresh database on its own")
    func copiedBinaryMigrates() async throws {
        let folder = try TestFolder()
        let copy = folder.path + "/bin/ripcord"
        try FileManager.default.createDirectory(atPath: folder.path + "/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: RipcordBinary.path, toPath: copy)
        let result = try await RipcordBinary.run(["migrate", "--database", folder.path + "/fresh.sqlite3"], in: "/", executable: copy)
        #expect(result.status == 0, "\(result.stderr)")
        let db = try Database(path: folder.path + "/fresh.sqlite3")
        let tables = try db.query("SELECT name FROM sqlite_master WHERE type = 'table'").map { $0.text("name") }
        #expect(tables.contains("deliveries"))
        #expect(tables.contains("schema_migrations"))
    }

    @Test("an applied migration that changed is refused with a clear error")
    func changedMigrationRefused() async throws {
        let folder = try TestFolder()
        let path = folder.path + "/m.sqlite3"
        await #expect(try RipcordBinary.run(["migrate", "--database", path], in: folder.path).status == 0)
        let db = try Database(path: path)
        try db.run("UPDATE schema_migrations SET checksum = 'abc' WHERE version = 1")
        let result = try await RipcordBinary.run(["migrate", "--database", path], in: folder.path)
        #expect(result.status != 0)
        #expect(result.stderr.contains("0001_deliveries.sql was changed after it was applied"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }

    @Test("every migration file in migrations/ is compiled into the binary")
    func everyMigrationIsEmbedded() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let db = try Database(path: ":memory:")
        let migrator = Migrator(database: db)
        #expect(try migrator.status().map(\.fileName) == files)
        for (index, file) in files.enumerated() {
            #expect(file.hasPrefix(String(format: "%04d_", index + 1)), "migrations are numbered without gaps")
        }
    }

    @Test("SIGTERM during a request: the request is answered, the database closed, and the process exits 0")
    func sigtermDrainsInFlight() async throws {
        let folder = try TestFolder()
        let port = freePort()
        _ = try folder.writeStandardConfig(listen: "127.0.0.1:\(port)")
        let process = try RipcordBinary.start(["serve", "--log-format", "json"], in: folder.path, log: folder.path + "/serve.log")
        defer { if process.isRunning { process.terminate() } }
        try await eventually("ripcord to listen on \(port)", timeout: 10) { (try? RawConnection(port: port)) != nil }

        let body = try Captures.body("01-firing-first")
        let connection = try RawConnection(port: port)
        connection.send(Array("POST /api/v1/alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Secrets.alertmanagerToken)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n".utf8))
        connection.send(Array(body.prefix(100)))
        try await Task.sleep(for: .milliseconds(200))
        kill(process.processIdentifier, SIGTERM)
        try await Task.sleep(for: .milliseconds(300))
        #expect(process.isRunning, "the server waits for the request in flight")
        #expect((try? RawConnection(port: port)) == nil, "no new connections are accepted while draining")
        connection.send(Array(body.dropFirst(100)))
        let answer = connection.readResponse()
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        #expect(answer.contains(#""duplicate":false"#))
        await process.exited()
        #expect(process.terminationStatus == 0)
        #expect(process.terminationReason == .exit)

        // The acknowledged delivery is in the database.
        let db = try Database(path: folder.path + "/data/ripcord.sqlite3")
        #expect(try db.queryOne("SELECT count(*) AS n FROM deliveries")?.int("n") == 1)
        let log = try String(contentsOfFile: folder.path + "/serve.log", encoding: .utf8)
        #expect(log.contains(#""msg":"stopped""#))
    }
}
