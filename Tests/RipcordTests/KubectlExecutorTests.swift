import Foundation
import RipcordCore
import RipcordExecutors
import Testing

@Suite("kubectl executors against a fake kubectl")
struct KubectlExecutorTests {
    func run(_ executor: any Executor, _ job: RollbackJob) async -> ExecutorOutcome {
        await executor.execute(ExecutionContext(job: job, attempt: 1))
    }

    @Test("rollout undo goes to the recorded revision, then waits for rollout status")
    func rolloutUndo() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = KubectlRolloutUndoExecutor(config: executorConfig("undo", .kubectlRolloutUndo, kube: kube))
        let job = rollbackJob(target: ["kubernetes": Targets.kubernetes])
        let outcome = await run(executor, job)
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        #expect(kube.calls().map(\.argv) == [
            ["rollout", "undo", "deployment/checkout", "-n", "prod", "--context", "kind-prod", "--to-revision=2"],
            ["rollout", "status", "deployment/checkout", "-n", "prod", "--context", "kind-prod", "--timeout=48s"],
        ])
        #expect(outcome.result.verification == #"deployment/checkout undone to revision 2; kubectl rollout status: deployment "checkout" successfully rolled out"#)
        #expect(executor.lockKeys(job) == ["deployment:kind-prod/prod/checkout"])
        #expect(await executor.verifyOnly(job) == nil, "a rolled-out workload looks the same before and after")
    }

    @Test("without a recorded revision the undo has no --to-revision; 'skipped rollback' counts as done")
    func skippedRollbackCountsAsDone() async throws {
        let kube = try FakeKube(folder: TestFolder())
        kube.update { state in
            state["workloads"] = ["kind-prod/prod/statefulset/db": ["revision": 3, "history": ["2": "db:1", "3": "db:1"]]]
        }
        let executor = KubectlRolloutUndoExecutor(config: executorConfig("undo", .kubectlRolloutUndo, kube: kube))
        let target = json(#"{"kind": "statefulset", "name": "db", "namespace": "prod", "kube_context": "kind-prod"}"#)
        let outcome = await run(executor, rollbackJob(target: ["kubernetes": target]))
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        #expect(kube.calls().first?.argv == ["rollout", "undo", "statefulset/db", "-n", "prod", "--context", "kind-prod"])
        #expect(outcome.result.verification.hasPrefix("statefulset/db already at the previous revision (kubectl: skipped rollback)"))
    }

    @Test("a rollout that never completes fails after the undo and is not retried (a second undo would move again)")
    func stuckRolloutIsNotRetried() async throws {
        let kube = try FakeKube(folder: TestFolder())
        kube.update { state in
            var workloads = state["workloads"] as! [String: Any]
            var checkout = workloads["kind-prod/prod/deployment/checkout"] as! [String: Any]
            checkout["stuck"] = true
            workloads["kind-prod/prod/deployment/checkout"] = checkout
            state["workloads"] = workloads
        }
        let executor = KubectlRolloutUndoExecutor(config: executorConfig("undo", .kubectlRolloutUndo, kube: kube, timeout: 3))
        let outcome = await run(executor, rollbackJob(target: ["kubernetes": Targets.kubernetes]))
        // kubectl's own --timeout (80% of the executor's) usually ends it; on a busy machine Ripcord's may.
        #expect([.failed, .timedOut].contains(outcome.result.outcome))
        #expect(!outcome.retryable)
        #expect(outcome.result.error.hasPrefix("kubectl rollout"))
        #expect(outcome.result.error.hasSuffix("not retried"))
    }

    @Test("the service selector goes back to the previous one; keys it did not have are set to null")
    func serviceSelectorSwitch() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = ServiceSelectorSwitchExecutor(config: executorConfig("switch", .serviceSelectorSwitch, kube: kube))
        let job = rollbackJob(target: ["service_switch": Targets.serviceSwitch])
        #expect(await executor.verifyOnly(job) == false)
        let before = kube.calls().count
        let outcome = await run(executor, job)
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        #expect(kube.calls().dropFirst(before).map(\.argv) == [
            ["get", "service", "checkout", "-n", "prod", "--context", "kind-prod", "-o", "json"],
            ["patch", "service", "checkout", "-n", "prod", "--context", "kind-prod", "--type=merge", "-p",
             #"{"spec":{"selector":{"app":"checkout","release":null,"slot":"blue"}}}"#],
            ["get", "service", "checkout", "-n", "prod", "--context", "kind-prod", "-o", "json"],
        ])
        let selector = (kube.object("service", "checkout")?["spec"] as? [String: Any])?["selector"] as? [String: String]
        #expect(selector == ["app": "checkout", "slot": "blue"])
        #expect(outcome.result.verification == "service checkout in prod (kind-prod): selector {app=checkout,slot=blue}; expected {app=checkout,slot=blue} (was {app=checkout,release=1-4-2,slot=green})")
        #expect(await executor.verifyOnly(job) == true)
        #expect(executor.lockKeys(job) == ["service:kind-prod/prod/checkout"])
    }

    @Test("every ingress backend that named the new service names the previous one; others stay")
    func ingressSwitch() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = IngressSwitchExecutor(config: executorConfig("ingress", .ingressSwitch, kube: kube))
        let job = rollbackJob(target: ["ingress_switch": Targets.ingressSwitch])
        #expect(await executor.verifyOnly(job) == false)
        let outcome = await run(executor, job)
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        let patch = try #require(kube.calls().first { $0.argv.first == "patch" }?.argv)
        #expect(Array(patch.prefix(8)) == ["patch", "ingress", "checkout", "-n", "prod", "--context", "kind-prod", "--type=json"])
        #expect(patch.last == #"[{"op":"test","path":"/spec/rules/0/http/paths/0/backend/service/name","value":"checkout-green"},{"op":"replace","path":"/spec/rules/0/http/paths/0/backend/service/name","value":"checkout-blue"},{"op":"test","path":"/spec/rules/1/http/paths/0/backend/service/name","value":"checkout-green"},{"op":"replace","path":"/spec/rules/1/http/paths/0/backend/service/name","value":"checkout-blue"}]"#)
        #expect(outcome.result.verification.contains("shop.example.com/ -> checkout-blue, shop.example.com/static -> static, api.example.com/ -> checkout-blue"))
        #expect(await executor.verifyOnly(job) == true)
        #expect(executor.lockKeys(job) == ["ingress:kind-prod/prod/checkout"])
    }

    @Test("the canary's weight annotation is overwritten with 0 and read back")
    func canaryWeightZero() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = CanaryWeightZeroExecutor(config: executorConfig("canary", .canaryWeightZero, kube: kube))
        let job = rollbackJob(target: ["canary": Targets.canary])
        #expect(await executor.verifyOnly(job) == false)
        let before = kube.calls().count
        let outcome = await run(executor, job)
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        #expect(kube.calls().dropFirst(before).first?.argv == ["annotate", "ingress", "checkout-canary", "-n", "prod", "--context", "kind-prod",
                                             "--overwrite", "nginx.ingress.kubernetes.io/canary-weight=0"])
        #expect(outcome.result.verification == #"ingress checkout-canary in prod (kind-prod): nginx.ingress.kubernetes.io/canary-weight is "0"; expected "0""#)
        #expect(await executor.verifyOnly(job) == true)
        #expect(executor.lockKeys(job) == ["ingress:kind-prod/prod/checkout-canary"])
    }

    @Test("an Argo Rollout is aborted through its status subresource, or the object when the server refuses it")
    func argoRolloutsAbort() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = ArgoRolloutsAbortExecutor(config: executorConfig("abort", .argoRolloutsAbort, kube: kube))
        let job = rollbackJob(target: ["argo_rollout": Targets.argoRollout])
        let outcome = await run(executor, job)
        #expect(outcome.result.outcome == .succeeded, "\(outcome.result.error)")
        #expect(kube.calls().first?.argv == ["patch", "rollout", "checkout", "-n", "prod", "--context", "kind-prod", "--type=merge",
                                             "--subresource=status", "-p", #"{"status":{"abort":true}}"#])
        #expect(outcome.result.verification.hasPrefix("rollout checkout in prod (kind-prod): status.abort true, phase Degraded"))
        #expect(await executor.verifyOnly(job) == true)

        let legacy = rollbackJob(target: ["argo_rollout": json(#"{"name": "legacy", "namespace": "prod", "kube_context": "kind-prod"}"#)])
        let fallback = await run(executor, legacy)
        #expect(fallback.result.outcome == .succeeded, "\(fallback.result.error)")
        let patches = kube.calls().filter { $0.argv.first == "patch" && $0.argv[2] == "legacy" }.map(\.argv)
        #expect(patches.count == 2)
        #expect(patches.last?.contains("--subresource=status") == false)
        #expect(fallback.result.outputTail.contains("the status subresource was refused; patching the Rollout object instead"))
    }

    @Test("values that would start with '-' or hold whitespace never reach kubectl; nor does a missing context")
    func unsafeValuesAreRefused() async throws {
        let kube = try FakeKube(folder: TestFolder())
        let executor = CanaryWeightZeroExecutor(config: executorConfig("canary", .canaryWeightZero, kube: kube))
        func failure(_ target: String, cluster: String = "") -> String? {
            guard case .failure(let failure) = executor.describe(rollbackJob(target: ["canary": json(target)], cluster: cluster)) else { return nil }
            return failure.message
        }
        #expect(failure(#"{"ingress": "web", "namespace": "prod", "kube_context": "--kubeconfig=/tmp/x"}"#)?
            .contains("target.canary.kube_context '--kubeconfig=/tmp/x' starts with '-' and would be read as a flag") == true)
        #expect(failure(#"{"ingress": "web", "namespace": "prod", "kube_context": "a b"}"#)?
            .contains("must not contain whitespace or control characters") == true)
        #expect(failure(#"{"ingress": "-web", "namespace": "prod", "kube_context": "kind-prod"}"#)?
            .contains("is not a Kubernetes name") == true)
        #expect(failure(#"{"ingress": "web", "namespace": "prod"}"#)?
            .contains("no kube_context and deployment 7 no cluster; Ripcord never falls back to the kubeconfig's current context") == true)
        #expect(failure(#"{"ingress": "web", "namespace": "prod"}"#, cluster: "-x") != nil)
        let fromCluster = try executor.describe(rollbackJob(target: ["canary": json(#"{"ingress": "web", "namespace": "prod"}"#)],
                                                          cluster: "kind-prod")).get()
        #expect(fromCluster.contains(#""--context","kind-prod""#))
        #expect(kube.calls().isEmpty)
    }

    @Test("programs are found at the configured path or on an absolute PATH entry, never in a relative one")
    func programLookup() throws {
        let kube = try FakeKube(folder: TestFolder())
        #expect(try ToolLocator.locate("kubectl", configured: nil, path: "relative:/nonexistent:\(kube.bin):/usr/bin").get() == kube.kubectl)
        #expect(try ToolLocator.locate("helm", configured: kube.helm, path: "").get() == kube.helm)
        guard case .failure(let missing) = ToolLocator.locate("kubectl", configured: nil, path: "fakebin:/nonexistent") else {
            Issue.record("found kubectl through a relative PATH entry"); return
        }
        #expect(missing.message == "kubectl was not found on PATH (/nonexistent); install it or set kubectl_path")
        guard case .failure = ToolLocator.locate("helm", configured: kube.bin + "/state.json", path: nil) else {
            Issue.record("a file that is not executable was accepted"); return
        }
    }
}
