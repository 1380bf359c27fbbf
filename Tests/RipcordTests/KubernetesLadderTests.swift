import Foundation
import RipcordCore
import RipcordStore
import Testing

extension EngineHarness {
    /// Records `checkout` 1.4.2 (was 1.4.1) in `prod` with target blocks, deployed before the captured alerts.
    @discardableResult
    func deploy(target: [String: JSONValue]) throws -> Deployment {
        try store.recordDeployment(NewDeployment(service: "checkout", namespace: "prod", version: "1.4.2", previousVersion: "1.4.1",
                                                 target: target),
                                   soakSeconds: 86_400 * 3650, by: "test", now: Timestamp(rfc3339: "2026-11-27T00:00:00Z")!).deployment
    }

    /// The one rollback's detail as `GET /api/v1/rollbacks/{id}` shows it, with its attempts.
    func onlyRollback() throws -> (summary: RollbackSummary, attempts: [[String: Any]], text: String) {
        let rollback = try #require(try rollbacks().first)
        let response = try client.send(.init(url: base + "/api/v1/rollbacks/\(rollback.id)",
                                             headers: [("Authorization", "Bearer \(Secrets.readerToken)")]))
        return (rollback, response.json["attempts"] as? [[String: Any]] ?? [], response.bodyText)
    }
}

/// A config with the given executors and one policy `slo-burn` running `actions` for critical alerts.
func kubernetesConfig(executors: String, actions: [String], retries: Int = 0, dryRun: Bool = false) -> String {
    """
    executors:
    \(executors)
    policies:
      - name: slo-burn
        match: ['severity="critical"']
        deployment: {service: service, namespace: namespace}
        actions: [\(actions.joined(separator: ", "))]
        retries: \(retries)
        retry_backoff: 100ms
        dry_run: \(dryRun)
    """
}

@Suite("Kubernetes executors in the engine: ladder, audit, dry-run", .serialized)
struct KubernetesLadderTests {
    func executors(_ kube: FakeKube) -> String {
        """
          - name: helm
            kind: helm-rollback
            helm_path: \(kube.helm)
            timeout: 10s
          - name: undo
            kind: kubectl-rollout-undo
            kubectl_path: \(kube.kubectl)
            timeout: 10s
          - name: script
            kind: command
            command: ["/bin/true"]
            timeout: 5s
        """
    }

    @Test("an alert rolls the Helm release back; the audit shows every argv, the output and what was verified")
    func helmRollbackThroughTheEngine() async throws {
        let folder = try TestFolder()
        let kube = try FakeKube(folder: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: kubernetesConfig(executors: executors(kube), actions: ["helm"]))
        try harness.deploy(target: ["helm": Targets.helm])
        _ = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForRollbacksToFinish(count: 1)
        let (rollback, attempts, _) = try harness.onlyRollback()
        #expect(rollback.status == .succeeded)
        #expect(rollback.executor == "helm")
        #expect(rollback.reason.contains(#"helm succeeded: helm status checkout -n prod --kube-context kind-prod: deployed, revision 5, "Rollback to 2""#))
        let attempt = try #require(attempts.first)
        #expect(attempt["kind"] as? String == "helm-rollback")
        #expect(attempt["exit_code"] as? Int == 0)
        #expect((attempt["duration_seconds"] as? Double).map { $0 > 0 } == true)
        let request = try #require(attempt["request"] as? String)
        #expect(request.contains(#"["\#(kube.helm)","rollback","checkout","2","-n","prod","--kube-context","kind-prod","--wait","--timeout","8s"]"#))
        #expect(request.contains(#""steps":[{"argv":["\#(kube.helm)","history""#))
        #expect((attempt["output_tail"] as? String)?.contains("Rollback was a success! Happy Helming!") == true)
        #expect((attempt["verification"] as? String)?.contains(#"expected deployed, revision 5, "Rollback to 2""#) == true)
        // Every helm the attempt ran carries its marker, so a restart after a crash can stop it.
        let marker = try #require(try harness.attemptMarkers().first)
        let markers = kube.attemptMarkers()
        #expect(!markers.isEmpty && markers.allSatisfy { $0 == marker }, "\(markers)")
        await harness.stop()
    }

