import Foundation
import RipcordCore
import RipcordStore
import Testing

/// The engine plans the deliveries waiting together in one transaction; what one plan changes
/// (a rollback, its triggers, a cancellation) must be seen by the next plan in the same batch.
@Suite("Planning a batch of deliveries in one transaction")
struct PlanningBatchTests {
    @Test("later deliveries of a batch join the rollback an earlier one planned, and resolutions in it count every trigger")
    func laterDeliveriesSeeEarlierPlans() throws {
        let folder = try TestFolder()
        let config = try ConfigLoader.load(path: try folder.writeStandardConfig(
            extra: rollbackConfig(program: "/bin/true", delay: "30s")))
        let planner = Planner(policies: config.policies, limits: config.rollbackLimits)
        let store = try SQLiteStore(path: folder.path + "/data/ripcord.sqlite3")
        defer { store.close() }
        let deployedAt = Timestamp(rfc3339: "2026-11-27T00:00:00Z")!
        var deployments: [String: Int64] = [:]
        for service in ["checkout", "cart"] {
            deployments[service] = try store.recordDeployment(
                NewDeployment(service: service, namespace: "prod", version: "1.4.2", previousVersion: "1.4.1"),
                soakSeconds: 86_400 * 3650, by: "test", now: deployedAt).deployment.id
        }
        let bodies = [
            Notifications.firing([("checkout", "eeeeeeeeeeeeeee1")]),
            Notifications.firing([("checkout", "eeeeeeeeeeeeeee2")]),
            Notifications.firing([("cart", "eeeeeeeeeeeeeee3")]),
            Notifications.firing([("checkout", "eeeeeeeeeeeeeee1")], status: "resolved", endsAt: "2026-11-27T00:16:00Z"),
            Notifications.firing([("checkout", "eeeeeeeeeeeeeee2")], status: "resolved", endsAt: "2026-11-27T00:16:00Z"),
        ]
        var batch: [(id: Int64, group: AlertGroup?)] = []
        for body in bodies {
            let group = try NotificationDecoder.decode(body)
            let stored = try store.recordDelivery(IncomingDelivery(rawBody: body, group: group, receivedAt: .now(),
                                                                   remoteAddress: "127.0.0.1", credential: "test"))
            batch.append((stored.id, group))
        }

        let results = try store.planDeliveries(batch, planner: planner, now: .now())
        let decisions = try results.map { try $0.get() }
        #expect(decisions.map { $0.map(\.outcome) } == [[.matched], [.duplicate], [.matched], [.resolved], [.resolved]])
        let checkoutRollback = try #require(decisions[0].first?.rollbackID)
        #expect(decisions[1].first?.rollbackID == checkoutRollback)
        #expect(decisions[3].first?.reason.contains("still has 1 firing trigger") == true, "\(decisions[3])")
        #expect(decisions[4].first?.reason.contains("cancelled") == true, "\(decisions[4])")

        let rollbacks = try store.rollbacks(RollbackQuery()).sorted { $0.id < $1.id }
        #expect(rollbacks.map(\.deployment) == [deployments["checkout"]!, deployments["cart"]!])
        #expect(rollbacks.map(\.status) == [.cancelled, .pending])
    }

    @Test("a batch's snapshot, read for one service's alerts, is not reused for another service's cooldown")
    func cooldownIsReadForEveryServiceOfTheBatch() throws {
        let folder = try TestFolder()
        let config = try ConfigLoader.load(path: try folder.writeStandardConfig(
            extra: rollbackConfig(program: "/bin/true", cooldown: "24h")))
        let planner = Planner(policies: config.policies, limits: config.rollbackLimits)
        let store = try SQLiteStore(path: folder.path + "/data/ripcord.sqlite3")
        defer { store.close() }
        func at(_ text: String) -> Timestamp { Timestamp(rfc3339: text)! }
        func deploy(_ version: String, at time: String, soakSeconds: Double) throws {
            _ = try store.recordDeployment(NewDeployment(service: "checkout", namespace: "prod", version: version,
                                                         previousVersion: "1.4.1"),
                                           soakSeconds: soakSeconds, by: "test", now: at(time))
        }
        func stored(_ body: [UInt8]) throws -> (id: Int64, group: AlertGroup?) {
            let group = try NotificationDecoder.decode(body)
            let recorded = try store.recordDelivery(IncomingDelivery(rawBody: body, group: group, receivedAt: .now(),
                                                                     remoteAddress: "127.0.0.1", credential: "test"))
            return (recorded.id, group)
        }
        // 00:20: checkout 1.4.2 (soaking for an hour) is rolled back, and the rollback succeeds.
        try deploy("1.4.2", at: "2026-11-27T00:00:00Z", soakSeconds: 3600)
        let first = try store.planDeliveries([try stored(Notifications.firing([("checkout", "cccccccccccccc01")]))],
                                             planner: planner, now: at("2026-11-27T00:20:00Z"))
        #expect(try first[0].get().map(\.outcome) == [.matched])
        let job = try #require(try store.claimDueRollbacks(now: at("2026-11-27T00:20:00Z"), limit: 1, owner: "test").first)
        try store.updateRollback(id: job.id, status: .succeeded, currentAction: nil, executor: "rollback-script",
                                 reason: "rolled back", now: at("2026-11-27T00:21:00Z"))
        try deploy("1.4.3", at: "2026-11-27T00:30:00Z", soakSeconds: 86_400)
        // 02:00: 1.4.2's soak is over, so no rollback is in the snapshot at all; only the cooldown
        // lookup remembers the one at 00:20. One batch: an alert for a service nothing deploys (its
        // plan changes nothing, so the snapshot it read is kept), then one for checkout 1.4.3.
        let batch = [try stored(Notifications.firing([("search", "cccccccccccccc02")], startsAt: "2026-11-27T01:00:00Z")),
                     try stored(Notifications.firing([("checkout", "cccccccccccccc03")], startsAt: "2026-11-27T01:00:00Z"))]
        let decisions = try store.planDeliveries(batch, planner: planner, now: at("2026-11-27T02:00:00Z")).map { try $0.get() }
        #expect(decisions.map { $0.map(\.outcome) } == [[.noActiveDeployment], [.skippedCooldown]])
        #expect(try store.rollbacks(RollbackQuery()).count == 1)
    }
}
