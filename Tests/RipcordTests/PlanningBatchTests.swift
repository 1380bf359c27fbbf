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
}
