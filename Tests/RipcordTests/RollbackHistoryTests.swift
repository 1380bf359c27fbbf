import Foundation
import RipcordCore
import RipcordStore
import SQLiteDB
import Testing

/// A database with three deployments and rollbacks at fixed times, for golden-file output.
enum HistoryFixture {
    static func seed(_ path: String) throws {
        let store = try SQLiteStore(path: path)
        defer { store.close() }
        let rows: [(service: String, ns: String, from: String, to: String, status: String, executor: String?, created: String,
                    started: String?, finished: String?, alert: String, reason: String)] = [
            ("checkout", "prod", "1.4.2", "1.4.1", "succeeded", "rollback-script", "2026-11-20T10:00:00.000Z",
             "2026-11-20T10:00:01.000Z", "2026-11-20T10:00:13.500Z", "HighErrorRate", "rollback-script succeeded: exit status 0"),
            ("payments-gateway-internal", "payments-prod-eu", "2026.11.20-rc.3+build.8812", "2026.11.19+build.8790", "failed",
             "pipeline", "2026-11-21T08:30:00.000Z", "2026-11-21T08:30:00.500Z", "2026-11-21T08:32:05.000Z",
             "LatencyBudgetBurnFast", "every action failed: pipeline: https://ci.example.com answered 503"),
            ("cart", "prod", "3.0.0", "2.9.9", "pending", nil, "2026-11-22T12:00:00.000Z", nil, nil, "HighErrorRate", ""),
        ]
        try store.write("seeding") { db in
            for (index, r) in rows.enumerated() {
                let id = Int64(index + 1)
                try db.run("""
                    INSERT INTO deployments (id, service, namespace, version, previous_version, strategy, soak_seconds, state,
                        deployed_at, soak_ends_at, updated_at, recorded_by)
                    VALUES (?, ?, ?, ?, ?, 'rolling', 1800, 'rolled_back', ?, ?, ?, 'ci')
                    """, [.integer(id), .text(r.service), .text(r.ns), .text(r.from), .text(r.to), .text(r.created),
                          .text(r.created), .text(r.created)])
                try db.run("""
                    INSERT INTO rollbacks (id, deployment_id, policy, service, namespace, status, actions, executor, created_at,
                        not_before, started_at, finished_at, updated_at, run_count, reason)
                    VALUES (?, ?, 'slo-burn', ?, ?, ?, '["rollback-script"]', ?, ?, ?, ?, ?, ?, 1, ?)
                    """, [.integer(id), .integer(id), .text(r.service), .text(r.ns), .text(r.status), .optional(r.executor),
                          .text(r.created), .text(r.created), .optional(r.started), .optional(r.finished), .text(r.created),
                          .text(r.reason)])
                try db.run("""
                    INSERT INTO deliveries (id, received_at, body_sha256, raw_body, version, receiver, status, group_key,
                        truncated_alerts, alert_count, external_url, group_labels, common_labels, common_annotations,
                        remote_address, credential)
                    VALUES (?, ?, ?, x'7b7d', '4', 'r', 'firing', 'g', 0, 1, '', '{}', '{}', '{}', '127.0.0.1:1', 'am')
                    """, [.integer(id), .text(r.created), .text("hash\(id)")])
                try db.run("""
                    INSERT INTO rollback_triggers (rollback_id, fingerprint, starts_at, alertname, delivery_id, status, added_at)
                    VALUES (?, ?, ?, ?, ?, 'firing', ?)
                    """, [.integer(id), .text(String(format: "%016x", index + 1)), .text(r.created), .text(r.alert),
                          .integer(id), .text(r.created)])
            }
        }
        let at = Timestamp(rfc3339: "2026-11-20T10:00:00Z")!
        for (offset, kind, summary) in [(0.0, "rollback.pending", "rollback 1 planned for deployment 1 by policy slo-burn"),
                                        (1.0, "rollback.running", "rollback 1 started (run 1)"),
                                        (13.5, "rollback.attempt", "rollback 1: rollback-script attempt 1 succeeded (exit 0, 12.500s)"),
                                        (13.5, "rollback.succeeded", "rollback 1 succeeded (rollback-script): exit status 0")] {
            try store.appendAudit(AuditRecord(kind: kind, service: "checkout", namespace: "prod", deploymentID: 1, rollbackID: 1,
                                              actor: "engine", summary: summary), now: at.adding(seconds: offset))
        }
    }
}

@Suite("ripcord rollback-history", .serialized)
struct RollbackHistoryTests {
    static let goldenFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden")

