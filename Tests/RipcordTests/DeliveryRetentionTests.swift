import Foundation
import RipcordCore
@testable import RipcordStore
import SQLiteDB
import Testing

/// `deliveries.retention`: old deliveries go with everything that refers to them; what a rollback
/// needs as evidence, and what is not yet planned, stays.
@Suite("Delivery retention")
struct DeliveryRetentionTests {
    @Test("old planned deliveries go with their alerts, duplicates and decisions; a rollback's triggers, the unplanned and the recent stay")
    func oldDeliveriesArePrunedAndEvidenceStays() throws {
        let fixture = try PlanningBatchTests.Fixture(rollbackConfig(program: "/bin/true", delay: "1h"))
        let store = fixture.store
        defer { store.close() }
        let old = Timestamp(rfc3339: "2026-01-01T00:00:00Z")!
        func stored(_ body: [UInt8], at time: Timestamp) throws -> (id: Int64, group: AlertGroup?) {
            try fixture.stored(body, receivedAt: time)
        }
        try fixture.deploy("checkout", "1.4.2", at: "2026-11-27T00:00:00Z")
        let trigger = try stored(Notifications.firing([("checkout", "aaaaaaaaaaaaaaa1")]), at: old)
        let joined = try stored(Notifications.firing([("checkout", "aaaaaaaaaaaaaaa2")]), at: old.adding(seconds: 1))
        let cartBody = Notifications.firing([("cart", "aaaaaaaaaaaaaaa3")])
        let nothingToDo = try stored(cartBody, at: old.adding(seconds: 2))
        _ = try stored(cartBody, at: old.adding(seconds: 3))      // Alertmanager HA's duplicate arrival
        let secondNothing = try stored(Notifications.firing([("cart", "aaaaaaaaaaaaaaa4")]), at: old.adding(seconds: 4))
        let unplanned = try stored(Notifications.firing([("cart", "aaaaaaaaaaaaaaa5")]), at: old.adding(seconds: 5))
        let recent = try stored(Notifications.firing([("cart", "aaaaaaaaaaaaaaa6")]), at: .now())
        let decisions = try fixture.plan([trigger, joined, nothingToDo, secondNothing, recent])
        #expect(decisions.map { $0.map(\.outcome) } == [[.matched], [.duplicate], [.noActiveDeployment], [.noActiveDeployment],
                                                       [.noActiveDeployment]])
        let rollback = try #require(decisions[0].first?.rollbackID)

        // Chunks of one delivery, so the pass also shows that it resumes where the last chunk ended.
        let result = try store.pruneDeliveries(olderThan: Timestamp(rfc3339: "2026-06-01T00:00:00Z")!, now: .now(), chunk: 1)
        #expect(result.pruned == 2)
        #expect(result.more == false)
        #expect(try store.delivery(id: nothingToDo.id) == nil)
        #expect(try store.delivery(id: secondNothing.id) == nil)
        for kept in [trigger, joined, unplanned, recent] {
            #expect(try store.delivery(id: kept.id) != nil, "delivery \(kept.id) should be kept")
        }
        for table in ["delivery_alerts", "delivery_duplicates", "decisions"] {
            let left = try store.read("counting") { db in
                try db.queryOne("SELECT count(*) AS n FROM \(table) WHERE delivery_id IN (?, ?)",
                                [.integer(nothingToDo.id), .integer(secondNothing.id)])?.int("n")
            }
            #expect(left == 0, "\(table) still refers to a pruned delivery")
        }
        let detail = try #require(try store.delivery(id: trigger.id))
        #expect(detail.decisions.first?.rollbackID == rollback)

        let events = try store.auditEvents(AuditQuery())
        let pruned = try #require(events.first { $0.kind == "deliveries.pruned" })
        #expect(pruned.data.contains("\"count\":2"), "\(pruned.data)")
        #expect(pruned.summary.hasPrefix("retention pruned 2 delivery(ies)"), "\(pruned.summary)")
        #expect(try store.verifyAudit().firstBrokenID == nil)

        // A second pass finds nothing more, and records nothing.
        #expect(try store.pruneDeliveries(olderThan: Timestamp(rfc3339: "2026-06-01T00:00:00Z")!, now: .now()).pruned == 0)
        #expect(try store.auditEvents(AuditQuery()).filter { $0.kind == "deliveries.pruned" }.count == 1)
    }

    @Test("a pass stops at its bound, or when told to stop, and says there is more; the next pass goes on")
    func passIsBounded() throws {
        let fixture = try PlanningBatchTests.Fixture(rollbackConfig(program: "/bin/true"))
        let store = fixture.store
        defer { store.close() }
        let old = Timestamp(rfc3339: "2026-01-01T00:00:00Z")!
        let batch = try (0..<5).map { index in
            try fixture.stored(Notifications.firing([("cart", String(format: "bbbbbbbbbbbbbb%02d", index))]),
                               receivedAt: old.adding(seconds: Double(index)))
        }
        _ = try fixture.plan(batch)
        let cutoff = Timestamp(rfc3339: "2026-06-01T00:00:00Z")!
        let first = try store.pruneDeliveries(olderThan: cutoff, now: .now(), chunk: 2, maxChunks: 1)
        #expect(first.pruned == 2 && first.more)
        let stopped = try store.pruneDeliveries(olderThan: cutoff, now: .now(), chunk: 2, keepGoing: { false })
        #expect(stopped.pruned == 0 && stopped.more)
        let rest = try store.pruneDeliveries(olderThan: cutoff, now: .now(), chunk: 2, maxChunks: 10)
        #expect(rest.pruned == 3 && !rest.more)
        #expect(try store.listDeliveries(limit: 10, before: nil).isEmpty)
    }
}
