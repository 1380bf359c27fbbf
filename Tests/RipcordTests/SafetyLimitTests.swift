import Foundation
import RipcordCore
import Testing

@Suite("Safety limits hold, also across restarts", .serialized)
struct SafetyLimitTests {
    @Test("a service rolled back within the cooldown is not rolled back again, even after a restart")
    func cooldownHoldsAcrossRestart() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        var harness: EngineHarness? = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program, cooldown: "1h"))
        try harness!.deploy(version: "1.4.2")
        _ = try harness!.postWebhook(Notifications.firing([("checkout", "f000000000000001")]))
        try await harness!.waitForRollbacksToFinish(count: 1)
        await harness!.stop()
        harness = nil

        let restarted = try EngineHarness(folder: folder)
        try restarted.deploy(version: "1.4.3", previous: "1.4.1", deployedAt: "2026-11-27T00:10:00Z")
        let second = try restarted.postWebhook(Notifications.firing([("checkout", "f000000000000002")]))
        try await restarted.waitForPlanning()
        let decision = try #require(try restarted.decisions(delivery: second.json["delivery_id"] as! Int64).first)
        #expect(decision.outcome == .skippedCooldown)
        #expect(decision.reason.contains("cooldown of 1h"))
        #expect(try restarted.rollbacks().count == 1)
        #expect(FakeRollbackProgram.starts(in: folder).count == 1)
    }

    @Test("the circuit breaker opens at max_rollbacks, stays open across a restart, and `ripcord circuit reset` closes it")
    func circuitBreakerHoldsAcrossRestart() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        var harness: EngineHarness? = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program, maxRollbacks: 1))
        for service in ["checkout", "cart", "search"] { try harness!.deploy(service: service) }
        let body = Notifications.firing([("checkout", "a100000000000001"), ("cart", "a100000000000002")])
        let first = try harness!.postWebhook(body)
        try await harness!.waitForRollbacksToFinish(count: 1)
        let outcomes = try harness!.decisions(delivery: first.json["delivery_id"] as! Int64).map(\.outcome)
        #expect(outcomes == [.matched, .skippedCircuitOpen])
        await harness!.stop()
        harness = nil

        let status = try await RipcordBinary.run(["circuit", "status"], in: folder.path)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.hasPrefix("open since"), "\(status.stdout)")

        var restarted: EngineHarness? = try EngineHarness(folder: folder)
        let blocked = try restarted!.postWebhook(Notifications.firing([("search", "a100000000000003")]))
        try await restarted!.waitForPlanning()
        #expect(try restarted!.decisions(delivery: blocked.json["delivery_id"] as! Int64).first?.outcome == .skippedCircuitOpen)
        await restarted!.stop()
        restarted = nil

        let reset = try await RipcordBinary.run(["circuit", "reset"], in: folder.path)
        #expect(reset.status == 0, "\(reset.stderr)")
        let again = try EngineHarness(folder: folder)
        let allowed = try again.postWebhook(Notifications.firing([("search", "a100000000000004")]))
        try await again.waitForPlanning()
        #expect(try again.decisions(delivery: allowed.json["delivery_id"] as! Int64).first?.outcome == .matched)
        try await again.waitForRollbacksToFinish(count: 2)
        #expect(FakeRollbackProgram.starts(in: folder).count == 2)
    }

    @Test("no more rollbacks run at once than limits.concurrency")
    func concurrencyLimitHolds() async throws {
        let folder = try TestFolder()
        // Each run records its start and end; with concurrency 1 the program itself detects overlap.
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program, arguments: ["sleep=0.4"],
                                                                                      concurrency: 1))
        for service in ["checkout", "cart", "search"] { try harness.deploy(service: service) }
        _ = try harness.postWebhook(Notifications.firing([("checkout", "c100000000000001"), ("cart", "c100000000000002"),
                                                         ("search", "c100000000000003")]))
        try await harness.waitForRollbacksToFinish(count: 3)
        let calls = FakeRollbackProgram.calls(in: folder)
        #expect(calls.filter { $0.hasPrefix("start") }.count == 3)
        #expect(!calls.contains { $0.hasPrefix("OVERLAP") })
        // Strictly start, end, start, end, ...
        let kinds = calls.map { $0.split(separator: " ")[0] }
        #expect(kinds == ["start", "end", "start", "end", "start", "end"])
    }
}
