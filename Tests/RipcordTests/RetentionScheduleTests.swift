import Foundation
import RipcordCore
@testable import RipcordServer
import RipcordStore
import Testing

/// The engine runs `audit.retention` and `deliveries.retention` on its own schedule, reading the
/// config in force at each pass, so a reload needs no restart.
@Suite("Retention on the engine's schedule")
struct RetentionScheduleTests {
    static let quick = RetentionSchedule(firstPass: .milliseconds(100), interval: .milliseconds(200), catchUp: .milliseconds(100))

    @Test("nothing is pruned until a reload sets the retentions; then the next pass prunes old deliveries and events")
    func reloadedRetentionRunsWithoutARestart() async throws {
        let folder = try TestFolder()
        let configPath = try folder.writeStandardConfig(extra: rollbackConfig(program: "/bin/true"))
        // Deliveries from January, stored before the server starts; the engine plans them at start.
        let old = Timestamp(rfc3339: "2026-01-01T00:00:00Z")!
        do {
            let store = try SQLiteStore(path: folder.path + "/data/ripcord.sqlite3")
            defer { store.close() }
            for index in 0..<3 {
                let body = Notifications.firing([("cart", String(format: "cccccccccccccc%02d", index))])
                _ = try store.recordDelivery(IncomingDelivery(rawBody: body, group: try NotificationDecoder.decode(body),
                                                              receivedAt: old.adding(seconds: Double(index)),
                                                              remoteAddress: "127.0.0.1", credential: "test"))
            }
        }
        let harness = try EngineHarness(folder: folder, retention: Self.quick)
        let recent = try harness.postWebhook(Notifications.firing([("cart", "cccccccccccccc99")]))
        #expect(recent.status == 200)
        try await harness.waitForPlanning()
        let store = harness.store
        func oldReceivedEvents() throws -> Int {
            try store.auditEvents(AuditQuery()).filter { $0.kind == "delivery.received" && $0.at.hasPrefix("2026-01-") }.count
        }

        // Several passes with neither retention configured: everything stays.
        try await Task.sleep(for: .seconds(1))
        #expect(try store.listDeliveries(limit: 10, before: nil).count == 4)
        #expect(try oldReceivedEvents() == 3)

        var text = try String(contentsOfFile: configPath, encoding: .utf8)
        text += "\naudit:\n  retention: 30d\ndeliveries:\n  retention: 30d\n"
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        let outcome = harness.application.reloader.reload(by: "test")
        #expect(outcome.succeeded, "\(outcome.messages)")

        try await eventually("the old deliveries to be pruned") {
            (try? store.listDeliveries(limit: 10, before: nil).count) == 1
        }
        try await eventually("the old audit events to be pruned") { (try? oldReceivedEvents()) == 0 }
        let kinds = try store.auditEvents(AuditQuery()).map(\.kind)
        #expect(kinds.filter { $0 == "deliveries.pruned" }.count == 1, "\(kinds)")
        #expect(kinds.contains("audit.pruned"), "\(kinds)")
        #expect(try store.verifyAudit().firstBrokenID == nil)
        // Later passes find nothing more to do and record nothing.
        try await Task.sleep(for: .milliseconds(600))
        #expect(try store.auditEvents(AuditQuery()).filter { $0.kind == "deliveries.pruned" }.count == 1)
        await harness.stop()
    }
}