    @Test("a release stuck in another operation is retried, then the ladder escalates to kubectl rollout undo")
    func failureEscalatesToTheNextExecutor() async throws {
        let folder = try TestFolder()
        let kube = try FakeKube(folder: folder)
        kube.updateRelease { release in
            var history = release["history"] as! [[String: Any]]
            history[history.count - 1]["status"] = "pending-upgrade"
            release["history"] = history
        }
        let harness = try EngineHarness(folder: folder, rollbackConfig: kubernetesConfig(executors: executors(kube), actions: ["helm", "undo"],
                                                                                         retries: 1))
        try harness.deploy(target: ["helm": Targets.helm, "kubernetes": Targets.kubernetes])
        _ = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForRollbacksToFinish(count: 1)
        let (rollback, attempts, _) = try harness.onlyRollback()
        #expect(rollback.status == .succeeded)
        #expect(rollback.executor == "undo")
        #expect(attempts.map { "\($0["executor"] as? String ?? "") \($0["outcome"] as? String ?? "")" } == ["helm failed", "helm failed", "undo succeeded"])
        #expect((attempts.first?["error"] as? String)?.contains("another operation (install/upgrade/rollback) is in progress") == true)
        #expect(kube.calls().filter { $0.argv.first == "rollback" }.count == 2)
        #expect(kube.calls().contains { $0.argv.starts(with: ["rollout", "undo", "deployment/checkout"]) })
        await harness.stop()
    }

    @Test("an executor whose target block the deployment lacks fails at once with that reason, and the ladder moves on")
    func missingTargetBlockMovesOn() async throws {
        let folder = try TestFolder()
        let kube = try FakeKube(folder: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: kubernetesConfig(executors: executors(kube), actions: ["helm", "script"],
                                                                                         retries: 2))
        try harness.deploy(target: ["kubernetes": Targets.kubernetes])
        _ = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForRollbacksToFinish(count: 1)
        let (rollback, attempts, _) = try harness.onlyRollback()
        #expect(rollback.status == .succeeded)
        #expect(rollback.executor == "script")
        #expect(attempts.count == 2, "no retries of an executor that cannot run")
        #expect((attempts.first?["error"] as? String)?.hasSuffix("has no target.helm block, which helm-rollback needs") == true)
        #expect(kube.calls().isEmpty)
        await harness.stop()
    }

    @Test("a dry-run policy records the exact argv in the decision and runs nothing")
    func dryRunRecordsArgv() async throws {
        let folder = try TestFolder()
        let kube = try FakeKube(folder: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: kubernetesConfig(executors: executors(kube), actions: ["helm", "undo"],
                                                                                         dryRun: true))
        try harness.deploy(target: ["helm": Targets.helm, "kubernetes": Targets.kubernetes])
        let answer = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForPlanning()
        let decision = try #require(try harness.decisions(delivery: answer.json["delivery_id"] as! Int64).first)
        #expect(decision.outcome == .dryRun)
        #expect(decision.reason.contains(#""argv":["\#(kube.helm)","rollback","checkout","2","-n","prod","--kube-context","kind-prod","--wait","--timeout","8s"]"#))
        #expect(decision.reason.contains(#""argv":["\#(kube.kubectl)","rollout","undo","deployment/checkout","-n","prod","--context","kind-prod","--to-revision=2"]"#))
        #expect(try harness.rollbacks().isEmpty)
        #expect(kube.calls().isEmpty)
        await harness.stop()
    }

    @Test("the Argo CD token reaches Argo CD but never the audit, which says Git still holds the bad version")
    func argoCDTokenIsRedacted() async throws {
        let folder = try TestFolder()
        let fake = try FakeArgoCD()
        try folder.write("secrets/argocd.token", fake.token + "\n")
        let config = kubernetesConfig(executors: """
              - name: argocd
                kind: argocd-rollback
                server: \(fake.base)
                token_file: secrets/argocd.token
                timeout: 10s
            """, actions: ["argocd"])
        let harness = try EngineHarness(folder: folder, rollbackConfig: config)
        try harness.deploy(target: ["argocd": json(#"{"app": "checkout", "project": "payments", "history_id": 1}"#)])
        _ = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForRollbacksToFinish(count: 1)
        let (rollback, attempts, text) = try harness.onlyRollback()
        #expect(rollback.status == .succeeded)
        #expect(fake.received.allSatisfy { $0.authorization == "Bearer \(fake.token)" })
        #expect(!text.contains(fake.token))
        #expect((attempts.first?["request"] as? String)?.contains(#""Authorization":"Bearer <redacted>""#) == true)
        #expect(attempts.first?["http_status"] as? Int == 200)
        #expect((attempts.first?["verification"] as? String)?.contains("Git still holds the bad version") == true)
        #expect(rollback.reason.contains("auto-sync of checkout is off and stays off"))
        await harness.stop()
    }
}
