import Foundation
import RipcordCore
@testable import RipcordStore
import Testing

/// The engine plans the deliveries waiting together in one transaction; what one plan changes
/// (a rollback, its triggers, a cancellation) must be seen by the next plan in the same batch.
@Suite("Planning a batch of deliveries in one transaction")
struct PlanningBatchTests {
    /// A store and a planner for the standard config plus `rollback` (a policy with its options).
    struct Fixture {
        let store: SQLiteStore
        let planner: Planner

        init(_ rollback: String) throws {
            let folder = try TestFolder()
            let config = try ConfigLoader.load(path: try folder.writeStandardConfig(extra: rollback))
            planner = Planner(policies: config.policies, limits: config.rollbackLimits)
            store = try SQLiteStore(path: folder.path + "/data/ripcord.sqlite3")
        }

        @discardableResult
        func deploy(_ service: String, _ version: String, at time: String, soakSeconds: Double = 86_400 * 3650) throws -> Int64 {
            try store.recordDeployment(NewDeployment(service: service, namespace: "prod", version: version, previousVersion: "1.4.1"),
                                       soakSeconds: soakSeconds, by: "test", now: Timestamp(rfc3339: time)!).deployment.id
        }

        /// Stores a webhook body as the intake does; returns it as the planner gets it.
        func stored(_ body: [UInt8], receivedAt: Timestamp = .now()) throws -> (id: Int64, group: AlertGroup?) {
            let group = try NotificationDecoder.decode(body)
            let recorded = try store.recordDelivery(IncomingDelivery(rawBody: body, group: group, receivedAt: receivedAt,
                                                                     remoteAddress: "127.0.0.1", credential: "test"))
            return (recorded.id, group)
        }

        /// Plans `batch` as the engine does (queued, one write) and waits for its decisions.
        func plan(_ batch: [(id: Int64, group: AlertGroup?)], now: Timestamp = .now()) throws -> [[Decision]] {
            // The semaphore orders the writer thread's store before this thread's read.
            final class Outcome: @unchecked Sendable { var value: Result<[Result<[Decision], StoreError>], StoreError>? }
            let done = DispatchSemaphore(value: 0), outcome = Outcome()
            store.planDeliveriesQueued(batch, planner: planner, now: now) { outcome.value = $0; done.signal() }
            done.wait()
            return try outcome.value!.get().map { try $0.get() }
        }
    }

    @Test("later deliveries of a batch join the rollback an earlier one planned, and resolutions in it count every trigger")
    func laterDeliveriesSeeEarlierPlans() throws {
        let fixture = try Fixture(rollbackConfig(program: "/bin/true", delay: "30s"))
        defer { fixture.store.close() }
        let checkout = try fixture.deploy("checkout", "1.4.2", at: "2026-11-27T00:00:00Z")
        let cart = try fixture.deploy("cart", "1.4.2", at: "2026-11-27T00:00:00Z")
        let batch = try [
            Notifications.firing([("checkout", "eeeeeeeeeeeeeee1")]),
            Notifications.firing([("checkout", "eeeeeeeeeeeeeee2")]),
            Notifications.firing([("cart", "eeeeeeeeeeeeeee3")]),
            Notifications.firing([("checkout", "eeeeeeeeeeeeeee1")], status: "resolved", endsAt: "2026-11-27T00:16:00Z"),
            Notifications.firing([("checkout", "eeeeeeeeeeeeeee2")], status: "resolved", endsAt: "2026-11-27T00:16:00Z"),
        ].map { try fixture.stored($0) }

        let decisions = try fixture.plan(batch)
        #expect(decisions.map { $0.map(\.outcome) } == [[.matched], [.duplicate], [.matched], [.resolved], [.resolved]])
        let checkoutRollback = try #require(decisions[0].first?.rollbackID)
        #expect(decisions[1].first?.rollbackID == checkoutRollback)
        #expect(decisions[3].first?.reason.contains("still has 1 firing trigger") == true, "\(decisions[3])")
        #expect(decisions[4].first?.reason.contains("cancelled") == true, "\(decisions[4])")

        let rollbacks = try fixture.store.rollbacks(RollbackQuery()).sorted { $0.id < $1.id }
        #expect(rollbacks.map(\.deployment) == [checkout, cart])
        #expect(rollbacks.map(\.status) == [.cancelled, .pending])
    }

