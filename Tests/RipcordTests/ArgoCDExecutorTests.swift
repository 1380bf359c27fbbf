import CurlClient
import Foundation
import RipcordCore
import RipcordExecutors
import Testing

@Suite("argocd-rollback against a fake Argo CD API")
struct ArgoCDExecutorTests {
    func executor(_ fake: FakeArgoCD, token: String? = nil, timeout: Double = 60) -> ArgoCDRollbackExecutor {
        var config = ExecutorConfig(name: "argocd", kind: .argocdRollback, timeoutSeconds: timeout)
        config.server = fake.base
        config.token = token ?? fake.token
        return ArgoCDRollbackExecutor(config: config)
    }

    func job(_ target: String = #"{"app": "checkout", "app_namespace": "argocd", "project": "payments", "history_id": 1}"#) -> RollbackJob {
        rollbackJob(target: ["argocd": json(target)])
    }

    @Test("auto-sync is turned off first (Argo CD refuses otherwise), then the rollback syncs to the history entry and is verified")
    func rollsBackAfterTurningAutoSyncOff() async throws {
        let fake = try FakeArgoCD()
        // The fake holds Argo CD's precondition, as the real server does.
        let refused = try HTTPClient().send(HTTPClientRequest(
            method: "POST", url: fake.base + "/api/v1/applications/checkout/rollback",
            headers: [("Authorization", "Bearer \(fake.token)"), ("Content-Type", "application/json")],
            body: Array(#"{"id": 1, "prune": false}"#.utf8)))
        #expect(refused.status == 400)
        #expect(refused.bodyText.contains("rollback cannot be initiated when auto-sync is enabled"))

        let executor = executor(fake)
        #expect(await executor.verifyOnly(job()) == false)
        let before = fake.received.count
        let outcome = await executor.execute(ExecutionContext(job: job(), attempt: 1))
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        #expect(outcome.result.httpStatus == 200)
        let requests = Array(fake.received.dropFirst(before))
        #expect(requests.map { "\($0.method) \($0.path)" } == [
            "GET /api/v1/applications/checkout", "PATCH /api/v1/applications/checkout",
            "POST /api/v1/applications/checkout/rollback", "GET /api/v1/applications/checkout", "GET /api/v1/applications/checkout",
        ])
        #expect(requests.allSatisfy { $0.authorization == "Bearer \(fake.token)" })
        #expect(requests[0].query["appNamespace"] == "argocd")
        #expect(requests[1].body["patch"] as? String == #"{"spec":{"syncPolicy":{"automated":null}}}"#)
        #expect(requests[1].body["patchType"] as? String == "merge")
        #expect(requests[2].body["id"] as? Int == 1)
        #expect(requests[2].body["prune"] as? Bool == false)
        #expect(requests[2].body["appNamespace"] as? String == "argocd")
        #expect(outcome.result.verification.hasPrefix("application checkout (project payments): operation Succeeded for revision bbb222, synced to bbb222; expected Succeeded at bbb222 (history entry 1)."))
        #expect(outcome.result.verification.contains("auto-sync of checkout is off and stays off: Git still holds the bad version"))
        #expect(await executor.verifyOnly(job()) == true)
        #expect(executor.lockKeys(job()) == ["argocd:\(fake.base)/argocd/checkout"])
    }

    @Test("without a recorded history id it goes back to the newest earlier entry with another revision")
    func picksPreviousHistoryEntry() async throws {
        let fake = try FakeArgoCD()
        let outcome = await executor(fake).execute(ExecutionContext(job: job(#"{"app": "checkout"}"#), attempt: 1))
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        #expect(fake.received.first { $0.method == "POST" }?.body["id"] as? Int == 1)
        #expect(await executor(fake).verifyOnly(job(#"{"app": "checkout"}"#)) == nil, "without a history id it cannot tell")
    }

    @Test("a wrong token, a foreign project or an unknown history entry stop before anything changes")
    func refusalsChangeNothing() async throws {
        let fake = try FakeArgoCD()
        let wrongToken = await executor(fake, token: "stale-token").execute(ExecutionContext(job: job(), attempt: 1))
        #expect(wrongToken.result.outcome == .failed && !wrongToken.retryable)
        #expect(wrongToken.result.httpStatus == 401)
        #expect(wrongToken.result.error == "GET application checkout answered 401: invalid session: token signature is invalid")

        let foreign = await executor(fake).execute(ExecutionContext(job: job(#"{"app": "checkout", "project": "search", "history_id": 1}"#), attempt: 1))
        #expect(foreign.result.error == "application checkout belongs to project payments, not search as the deployment recorded; not touching it")

        let unknown = await executor(fake).execute(ExecutionContext(job: job(#"{"app": "checkout", "history_id": 9}"#), attempt: 1))
        #expect(unknown.result.error == "application checkout has no history entry 9 (ids: 0, 1, 2)")
        #expect(!fake.received.contains { $0.method != "GET" })
    }

    @Test("a rollback whose sync fails is reported with the operation's phase, and auto-sync stays off")
    func failedSyncIsReported() async throws {
        let fake = try FakeArgoCD()
        fake.finalPhase = "Failed"
        let outcome = await executor(fake).execute(ExecutionContext(job: job(), attempt: 1))
        #expect(outcome.result.outcome == .failed)
        #expect(!outcome.retryable)
        #expect(outcome.result.error.hasPrefix("the rollback did not verify: application checkout (project payments): operation Failed for revision bbb222"))
        #expect(outcome.result.error.contains("auto-sync of checkout is off and stays off"))
    }
}