    /// Compares with a golden file; RIPCORD_UPDATE_GOLDEN=1 rewrites it instead.
    func expectGolden(_ text: String, _ name: String) throws {
        let url = RollbackHistoryTests.goldenFolder.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["RIPCORD_UPDATE_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let golden = try String(contentsOf: url, encoding: .utf8)
        #expect(text == golden, "\(name) differs:\n\(text)")
    }

    func seeded() throws -> (TestFolder, String) {
        let folder = try TestFolder()
        let path = folder.path + "/history.sqlite3"
        try HistoryFixture.seed(path)
        return (folder, path)
    }

    @Test("the table fits 80 and 120 columns, CSV and JSON carry every field (golden files)")
    func outputs() async throws {
        let (folder, path) = try seeded()
        for width in [80, 120] {
            let table = try await RipcordBinary.run(["rollback-history", "--db", path, "--width", "\(width)"], in: folder.path)
            #expect(table.status == 0, "\(table.stderr)")
            #expect(table.stdout.split(separator: "\n").allSatisfy { $0.count <= width })
            #expect(!table.stdout.contains("\u{1B}["), "no colour when stdout is not a terminal")
            try expectGolden(table.stdout, "history-table-\(width).txt")
        }
        let csv = try await RipcordBinary.run(["rollback-history", "--db", path, "--output", "csv"], in: folder.path)
        try expectGolden(csv.stdout, "history.csv")
        let json = try await RipcordBinary.run(["rollback-history", "--db", path, "--output", "json", "--status", "failed"], in: folder.path)
        let list = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(list.map { $0["service"] as? String } == ["payments-gateway-internal"])
        let timeline = try await RipcordBinary.run(["rollback-history", "1", "--db", path], in: folder.path)
        try expectGolden(timeline.stdout, "timeline.txt")
    }

    @Test("filters narrow the history as the API's do")
    func filters() async throws {
        let (folder, path) = try seeded()
        func services(_ arguments: [String]) async throws -> [String] {
            let result = try await RipcordBinary.run(["rollback-history", "--db", path, "--output", "json"] + arguments, in: folder.path)
            return (try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]] ?? []).compactMap { $0["service"] as? String }
        }
        await #expect(try services([]) == ["cart", "payments-gateway-internal", "checkout"])
        await #expect(try services(["--service", "cart"]) == ["cart"])
        await #expect(try services(["--namespace", "prod"]) == ["cart", "checkout"])
        await #expect(try services(["--since", "2026-11-21T00:00:00Z", "--until", "2026-11-22T00:00:00Z"]) == ["payments-gateway-internal"])
        await #expect(try services(["--limit", "1"]) == ["cart"])
    }

    @Test("reading from a server gives the same history; a 401 and an unreachable server are one line and a non-zero exit")
    func remote() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program))
        try harness.deploy()
        _ = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForRollbacksToFinish(count: 1)
        let ok = try await RipcordBinary.run(["rollback-history", "--server", harness.base, "--token-file", "secrets/reader.token",
                                        "--output", "csv"], in: folder.path)
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.split(separator: "\n").count == 2)
        #expect(ok.stdout.contains(",succeeded,checkout,prod,"))
        #expect(ok.stdout.contains(",HighErrorRate,"), "the trigger alert comes through the API too")
        let timeline = try await RipcordBinary.run(["rollback-history", "1", "--server", harness.base, "--token-file", "secrets/reader.token"],
                                             in: folder.path)
        #expect(timeline.stdout.contains("rollback.succeeded"))
        try folder.write("wrong.token", "nope\n")
        let denied = try await RipcordBinary.run(["rollback-history", "--server", harness.base, "--token-file", "wrong.token"], in: folder.path)
        #expect(denied.status == 77)
        #expect(denied.stderr.split(separator: "\n").count == 1, "\(denied.stderr)")
        let port = freePort()
        let unreachable = try await RipcordBinary.run(["rollback-history", "--server", "http://127.0.0.1:\(port)"], in: folder.path)
        #expect(unreachable.status == 69)
        #expect(unreachable.stderr.contains("cannot reach Ripcord"))
        await harness.stop()
    }

    @Test("a missing or unreadable database, an unknown id and bad flags are one clear line and a non-zero exit")
    func errors() async throws {
        let (folder, path) = try seeded()
        let missing = try await RipcordBinary.run(["rollback-history", "--db", folder.path + "/nope.sqlite3"], in: folder.path)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("nope.sqlite3 does not exist"))
        #expect(missing.stderr.split(separator: "\n").count == 1)
        try folder.write("garbage.sqlite3", "this is not a database")
        let garbage = try await RipcordBinary.run(["rollback-history", "--db", folder.path + "/garbage.sqlite3"], in: folder.path)
        #expect(garbage.status == 1)
        #expect(garbage.stderr.split(separator: "\n").count == 1, "\(garbage.stderr)")
        let unknown = try await RipcordBinary.run(["rollback-history", "99", "--db", path], in: folder.path)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no rollback with id 99"))
        let badSince = try await RipcordBinary.run(["rollback-history", "--db", path, "--since", "last tuesday"], in: folder.path)
        #expect(badSince.status == 64)
        let badStatus = try await RipcordBinary.run(["rollback-history", "--db", path, "--status", "exploded"], in: folder.path)
        #expect(badStatus.status == 64)
        let noConfig = try await RipcordBinary.run(["rollback-history"], in: folder.path)
        #expect(noConfig.status == 1)
        #expect(noConfig.stderr.contains("config file does not exist"))
    }
}
