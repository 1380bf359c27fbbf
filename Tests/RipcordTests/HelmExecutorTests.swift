import Foundation
import RipcordCore
import RipcordExecutors
import Synchronization
import Testing

@Suite("helm-rollback and flux-suspend-helm-rollback against a fake helm")
struct HelmExecutorTests {
    func run(_ executor: any Executor, _ job: RollbackJob,
             started: @escaping @Sendable (Int32) -> Void = { _ in }) async -> ExecutorOutcome {
        await executor.execute(ExecutionContext(job: job, attempt: 1, processStarted: { pid, _ in started(pid) }))
    }

    @Test("rolls back to the recorded previous revision with -n, --kube-context, --wait and --timeout, and verifies with helm status")
    func rollsBackToRecordedRevision() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = HelmRollbackExecutor(config: executorConfig("helm", .helmRollback, kube: kube))
        let outcome = await run(executor, rollbackJob(target: ["helm": Targets.helm]))
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        #expect(outcome.result.verification.contains(#"deployed, revision 5, "Rollback to 2"; expected deployed, revision 5, "Rollback to 2""#))
        #expect(outcome.result.exitCode == 0)
        #expect(kube.calls().map(\.argv) == [
            ["history", "checkout", "-n", "prod", "--kube-context", "kind-prod", "-o", "json"],
            ["rollback", "checkout", "2", "-n", "prod", "--kube-context", "kind-prod", "--wait", "--timeout", "48s"],
            ["status", "checkout", "-n", "prod", "--kube-context", "kind-prod", "-o", "json"],
        ])
        #expect(outcome.result.outputTail.contains("$ \(kube.helm) rollback checkout 2 -n prod --kube-context kind-prod --wait --timeout 48s\nRollback was a success! Happy Helming!"))
        #expect(kube.releaseHistory().last?["description"] as? String == "Rollback to 2")
    }

    @Test("without a recorded previous revision it picks the highest deployed or superseded one below current, never a failed one or 0")
    func picksLastGoodRevisionFromHistory() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = HelmRollbackExecutor(config: executorConfig("helm", .helmRollback, kube: kube))
        let target = json(#"{"release": "checkout", "namespace": "prod", "kube_context": "kind-prod"}"#)
        let described = try executor.describe(rollbackJob(target: ["helm": target])).get()
        #expect(described.contains("<REVISION: the highest deployed or superseded revision below the current one, from helm history>"))
        let outcome = await run(executor, rollbackJob(target: ["helm": target]))
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        let rollback = kube.calls().first { $0.argv.first == "rollback" }?.argv
        #expect(rollback?[2] == "2", "revision 3 failed; 2 is the last good one")
        #expect(outcome.result.outputTail.contains("last good revision from helm history: 2 (current 4)"))
    }

    @Test("a release stuck in pending-upgrade fails the attempt as retryable, with helm's message")
    func pendingOperationIsRetryable() async throws {
        let kube = try FakeKube(folder: TestFolder())
        kube.updateRelease { release in
            var history = release["history"] as! [[String: Any]]
            history[history.count - 1]["status"] = "pending-upgrade"
            release["history"] = history
        }
        let executor = HelmRollbackExecutor(config: executorConfig("helm", .helmRollback, kube: kube))
        let outcome = await run(executor, rollbackJob(target: ["helm": Targets.helm]))
        #expect(outcome.result.outcome == .failed)
        #expect(outcome.retryable)
        #expect(outcome.result.exitCode == 1)
        #expect(outcome.result.error.contains("Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress"))
    }

    @Test("a revision helm cannot find is not retried")
    func wrongRevisionIsNotRetried() async throws {
        let kube = try FakeKube(folder: TestFolder())
        kube.updateRelease { release in
            release["history"] = (release["history"] as! [[String: Any]]).filter { $0["revision"] as? Int != 2 }
        }
        let executor = HelmRollbackExecutor(config: executorConfig("helm", .helmRollback, kube: kube))
        let outcome = await run(executor, rollbackJob(target: ["helm": Targets.helm]))
        #expect(outcome.result.outcome == .failed)
        #expect(!outcome.retryable)
        #expect(outcome.result.error.contains("Error: unable to find specified revision"))
    }

    @Test("a helm that never returns is stopped at the timeout and recorded as timed out")
    func timeoutKills() async throws {
        let kube = try FakeKube(folder: TestFolder())
        kube.updateRelease { $0["hang"] = true }
        let executor = HelmRollbackExecutor(config: executorConfig("helm", .helmRollback, kube: kube, timeout: 2, killGrace: 0.5))
        let pids = Mutex<[Int32]>([])
        let began = Date()
        let outcome = await run(executor, rollbackJob(target: ["helm": Targets.helm]), started: { pid in pids.withLock { $0.append(pid) } })
        // The fake helm sleeps for an hour: returning at all shows the timeout stopped it. The bound
        // is loose (2 s timeout + 0.5 s grace, 15 s seen under AddressSanitizer in a parallel run).
        #expect(Date().timeIntervalSince(began) < 60)
        #expect(outcome.result.outcome == .timedOut)
        #expect(outcome.retryable)
        // The rollback step hangs (on a very busy machine an earlier step may already use up the 2 s).
        #expect(outcome.result.error.hasSuffix("did not finish within the timeout of 2.000s; stopped with SIGTERM, then SIGKILL after 0.500s"))
        #expect(!pids.withLock { $0 }.isEmpty)
        #expect(pids.withLock { $0 }.allSatisfy { kill($0, 0) != 0 }, "no helm is left running")
    }

    @Test("a release already rolled back is only verified, and verifyOnly tells before from after")
    func alreadyRolledBackIsOnlyVerified() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = HelmRollbackExecutor(config: executorConfig("helm", .helmRollback, kube: kube))
        let job = rollbackJob(target: ["helm": Targets.helm])
        #expect(await executor.verifyOnly(job) == false)
        #expect(await run(executor, job).result.outcome == .succeeded)
        #expect(await executor.verifyOnly(job) == true)
        let again = await run(executor, job)
        #expect(again.result.outcome == .succeeded)
        #expect(again.result.outputTail.contains("already \"Rollback to 2\""))
        #expect(kube.calls().filter { $0.argv.first == "rollback" }.count == 1, "no second rollback")
    }

    @Test("a release that moved past the recorded revision is left alone")
    func releaseThatMovedOnIsLeftAlone() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = HelmRollbackExecutor(config: executorConfig("helm", .helmRollback, kube: kube))
        let target = json(#"{"release": "checkout", "namespace": "prod", "revision": 3, "previous_revision": 2, "kube_context": "kind-prod"}"#)
        let outcome = await run(executor, rollbackJob(target: ["helm": target]))
        #expect(outcome.result.outcome == .failed)
        #expect(!outcome.retryable)
        #expect(outcome.result.error.contains("is at revision 4, not the revision 3 the deployment recorded"))
        #expect(!kube.calls().contains { $0.argv.first == "rollback" })
    }

    @Test("flux suspends the HelmRelease first, rolls the release back, and says Git still holds the bad version")
    func fluxSuspendsThenRollsBack() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = FluxSuspendHelmRollbackExecutor(config: executorConfig("flux", .fluxSuspendHelmRollback, kube: kube))
        let job = rollbackJob(target: ["flux": Targets.flux])
        #expect(await executor.verifyOnly(job) == false)
        let before = kube.calls().count
        let outcome = await run(executor, job)
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        let calls = Array(kube.calls().dropFirst(before))
        #expect(calls.first?.tool == "kubectl")
        #expect(calls.first?.argv == ["patch", "helmrelease", "checkout", "-n", "prod", "--context", "kind-prod", "--type=merge",
                                      "-p", #"{"spec":{"suspend":true}}"#])
        #expect(calls.first { $0.argv.first == "rollback" }?.argv[2] == "2", "the release name is the HelmRelease's; 2 is the last good revision")
        #expect((kube.object("helmrelease", "checkout")?["spec"] as? [String: Any])?["suspend"] as? Bool == true)
        #expect(outcome.result.verification.contains("spec.suspend true"))
        #expect(outcome.result.verification.contains("stays suspended: Git still holds the bad version"))
        #expect(await executor.verifyOnly(job) == true)
        #expect(executor.lockKeys(job) == ["helmrelease:kind-prod/prod/checkout", "helm:kind-prod/prod/checkout"])
    }

    @Test("the exact argv is described without running anything, and a missing helm block is a reason, not a crash")
    func describeAndMissingBlock() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = HelmRollbackExecutor(config: executorConfig("helm", .helmRollback, kube: kube, timeout: 300))
        let described = try executor.describe(rollbackJob(target: ["helm": Targets.helm])).get()
        let steps = try #require((try JSONSerialization.jsonObject(with: Data(described.utf8)) as? [String: Any])?["steps"] as? [[String: Any]])
        #expect(steps.map { $0["argv"] as? [String] ?? [] } == [
            [kube.helm, "history", "checkout", "-n", "prod", "--kube-context", "kind-prod", "-o", "json"],
            [kube.helm, "rollback", "checkout", "2", "-n", "prod", "--kube-context", "kind-prod", "--wait", "--timeout", "240s"],
            [kube.helm, "status", "checkout", "-n", "prod", "--kube-context", "kind-prod", "-o", "json"],
        ])
        #expect(kube.calls().isEmpty)
        let missing = rollbackJob(target: ["kubernetes": Targets.kubernetes])
        guard case .failure(let failure) = executor.describe(missing) else { Issue.record("described without a helm block"); return }
        #expect(failure.message == "deployment 7 (checkout 1.4.2) has no target.helm block, which helm-rollback needs")
        let outcome = await run(executor, missing)
        #expect(outcome.result.outcome == .failed && !outcome.retryable)
        #expect(executor.lockKeys(missing).isEmpty)
    }
}