    @Test("a batch's snapshot, read for one service's alerts, is not reused for another service's cooldown")
    func cooldownIsReadForEveryServiceOfTheBatch() throws {
        let fixture = try Fixture(rollbackConfig(program: "/bin/true", cooldown: "24h"))
        let store = fixture.store
        defer { store.close() }
        func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }
        // 00:20: checkout 1.4.2 (soaking for an hour) is rolled back, and the rollback succeeds.
        try fixture.deploy("checkout", "1.4.2", at: "2026-11-27T00:00:00Z", soakSeconds: 3600)
        let first = try fixture.plan([try fixture.stored(Notifications.firing([("checkout", "cccccccccccccc01")]))],
                                     now: at("2026-11-27T00:20:00Z"))
        #expect(first.map { $0.map(\.outcome) } == [[.matched]])
        let job = try #require(try store.claimDueRollbacks(now: at("2026-11-27T00:20:00Z"), limit: 1, owner: "test").first)
        try store.updateRollback(id: job.id, status: .succeeded, currentAction: nil, executor: "rollback-script",
                                 reason: "rolled back", now: at("2026-11-27T00:21:00Z"))
        try fixture.deploy("checkout", "1.4.3", at: "2026-11-27T00:30:00Z", soakSeconds: 86_400)
        // 02:00: 1.4.2's soak is over, so no rollback is in the snapshot at all; only the cooldown
        // lookup remembers the one at 00:20. One batch: an alert for a service nothing deploys (its
        // plan changes nothing, so the snapshot it read is kept), then one for checkout 1.4.3.
        let batch = try [Notifications.firing([("search", "cccccccccccccc02")], startsAt: "2026-11-27T01:00:00Z"),
                         Notifications.firing([("checkout", "cccccccccccccc03")], startsAt: "2026-11-27T01:00:00Z")]
            .map { try fixture.stored($0) }
        let decisions = try fixture.plan(batch, now: at("2026-11-27T02:00:00Z"))
        #expect(decisions.map { $0.map(\.outcome) } == [[.noActiveDeployment], [.skippedCooldown]])
        #expect(try store.rollbacks(RollbackQuery()).count == 1)
    }

    @Test("planning alerts with ever new fingerprints does not add a prepared statement per list")
    func preparedStatementsStayBounded() throws {
        // A pending rollback makes planning look its triggers up by the fingerprints of each batch:
        // a list that differs in every batch.
        let fixture = try Fixture(rollbackConfig(program: "/bin/true", delay: "1h"))
        defer { fixture.store.close() }
        try fixture.deploy("checkout", "1.4.2", at: "2026-11-27T00:00:00Z")
        let first = try fixture.plan([try fixture.stored(Notifications.firing([("checkout", "eeeeeeeeeeeeeee1")]))])
        #expect(first.map { $0.map(\.outcome) } == [[.matched]])
        func planPairs(_ range: Range<Int>) throws {
            for pair in range {
                let batch = try [2 * pair, 2 * pair + 1].map { index in
                    try fixture.stored(Notifications.firing([("svc-\(index)", String(format: "a%015x", index))]))
                }
                let outcomes = try fixture.plan(batch).map { $0.map(\.outcome) }
                #expect(outcomes == [[.noActiveDeployment], [.noActiveDeployment]], "\(outcomes)")
            }
        }
        func prepared() throws -> Int { try fixture.store.write("counting statements") { $0.preparedStatementCount } }
        try planPairs(0..<5)
        let warm = try prepared()
        try planPairs(5..<45)   // 40 more batches, each with fingerprints never seen before
        #expect(try prepared() == warm)
    }
}
