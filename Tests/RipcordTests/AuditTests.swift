import Foundation
import RipcordCore
import SQLiteDB
import Testing

@Suite("The audit log", .serialized)
struct AuditTests {
    @Test("a rollback leaves an event for the delivery, each decision, each state change and each attempt")
    func eventsCoverTheWholeStory() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program))
        let deployment = try harness.deploy()
        let body = try Captures.body("01-firing-first")
        _ = try harness.postWebhook(body)
        _ = try harness.postWebhook(body)
        try await harness.waitForRollbacksToFinish(count: 1)
        let rollback = try #require(try harness.rollbacks().first)
        let all = try harness.get("/api/v1/audit?limit=500")["events"] as? [[String: Any]] ?? []
        let kinds = all.compactMap { $0["kind"] as? String }.reversed()
        // The second POST's duplicate event races the engine's events, so it may fall anywhere after
        // the delivery; everything else comes in this order.
        #expect(kinds.filter { $0 != "delivery.duplicate" }
                == ["deployment.recorded", "delivery.received", "rollback.pending", "decision",
                    "rollback.running", "rollback.running", "rollback.attempt", "rollback.succeeded"], "\(Array(kinds))")
        #expect(kinds.filter { $0 == "delivery.duplicate" }.count == 1, "\(Array(kinds))")
        #expect((Array(kinds).firstIndex(of: "delivery.duplicate") ?? 0) > (Array(kinds).firstIndex(of: "delivery.received") ?? 99),
                "\(Array(kinds))")
        let attempt = try #require(all.first { $0["kind"] as? String == "rollback.attempt" })
        let data = attempt["data"] as? [String: Any] ?? [:]
        #expect((data["request"] as? String)?.contains(program) == true)
        #expect(data["exit_code"] as? Int == 0)
        #expect(data["verification"] as? String == "exit status 0")
        #expect((data["output_tail"] as? String)?.contains("output of rollback") == true)
        #expect(attempt["rollback_id"] as? Int == Int(rollback.id))
        #expect(attempt["service"] as? String == "checkout")

        // Filters: by rollback, deployment and kind.
        let forRollback = try harness.get("/api/v1/audit?rollback=\(rollback.id)")["events"] as? [[String: Any]] ?? []
        #expect(forRollback.allSatisfy { $0["rollback_id"] as? Int == Int(rollback.id) })
        #expect(forRollback.count >= 4)
        let forDeployment = try harness.get("/api/v1/audit?deployment=\(deployment.id)&kind=deployment.recorded")["events"] as? [[String: Any]] ?? []
        #expect(forDeployment.count == 1)
        let detail = try harness.get("/api/v1/rollbacks/\(rollback.id)")
        #expect((detail["timeline"] as? [[String: Any]])?.first?["kind"] as? String == "rollback.pending")
        #expect((detail["deployment_record"] as? [String: Any])?["version"] as? String == "1.4.2")
        await harness.stop()
    }

    @Test("an authentication failure is audited with who and from where, never the credential")
    func authFailuresAreAudited() throws {
        let server = try RunningServer()
        _ = try server.postWebhook(try Captures.body("01-firing-first"), auth: [("Authorization", "Bearer very-secret-guess")])
        _ = try server.postWebhook(try Captures.body("01-firing-first"), auth: Secrets.reader)
        let response = try server.get("/api/v1/audit?kind=auth.failure")
        #expect(!response.bodyText.contains("very-secret-guess"))
        let events = response.json["events"] as? [[String: Any]] ?? []
        #expect(events.count == 2)
        #expect((events.first?["summary"] as? String)?.contains("credential oncall") == true)
        #expect((events.last?["summary"] as? String)?.contains("unknown credentials") == true)
        #expect((events.last?["actor"] as? String)?.hasPrefix("127.0.0.1:") == true)
    }

    @Test("pages never skip or repeat an event while new events arrive")
    func paginationIsStableUnderInserts() throws {
        let server = try RunningServer()
        for index in 0..<40 {
            _ = try server.postWebhook(Notifications.firing([("svc\(index)", String(format: "%016x", index + 1))]))
        }
        let original = Set((try server.get("/api/v1/audit?limit=500").json["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int })
        var seen: [Int] = []
        var cursor: String?
        var extra = 100
        repeat {
            let page = try server.get("/api/v1/audit?limit=7" + (cursor.map { "&cursor=\($0)" } ?? "")).json
            seen += (page["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            cursor = page["next_cursor"] as? String
            // New events arrive between pages.
            extra += 1
            _ = try server.postWebhook(Notifications.firing([("late\(extra)", String(format: "%016x", extra + 1000))]))
        } while cursor != nil
        #expect(Set(seen) == original)
        #expect(seen.count == original.count, "no event repeated")
        #expect(seen == seen.sorted(by: >), "newest first")
    }

    @Test("bad filters get 400 with the reason; relative and absolute times both work")
    func filterValidation() throws {
        let server = try RunningServer()
        _ = try server.postWebhook(try Captures.body("01-firing-first"))
        #expect(try server.get("/api/v1/audit?since=yesterday").status == 400)
        #expect(try server.get("/api/v1/audit?limit=501").status == 400)
        #expect(try server.get("/api/v1/audit?rollback=x").status == 400)
        let unknown = try server.get("/api/v1/audit?colour=red")
        #expect(unknown.status == 400)
        #expect(unknown.json["field"] as? String == "colour")
        #expect((try server.get("/api/v1/audit?since=1h").json["events"] as? [Any])?.count == 1)
        #expect((try server.get("/api/v1/audit?until=2000-01-01T00:00:00Z").json["events"] as? [Any])?.count == 0)
        #expect(try server.get("/api/v1/rollbacks?since=7x").status == 400)
        #expect(try server.get("/api/v1/rollbacks?status=exploded").status == 400)
    }

    @Test("the lists answer CSV to Accept: text/csv")
    func csvLists() throws {
        let server = try RunningServer()
        _ = try server.postWebhook(try Captures.body("01-firing-first"))
        let csv = try server.send("GET", "/api/v1/audit", headers: Secrets.reader + [("Accept", "text/csv")])
        #expect(csv.header("Content-Type") == "text/csv; charset=utf-8")
        let lines = csv.bodyText.split(separator: "\r\n")
        #expect(lines.first == "id,at,kind,service,namespace,deployment_id,rollback_id,delivery_id,actor,summary,hash")
        #expect(lines.count == 2)
        #expect(lines.last?.contains(",delivery.received,checkout,prod,") == true)
        let rollbacks = try server.send("GET", "/api/v1/rollbacks", headers: Secrets.reader + [("Accept", "text/csv")])
        #expect(rollbacks.bodyText.hasPrefix("id,status,service,namespace,deployment,from_version,to_version"))
    }

    @Test("the database refuses UPDATE and DELETE on audit events, and verify finds a byte changed behind its back")
    func chainIsTamperEvident() async throws {
        let folder = try TestFolder()
        do {
            let server = try RunningServer(folder: folder)
            for name in ["01-firing-first", "02-firing-group-grew", "04-resolved"] {
                _ = try server.postWebhook(try Captures.body(name))
            }
            server.stop()
        }
        let path = folder.path + "/data/ripcord.sqlite3"
        let good = try await RipcordBinary.run(["audit", "verify", "--db", path], in: folder.path)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout == "audit chain verified: 3 event(s)\n")

        let db = try Database(path: path)
        #expect(throws: SQLiteError.self) { try db.run("UPDATE audit_events SET summary = 'nothing happened' WHERE id = 2") }
        #expect(throws: SQLiteError.self) { try db.run("DELETE FROM audit_events WHERE id = 2") }
        // Someone with the file and sqlite3 can drop the trigger; the chain still tells.
        try db.execute("DROP TRIGGER audit_events_no_update")
        try db.run("UPDATE audit_events SET summary = replace(summary, 'firing', 'fiRing') WHERE id = 2")
        let bad = try await RipcordBinary.run(["audit", "verify", "--db", path], in: folder.path)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("audit chain broken at event 2"), "\(bad.stderr)")
        #expect(bad.stderr.split(separator: "\n").count == 1)
    }

    @Test("retention prunes old events and the kept chain still verifies from its recorded anchor")
    func retentionKeepsChainVerifiable() throws {
        let folder = try TestFolder()
        let server = try RunningServer(folder: folder)
        let store = server.application.store
        let old = Timestamp(rfc3339: "2026-01-01T00:00:00Z")!
        for index in 0..<5 {
            try store.appendAudit(AuditRecord(kind: "test.old", actor: "test", summary: "old event \(index)"), now: old.adding(seconds: Double(index)))
        }
        _ = try server.postWebhook(try Captures.body("01-firing-first"))
        #expect(try store.verifyAudit().firstBrokenID == nil)
        let pruned = try store.pruneAudit(olderThan: Timestamp(rfc3339: "2026-06-01T00:00:00Z")!, now: .now())
        #expect(pruned == 5)
        let remaining = try store.auditEvents(AuditQuery())
        #expect(remaining.map(\.kind) == ["audit.pruned", "delivery.received"])
        let verification = try store.verifyAudit()
        #expect(verification.firstBrokenID == nil, "\(verification.problem ?? "")")
        #expect(verification.checked == 2)
        // Deleting a kept event outside retention is still refused.
        let db = try Database(path: store.path)
        #expect(throws: SQLiteError.self) { try db.run("DELETE FROM audit_events WHERE kind = 'delivery.received'") }
    }
}
