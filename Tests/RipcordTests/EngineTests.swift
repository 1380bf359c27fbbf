import Foundation
import RipcordCore
import Testing

@Suite("The rollback engine: deciding and doing", .serialized)
struct EngineTests {
    @Test("a captured delivery picks the soaking deployment of its service and namespace and rolls it back once")
    func picksTheRightDeployment() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program))
        let other = try harness.deploy(service: "cart")
        let staging = try harness.deploy(namespace: "staging")
        let target = try harness.deploy(version: "1.4.2", previous: "1.4.1")
        _ = (other, staging)
        let answer = try harness.postWebhook(try Captures.body("01-firing-first"))
        #expect(answer.status == 200)
        try await harness.waitForRollbacksToFinish(count: 1)
        let rollback = try #require(try harness.rollbacks().first)
        #expect(rollback.deployment == target.id)
        #expect(rollback.status == .succeeded)
        #expect(rollback.fromVersion == "1.4.2")
        #expect(rollback.toVersion == "1.4.1")
        #expect(rollback.executor == "rollback-script")
        let starts = FakeRollbackProgram.starts(in: folder)
        #expect(starts.count == 1)
        #expect(starts.first?.contains("service=checkout namespace=prod deployment=\(target.id) rollback=\(rollback.id) version=1.4.2 previous=1.4.1 policy=slo-burn alert=HighErrorRate fingerprints=d51e79fea960bb85 dry=false") == true)
        // The marker a restart finds an orphan by (RecoveryTests): the attempt's id and this engine.
        let marker = try #require(try harness.attemptMarkers().first)
        #expect(starts.first?.hasSuffix(" attempt=\(marker)") == true, "\(starts)")
        let decisions = try harness.decisions(delivery: answer.json["delivery_id"] as! Int64)
        #expect(decisions.map(\.outcome) == [.matched])
        #expect(decisions.first?.deploymentID == target.id)
        #expect(decisions.first?.policy == "slo-burn")
        let deployment = try harness.get("/api/v1/deployments/\(target.id)")
        #expect(deployment["state"] as? String == "rolled_back")
    }

    @Test("a delivery repeated five times (retries, HA duplicates) and a grown group yield one rollback")
    func repeatsYieldOneRollback() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program, arguments: ["sleep=0.3"]))
        try harness.deploy()
        let body = try Captures.body("01-firing-first")
        for _ in 0..<5 { #expect(try harness.postWebhook(body).status == 200) }
        let grew = try harness.postWebhook(try Captures.body("02-firing-group-grew"))
        try await harness.waitForPlanning()
        try await harness.waitForRollbacksToFinish(count: 1)
        #expect(try harness.rollbacks().count == 1)
        #expect(FakeRollbackProgram.starts(in: folder).count == 1)
        // The grown group's alerts joined the one rollback as triggers.
        let outcomes = try harness.decisions(delivery: grew.json["delivery_id"] as! Int64).map(\.outcome)
        #expect(outcomes == [.duplicate, .duplicate])
        let detail = try harness.get("/api/v1/rollbacks/\(try harness.rollbacks()[0].id)")
        #expect((detail["triggers"] as? [Any])?.count == 2)
    }

    @Test("alerts for two services in one delivery yield two rollbacks")
    func twoServicesTwoRollbacks() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program))
        let checkout = try harness.deploy(service: "checkout")
        let cart = try harness.deploy(service: "cart")
        let body = Notifications.firing([("checkout", "aaaaaaaaaaaaaaa1"), ("cart", "aaaaaaaaaaaaaaa2")])
        #expect(try harness.postWebhook(body).status == 200)
        try await harness.waitForRollbacksToFinish(count: 2)
        #expect(Set(try harness.rollbacks().map(\.deployment)) == [checkout.id, cart.id])
        #expect(FakeRollbackProgram.starts(in: folder).count == 2)
    }

    @Test("a resolution inside the delay cancels the planned rollback; nothing runs")
    func resolutionInsideDelayCancels() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program, delay: "3s"))
        try harness.deploy()
        _ = try harness.postWebhook(Notifications.firing([("checkout", "bbbbbbbbbbbbbbb1")]))
        try await harness.waitForPlanning()
        #expect(try harness.rollbacks().first?.status == .pending)
        let resolved = try harness.postWebhook(Notifications.firing([("checkout", "bbbbbbbbbbbbbbb1")], status: "resolved",
                                                                    endsAt: "2026-11-27T00:16:00Z"))
        try await harness.waitForPlanning()
        let rollback = try #require(try harness.rollbacks().first)
        #expect(rollback.status == .cancelled)
        #expect(rollback.reason.contains("resolved"))
        try await Task.sleep(for: .seconds(3.5))
        #expect(FakeRollbackProgram.starts(in: folder).isEmpty)
        let decision = try harness.decisions(delivery: resolved.json["delivery_id"] as! Int64).first
        #expect(decision?.outcome == .resolved)
        #expect(decision?.rollbackID == rollback.id)
    }

    /// A resolution arrives in a delivery that carries only that alert; the rollback's other trigger,
    /// attached by another delivery, still fires, so the rollback stays planned until it resolves too.
    @Test("a rollback is cancelled only when every trigger resolved, whichever deliveries brought them")
    func partialResolutionKeepsTheRollback() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program, delay: "30s"))
        try harness.deploy()
        _ = try harness.postWebhook(Notifications.firing([("checkout", "ddddddddddddddd1")]))
        _ = try harness.postWebhook(Notifications.firing([("checkout", "ddddddddddddddd2")]))
        try await harness.waitForPlanning()
        let resolvedFirst = try harness.postWebhook(Notifications.firing([("checkout", "ddddddddddddddd1")], status: "resolved",
                                                                         endsAt: "2026-11-27T00:16:00Z"))
        try await harness.waitForPlanning()
        #expect(try harness.rollbacks().map(\.status) == [.pending])
        let first = try harness.decisions(delivery: resolvedFirst.json["delivery_id"] as! Int64).first
        #expect(first?.reason.contains("still has 1 firing trigger") == true, "\(first?.reason ?? "no decision")")
        _ = try harness.postWebhook(Notifications.firing([("checkout", "ddddddddddddddd2")], status: "resolved",
                                                         endsAt: "2026-11-27T00:16:00Z"))
        try await harness.waitForPlanning()
        #expect(try harness.rollbacks().map(\.status) == [.cancelled])
        #expect(FakeRollbackProgram.starts(in: folder).isEmpty)
    }

    @Test("after the delay, a resolution does not undo a running rollback")
    func resolutionAfterDelayDoesNotUndo() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program, arguments: ["sleep=1.5"]))
        try harness.deploy()
        _ = try harness.postWebhook(Notifications.firing([("checkout", "ccccccccccccccc1")]))
        try await eventually("the rollback to run") { FakeRollbackProgram.starts(in: folder).count == 1 }
        let resolved = try harness.postWebhook(Notifications.firing([("checkout", "ccccccccccccccc1")], status: "resolved",
                                                                    endsAt: "2026-11-27T00:16:00Z"))
        try await harness.waitForRollbacksToFinish(count: 1)
        #expect(try harness.rollbacks().first?.status == .succeeded)
        let decision = try harness.decisions(delivery: resolved.json["delivery_id"] as! Int64).first
        #expect(decision?.reason.contains("does not undo") == true)
    }

    @Test("a label value such as 'checkout; rm -rf /' or '$(id)' reaches no shell: it is rejected and nothing runs")
    func hostileLabelsAreRejected() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program))
        try harness.deploy()
        let hostile = Notifications.firing([("checkout; rm -rf /", "ddddddddddddddd1"), ("$(id)", "ddddddddddddddd2"),
                                            ("checkout`touch /tmp/ripcord-pwned`", "ddddddddddddddd3")])
        let answer = try harness.postWebhook(hostile)
        #expect(answer.status == 200)
        try await harness.waitForPlanning()
        let decisions = try harness.decisions(delivery: answer.json["delivery_id"] as! Int64)
        #expect(decisions.map(\.outcome) == [.rejectedLabel, .rejectedLabel, .rejectedLabel])
        let badName = try harness.postWebhook(Notifications.firing([("checkout", "ddddddddddddddd4")], alertname: "$(id)"))
        try await harness.waitForPlanning()
        // '$(id)' as alertname matches no policy; it is data and never executed.
        #expect(try harness.decisions(delivery: badName.json["delivery_id"] as! Int64).first?.outcome == .notMatched)
        #expect(try harness.rollbacks().isEmpty)
        #expect(FakeRollbackProgram.calls(in: folder).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/ripcord-pwned"))
    }

    @Test("values from the deployment record reach the command as inert environment data, never as code")
    func deploymentValuesAreInert() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program))
        let marker = folder.path + "/pwned"
        try harness.deploy(version: "1.4.2;touch \(marker)", previous: "$(touch \(marker))")
        _ = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForRollbacksToFinish(count: 1)
        let start = try #require(FakeRollbackProgram.starts(in: folder).first)
        #expect(start.contains("version=1.4.2;touch \(marker) previous=$(touch \(marker))"))
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    @Test("an alert that started before the deployment is not blamed on it")
    func preexistingAlertsAreNotBlamed() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program))
        try harness.deploy(deployedAt: "2026-11-27T00:20:00Z")
        let answer = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForPlanning()
        let decision = try #require(try harness.decisions(delivery: answer.json["delivery_id"] as! Int64).first)
        #expect(decision.outcome == .preexisting)
        #expect(decision.reason.contains("blame_preexisting: false"))
        #expect(try harness.rollbacks().isEmpty)
    }

    @Test("alerts no policy matches, and matched alerts with no soaking deployment, are recorded as such")
    func unmatchedAlertsAreExplained() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program))
        try harness.deploy(service: "cart")
        try harness.deploy(service: "checkout", soakSeconds: 1)   // soak long over
        let answer = try harness.postWebhook(try Captures.body("01-firing-first"))
        let other = try harness.postWebhook(Notifications.firing([("checkout", "eeeeeeeeeeeeeee1")], alertname: "DiskFull"))
        try await harness.waitForPlanning()
        let first = try #require(try harness.decisions(delivery: answer.json["delivery_id"] as! Int64).first)
        #expect(first.outcome == .noActiveDeployment)
        #expect(first.reason.contains("namespace=prod service=checkout"))
        // The audit files it under the service and namespace the alert named, so "why did nothing
        // happen to checkout?" is one filter away.
        let filed = try harness.get("/api/v1/audit?service=checkout&kind=decision")["events"] as? [[String: Any]] ?? []
        #expect(filed.count == 1)
        #expect(filed.allSatisfy { $0["namespace"] as? String == "prod" && ($0["summary"] as? String)?.contains("no_active_deployment") == true })
        #expect(try harness.decisions(delivery: other.json["delivery_id"] as! Int64).first?.outcome == .notMatched)
        #expect(try harness.rollbacks().isEmpty)
    }

    @Test("a dry-run policy records the exact argv it would run and runs nothing")
    func dryRunRecordsAndRunsNothing() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program, arguments: ["name=dry"], dryRun: true))
        try harness.deploy()
        let answer = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForPlanning()
        let decision = try #require(try harness.decisions(delivery: answer.json["delivery_id"] as! Int64).first)
        #expect(decision.outcome == .dryRun)
        #expect(decision.reason.contains(#""argv":["\#(program)","name=dry"]"#), "\(decision.reason)")
        try await Task.sleep(for: .seconds(0.3))
        #expect(try harness.rollbacks().isEmpty)
        #expect(FakeRollbackProgram.calls(in: folder).isEmpty)
    }
}
