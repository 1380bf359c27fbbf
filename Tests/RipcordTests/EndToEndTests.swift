import Foundation
import Testing

/// The whole path with real parts: the demo service's errors → a real Prometheus (the shipped SLO rule,
/// deploy/compose/slo-rules.yml) → a real Alertmanager (Bearer token from a file) → the built
/// `ripcord serve` → the fake `helm` or `kubectl` of the executor tests. Everything on 127.0.0.1 with
/// free ports and temporary folders; every process is stopped when a test ends, however it ends.
@Suite("End to end: demo service, Prometheus, Alertmanager, Ripcord, rollback", .timeLimit(.minutes(2)))
struct EndToEndTests {
    @Test("helm: a real SLO alert rolls the recorded release back to revision 41 once, and the resolution and re-sends change nothing")
    func helmRollback() async throws {
        let stack = try MonitoringStack()
        defer { stack.stop() }
        let release = "\(FakeKube.context)/prod/checkout"
        let kube = try FakeKube(folder: stack.folder, state: [
            "contexts": [FakeKube.context],
            "releases": [release: ["history": [
                FakeKube.revision(40, "superseded", "1.4.0", "Install complete"),
                FakeKube.revision(41, "superseded", "1.4.1", "Upgrade complete"),
                FakeKube.revision(42, "deployed", "1.4.2", "Upgrade complete"),
            ]]],
        ])
        try await stack.start(service: "checkout", namespace: "prod", rollbackConfig: Self.rollbackConfig(executor: """
              - name: helm
                kind: helm-rollback
                helm_path: \(kube.helm)
                timeout: 30s
                kill_grace: 1s
            """, action: "helm"), environment: [:])

        let outcome = try await Self.drive(stack, kube: kube, action: "rollback", deployment: [
            "service": "checkout", "namespace": "prod", "version": "1.4.2", "previous_version": "1.4.1",
            "strategy": "rolling", "soak": "30m", "idempotency_key": "e2e-helm",
            "target": ["helm": ["release": "checkout", "namespace": "prod", "revision": 42, "previous_revision": 41,
                                "kube_context": FakeKube.context]],
        ])

        // The attempt ran helm rollback to the recorded previous revision, explicitly, and verified it.
        let argv = try #require(outcome.argv(containing: "rollback"), "no helm rollback in \(outcome.attempt)")
        #expect(Array(argv.dropFirst()) == ["rollback", "checkout", "41", "-n", "prod", "--kube-context", FakeKube.context,
                                            "--wait", "--timeout", "24s"])
        #expect(argv.first == kube.helm)
        let verification = outcome.attempt["verification"] as? String ?? ""
        #expect(verification.contains("deployed, revision 43, \"Rollback to 41\""), "\(verification)")
        // The fake cluster agrees: revision 43 is a rollback to 41, deployed.
        let history = ((kube.state()["releases"] as? [String: Any])?[release] as? [String: Any])?["history"] as? [[String: Any]] ?? []
        #expect(history.last?["revision"] as? Int == 43)
        #expect(history.last?["description"] as? String == "Rollback to 41")
        #expect(history.last?["status"] as? String == "deployed")
    }

    @Test("blue/green: a real SLO alert switches the Service's selector back to blue once, and the resolution and re-sends change nothing")
    func serviceSelectorSwitch() async throws {
        let stack = try MonitoringStack()
        defer { stack.stop() }
        let serviceKey = "\(FakeKube.context)/prod/service/storefront"
        let kube = try FakeKube(folder: stack.folder, state: [
            "contexts": [FakeKube.context],
            "objects": [serviceKey: [
                "apiVersion": "v1", "kind": "Service", "metadata": ["name": "storefront", "namespace": "prod"],
                "spec": ["selector": ["app": "storefront", "slot": "green"], "ports": [["port": 80]]],
            ]],
        ])
        try await stack.start(service: "storefront", namespace: "prod", rollbackConfig: Self.rollbackConfig(executor: """
              - name: blue-green
                kind: service-selector-switch
                kubectl_path: \(kube.kubectl)
                timeout: 30s
                kill_grace: 1s
            """, action: "blue-green"), environment: [:])

        let outcome = try await Self.drive(stack, kube: kube, action: "patch", deployment: [
            "service": "storefront", "namespace": "prod", "version": "2.0.0", "previous_version": "1.9.3",
            "strategy": "blue-green", "soak": "30m", "idempotency_key": "e2e-blue-green",
            "target": ["service_switch": ["service": "storefront", "namespace": "prod", "kube_context": FakeKube.context,
                                          "previous_selector": ["app": "storefront", "slot": "blue"]]],
        ])

        let argv = try #require(outcome.argv(containing: "patch"), "no kubectl patch in \(outcome.attempt)")
        #expect(argv.first == kube.kubectl)
        #expect(Array(argv.dropFirst().prefix(7)) == ["patch", "service", "storefront", "-n", "prod", "--context", FakeKube.context])
        let verification = outcome.attempt["verification"] as? String ?? ""
        #expect(verification.contains("selector {app=storefront,slot=blue}"), "\(verification)")
        let service = (kube.state()["objects"] as? [String: Any])?[serviceKey] as? [String: Any]
        let selector = (service?["spec"] as? [String: Any])?["selector"] as? [String: String]
        #expect(selector == ["app": "storefront", "slot": "blue"])
    }

    // MARK: The shared flow

    /// Ripcord's executors and a policy whose ladder is `action`. `for: 0s` and no delay: the SLO rule's
    /// own `for: 5s` is the wait. The cooldown would also stop a second rollback; the test shows none is
    /// even planned (one rollback per deployment, duplicate deliveries recognised).
    static func rollbackConfig(executor: String, action: String) -> String {
        """
        executors:
        \(executor)
        policies:
          - name: slo-burn
            match: ['severity="critical"', 'slo="availability"']
            deployment: {service: service, namespace: namespace}
            for: 0s
            delay: 0s
            cancel_on_resolve: true
            actions: [\(action)]
            retries: 0
            cooldown: 30m
        limits:
          max_rollbacks: 5
          window: 1h
          concurrency: 2
        deployments:
          default_soak: 30m
        """
    }

    /// What the flow found: the finished rollback's one attempt.
    struct Outcome {
        let attempt: [String: Any]

        /// The argv of the attempt's step whose second word is `verb` (from the recorded request).
        func argv(containing verb: String) -> [String]? {
            guard let request = attempt["request"] as? String,
                  let object = try? JSONSerialization.jsonObject(with: Data(request.utf8)) as? [String: Any],
                  let steps = object["steps"] as? [[String: Any]] else { return nil }
            return steps.compactMap { $0["argv"] as? [String] }.first { $0.count > 1 && $0[1] == verb }
        }
    }

    /// Deploy recorded → errors on → alert fires → rollback audited (delivery, decision, attempt with its
    /// argv, success, verification) → Alertmanager re-sends → errors off → resolved delivery recorded →
    /// past another group_interval: still one rollback and one `action` call of the fake tool.
    static func drive(_ stack: MonitoringStack, kube: FakeKube, action: String, deployment: [String: Any]) async throws -> Outcome {
        let service = deployment["service"] as! String

        // 1. CI records the deployment through the API, with the deployer token.
        let recorded = stack.ripcord("/api/v1/deployments", method: "POST", token: Secrets.deployerToken, json: deployment)
        try #require(recorded?.status == 201, "POST /api/v1/deployments: \(recorded?.status ?? 0) \(recorded?.bodyText ?? "no answer")")
        let deploymentID = try #require(recorded?.json["id"] as? Int)

        // 2. The release is bad: half the requests fail.
        try #require(stack.setErrorRatio(0.5), "could not switch the demo service's errors on")

        // 3. Prometheus fires HighErrorRate (5 s), Alertmanager groups it (1 s) and posts it; Ripcord rolls back.
        var summary: [String: Any] = [:]
        try await stack.waitFor("the SLO alert to fire and Ripcord's rollback of \(service) to finish (GET /api/v1/rollbacks)",
                                timeout: 45) {
            guard let first = (stack.read("/api/v1/rollbacks")["rollbacks"] as? [[String: Any]])?.first,
                  let status = first["status"] as? String, ["succeeded", "failed", "cancelled"].contains(status) else { return false }
            summary = first
            return true
        }
        let rollbackID = try #require(summary["id"] as? Int)
        let detail = stack.read("/api/v1/rollbacks/\(rollbackID)")
        try #require(detail["status"] as? String == "succeeded",
                     "rollback \(rollbackID) is \(detail["status"] ?? "?"): \(detail["reason"] ?? "")\n\(stack.diagnostics())")
        #expect(detail["service"] as? String == service)
        #expect(detail["policy"] as? String == "slo-burn")
        let record = detail["deployment_record"] as? [String: Any]
        #expect(record?["id"] as? Int == deploymentID)
        #expect(record?["state"] as? String == "rolled_back")

        // The trigger is the alert Alertmanager delivered, and the delivery is in the audit log.
        let triggers = detail["triggers"] as? [[String: Any]] ?? []
        #expect(triggers.map { $0["alertname"] as? String } == ["HighErrorRate"])
        let firingDelivery = try #require(triggers.first?["delivery_id"] as? Int)
        let received = stack.read("/api/v1/audit?kind=delivery.received")["events"] as? [[String: Any]] ?? []
        let delivery = received.first { $0["delivery_id"] as? Int == firingDelivery }
        #expect(delivery?["actor"] as? String == "alertmanager", "the delivery came with the alertmanager credential: \(received)")
        #expect((delivery?["summary"] as? String)?.contains("firing") == true)

        // The decision: matched by the policy, for this deployment.
        let decisions = detail["decisions"] as? [[String: Any]] ?? []
        let matched = decisions.first { $0["outcome"] as? String == "matched" }
        #expect(matched?["policy"] as? String == "slo-burn")
        #expect(matched?["deployment_id"] as? Int == deploymentID)
        #expect(matched?["alert_status"] as? String == "firing")

        // One attempt, succeeded and verified; every state change on the timeline.
        let attempts = detail["attempts"] as? [[String: Any]] ?? []
        try #require(attempts.count == 1, "attempts: \(attempts)")
        let attempt = attempts[0]
        #expect(attempt["outcome"] as? String == "succeeded")
        #expect((attempt["verification"] as? String)?.isEmpty == false)
        let kinds = (detail["timeline"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        for kind in ["rollback.pending", "decision", "rollback.running", "rollback.verifying", "rollback.attempt", "rollback.succeeded"] {
            #expect(kinds.contains(kind), "timeline of rollback \(rollbackID) lacks \(kind): \(kinds)")
        }
        let attemptEvents = stack.read("/api/v1/audit?rollback=\(rollbackID)&kind=rollback.attempt")["events"] as? [[String: Any]] ?? []
        let attemptData = attemptEvents.first?["data"] as? [String: Any]
        #expect(attemptData?["outcome"] as? String == "succeeded")
        #expect((attemptData?["request"] as? String)?.contains("\"\(action)\"") == true, "the audited request shows the \(action) argv")
        #expect(attemptData?["request"] as? String == attempt["request"] as? String)
        #expect(attemptData?["verification"] as? String == attempt["verification"] as? String)

        // 4. Alertmanager re-sends the unchanged group (repeat_interval 1s, at each group_interval):
        //    byte-identical, so Ripcord records it as a duplicate arrival and processes nothing again.
        try await stack.waitFor("Alertmanager to re-send the firing notification (a duplicate arrival, GET /api/v1/deliveries)",
                                timeout: 3 * MonitoringStack.groupInterval) {
            let list = stack.read("/api/v1/deliveries")["deliveries"] as? [[String: Any]] ?? []
            return list.contains { $0["status"] as? String == "firing" && ($0["duplicates"] as? Int ?? 0) >= 1 }
        }

        // 5. The errors stop; the alert resolves and Alertmanager says so.
        try #require(stack.setErrorRatio(0), "could not switch the demo service's errors off")
        var resolvedDelivery = 0
        try await stack.waitFor("the resolved notification to be stored and planned (GET /api/v1/deliveries)", timeout: 45) {
            let list = stack.read("/api/v1/deliveries")["deliveries"] as? [[String: Any]] ?? []
            guard let resolved = list.first(where: { $0["status"] as? String == "resolved" }), let id = resolved["id"] as? Int,
                  let planned = stack.read("/api/v1/deliveries/\(id)")["decisions"] as? [[String: Any]], !planned.isEmpty else { return false }
            resolvedDelivery = id
            return true
        }
        let resolvedDecisions = stack.read("/api/v1/deliveries/\(resolvedDelivery)")["decisions"] as? [[String: Any]] ?? []
        #expect(resolvedDecisions.map { $0["outcome"] as? String } == ["resolved"])
        #expect(resolvedDecisions.first?["rollback_id"] as? Int == rollbackID)

        // 6. Past another group_interval: still one rollback, one call that acted, nothing pending.
        try await Task.sleep(for: .seconds(MonitoringStack.groupInterval + 1))
        let rollbacks = stack.read("/api/v1/rollbacks")["rollbacks"] as? [[String: Any]] ?? []
        #expect(rollbacks.map { $0["id"] as? Int } == [rollbackID], "exactly one rollback: \(rollbacks)")
        #expect(rollbacks.first?["status"] as? String == "succeeded")
        let acted = kube.calls().filter { $0.argv.first == action }
        #expect(acted.count == 1, "one `\(action)` call of the fake tool: \(kube.calls().map { $0.argv })")
        // Every firing delivery was planned onto this one rollback: the first matched, any later one (a
        // group whose body changed) joined it as a further trigger.
        let deliveries = stack.read("/api/v1/deliveries")["deliveries"] as? [[String: Any]] ?? []
        for firing in deliveries where firing["status"] as? String == "firing" {
            let id = firing["id"] as? Int ?? 0
            let planned = stack.read("/api/v1/deliveries/\(id)")["decisions"] as? [[String: Any]] ?? []
            #expect(!planned.isEmpty && planned.allSatisfy { $0["rollback_id"] as? Int == rollbackID }, "delivery \(id): \(planned)")
            #expect(planned.map { $0["outcome"] as? String } == [id == firingDelivery ? "matched" : "duplicate"], "delivery \(id): \(planned)")
        }

        // What on-call sees: `ripcord rollback-history --server` lists the one rollback.
        let history = try await RipcordBinary.run(["rollback-history", "--server", stack.ripcordBase, "--token-file",
                                             stack.folder.path + "/secrets/reader.token", "--output", "csv"], in: stack.folder.path)
        #expect(history.status == 0, "\(history.stderr)")
        let rows = history.stdout.split(separator: "\n").dropFirst()
        #expect(rows.count == 1 && rows.first?.hasPrefix("\(rollbackID),succeeded,\(service),prod,") == true, "\(history.stdout)")

        return Outcome(attempt: attempt)
    }
}
