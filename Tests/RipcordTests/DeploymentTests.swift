import CurlClient
import Foundation
import SQLiteDB
import Testing

/// The example body: a canary of checkout with a Helm target.
var exampleDeployment: [String: Any] { [
    "service": "checkout", "namespace": "prod", "cluster": "eu-1", "environment": "production",
    "version": "1.4.2", "previous_version": "1.4.1", "strategy": "canary", "soak": "30m",
    "labels": ["team": "payments"], "idempotency_key": "ci-run-8812",
    "target": ["helm": ["release": "checkout", "namespace": "prod", "revision": 42,
                        "previous_revision": 41, "kube_context": "eu-1"]],
] }

extension RunningServer {
    /// Posts a deployment as a pipeline does (deployer credential, JSON).
    func recordDeployment(_ body: [String: Any], auth: [(String, String)] = Secrets.deployer,
                          contentType: String = "application/json") throws -> HTTPClientResponse {
        try send("POST", "/api/v1/deployments", headers: auth + [("Content-Type", contentType)],
                 body: Array(try JSONSerialization.data(withJSONObject: body)))
    }

    /// Records `body` with the deployer credential and returns the new deployment's id.
    func recordedID(_ body: [String: Any]) throws -> Int {
        let response = try recordDeployment(body)
        #expect(response.status == 201, "\(response.bodyText)")
        return try #require(response.json["id"] as? Int)
    }

    func promote(_ id: Int, auth: [(String, String)] = Secrets.deployer) throws -> HTTPClientResponse {
        try send("POST", "/api/v1/deployments/\(id)/promote", headers: auth)
    }

    /// `GET /api/v1/deployments?QUERY` as the reader; the deployments it lists.
    func listDeployments(_ query: String = "") throws -> [[String: Any]] {
        let response = try get("/api/v1/deployments" + (query.isEmpty ? "" : "?" + query))
        #expect(response.status == 200, "\(response.bodyText)")
        return response.json["deployments"] as? [[String: Any]] ?? []
    }

    /// Adds a pending rollback of a deployment directly in the database, as the planner would; it is
    /// not due for centuries, so a running engine never starts it.
    func insertPendingRollback(deploymentID: Int) throws -> Int64 {
        let db = try Database(path: application.store.path)
        try db.run("""
            INSERT INTO rollbacks (deployment_id, policy, service, namespace, status, actions, created_at, not_before, updated_at)
            VALUES (?, 'error-budget', 'checkout', 'prod', 'pending', '["helm"]', '2026-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')
            """, [.int(deploymentID)])
        return db.lastInsertRowID
    }

    func rollback(_ id: Int64) throws -> Row? {
        try Database(path: application.store.path).queryOne("SELECT status, reason FROM rollbacks WHERE id = ?", [.integer(id)])
    }
}

/// `body` with some fields replaced (`NSNull()` removes one).
func deployment(_ changes: [String: Any], from body: [String: Any] = exampleDeployment) -> [String: Any] {
    var out = body
    for (key, value) in changes { out[key] = value is NSNull ? nil : value }
    return out
}

@Suite("Deployments API", .serialized)
struct DeploymentTests {
    @Test("recording a deployment answers 201 with the stored record, which reads back the same")
    func recordAnswers201() throws {
        let server = try RunningServer()
        let response = try server.recordDeployment(exampleDeployment)
        #expect(response.status == 201, "\(response.bodyText)")
        let record = response.json
        let id = try #require(record["id"] as? Int)
        #expect(response.header("Location") == "/api/v1/deployments/\(id)")
        #expect(record["state"] as? String == "active")
        #expect(record["service"] as? String == "checkout")
        #expect(record["cluster"] as? String == "eu-1")
        #expect(record["strategy"] as? String == "canary")
        #expect(record["soak"] as? String == "30m")
        #expect(record["soak_seconds"] as? Double == 1800)
        #expect(record["recorded_by"] as? String == "ci")
        #expect((record["labels"] as? [String: String]) == ["team": "payments"])
        let helm = (record["target"] as? [String: Any])?["helm"] as? [String: Any]
        #expect(helm?["revision"] as? Int == 42)
        #expect(helm?["kube_context"] as? String == "eu-1")
        #expect(record["promoted_at"] is NSNull)
        #expect(record["superseded_by"] is NSNull)

        let shown = try server.get("/api/v1/deployments/\(id)")
        #expect(shown.status == 200)
        #expect(shown.bodyText == response.bodyText)
    }

    @Test("without soak the window is the config's deployments.default_soak")
    func defaultSoakFromConfig() throws {
        let folder = try TestFolder()
        _ = try folder.writeStandardConfig(extra: "deployments:\n  default_soak: 2h")
        let server = try RunningServer(folder: folder)
        let response = try server.recordDeployment(deployment(["soak": NSNull(), "idempotency_key": NSNull()]))
        #expect(response.status == 201, "\(response.bodyText)")
        #expect(response.json["soak"] as? String == "2h")
        #expect(response.json["soak_seconds"] as? Double == 7200)
    }

    @Test("the same idempotency key twice returns the first record with 200 and stores nothing new")
    func idempotencyKeyReturnsFirstRecord() throws {
        let server = try RunningServer()
        let first = try server.recordDeployment(exampleDeployment)
        #expect(first.status == 201)
        let again = try server.recordDeployment(deployment(["version": "1.4.3"]))
        #expect(again.status == 200, "\(again.bodyText)")
        #expect(again.json["id"] as? Int == first.json["id"] as? Int)
        #expect(again.json["version"] as? String == "1.4.2")
        #expect(again.json["state"] as? String == "active")
        #expect(try server.listDeployments().count == 1)

        let otherRun = try server.recordDeployment(deployment(["idempotency_key": "ci-run-8813"]))
        #expect(otherRun.status == 201)
        #expect(try server.listDeployments().count == 2)
    }

    struct BadBody: CustomStringConvertible, Sendable {
        let description: String
        let changes: @Sendable () -> [String: Any]
        let field: String
        let words: [String]
    }

    static let badBodies: [BadBody] = [
        BadBody(description: "service with capitals", changes: { ["service": "Checkout"] }, field: "service", words: ["Kubernetes name"]),
        BadBody(description: "namespace missing", changes: { ["namespace": NSNull()] }, field: "namespace", words: ["required"]),
        BadBody(description: "cluster with an underscore", changes: { ["cluster": "eu_1"] }, field: "cluster", words: ["Kubernetes name"]),
        BadBody(description: "service longer than 63", changes: { ["service": String(repeating: "a", count: 64)] }, field: "service", words: ["at most 63"]),
        BadBody(description: "version missing", changes: { ["version": NSNull()] }, field: "version", words: ["required"]),
        BadBody(description: "version a number", changes: { ["version": 142] }, field: "version", words: ["string"]),
        BadBody(description: "unknown strategy", changes: { ["strategy": "big-bang"] }, field: "strategy", words: ["rolling", "blue-green", "canary"]),
        BadBody(description: "soak not a duration", changes: { ["soak": "30 minutes"] }, field: "soak", words: ["duration"]),
        BadBody(description: "soak of zero", changes: { ["soak": "0s"] }, field: "soak", words: ["longer than 0s"]),
        BadBody(description: "label value not a string", changes: { ["labels": ["team": 5]] }, field: "labels.team", words: ["string"]),
        BadBody(description: "empty idempotency key", changes: { ["idempotency_key": ""] }, field: "idempotency_key", words: ["empty"]),
        BadBody(description: "unknown top-level field", changes: { ["servce": "checkout"] }, field: "servce", words: ["not a field"]),
        BadBody(description: "target not an object", changes: { ["target": "helm"] }, field: "target", words: ["object"]),
        BadBody(description: "unknown target kind", changes: { ["target": ["helmfile": ["release": "x"]]] }, field: "target.helmfile", words: ["not a target kind", "helm"]),
        BadBody(description: "unknown helm field", changes: { ["target": ["helm": ["release": "checkout", "namespace": "prod", "chart": "x"]]] },
                field: "target.helm.chart", words: ["not a field of a helm target"]),
        BadBody(description: "helm release missing", changes: { ["target": ["helm": ["namespace": "prod"]]] }, field: "target.helm.release", words: ["required"]),
        BadBody(description: "helm release not a Kubernetes name", changes: { ["target": ["helm": ["release": "Checkout", "namespace": "prod"]]] },
                field: "target.helm.release", words: ["Kubernetes name"]),
        BadBody(description: "negative helm revision", changes: { ["target": ["helm": ["release": "checkout", "namespace": "prod", "revision": -1]]] },
                field: "target.helm.revision", words: ["positive integer"]),
        BadBody(description: "helm revision as text", changes: { ["target": ["helm": ["release": "checkout", "namespace": "prod", "previous_revision": "41"]]] },
                field: "target.helm.previous_revision", words: ["positive integer"]),
        BadBody(description: "kube_context with a space", changes: { ["target": ["helm": ["release": "checkout", "namespace": "prod", "kube_context": "eu 1"]]] },
                field: "target.helm.kube_context", words: ["whitespace"]),
        BadBody(description: "empty kube_context", changes: { ["target": ["flux": ["helmrelease": "checkout", "namespace": "prod", "kube_context": ""]]] },
                field: "target.flux.kube_context", words: ["empty"]),
        BadBody(description: "kubernetes kind job", changes: { ["target": ["kubernetes": ["kind": "job", "name": "checkout", "namespace": "prod"]]] },
                field: "target.kubernetes.kind", words: ["deployment", "statefulset", "daemonset"]),
        BadBody(description: "argocd history_id -1", changes: { ["target": ["argocd": ["app": "checkout", "history_id": -1]]] },
                field: "target.argocd.history_id", words: ["0 or more"]),
        BadBody(description: "service_switch selector as text", changes: { ["target": ["service_switch": ["service": "checkout", "namespace": "prod", "previous_selector": "app=checkout"]]] },
                field: "target.service_switch.previous_selector", words: ["object"]),
        BadBody(description: "ingress_switch previous_service missing", changes: { ["target": ["ingress_switch": ["ingress": "web", "namespace": "prod", "service": "checkout-green"]]] },
                field: "target.ingress_switch.previous_service", words: ["required"]),
    ]

    @Test("an invalid deployment gets 400 invalid_deployment naming the bad field, and nothing is stored", arguments: badBodies)
    func invalidDeploymentNamesField(_ bad: BadBody) throws {
        let server = try RunningServer()
        let response = try server.recordDeployment(deployment(bad.changes()))
        #expect(response.status == 400, "\(response.bodyText)")
        #expect(response.header("Content-Type") == "application/json")
        #expect(response.json["error"] as? String == "invalid_deployment")
        #expect(response.json["field"] as? String == bad.field, "\(response.bodyText)")
        let message = response.json["message"] as? String ?? ""
        for word in bad.words { #expect(message.contains(word), "\(message)") }
        #expect(try server.listDeployments().isEmpty)
    }

    @Test("every problem is listed in the message and the first is the field")
    func allProblemsListed() throws {
        let server = try RunningServer()
        let response = try server.recordDeployment(deployment(["service": "Checkout", "strategy": "yolo",
                                                              "target": ["helm": ["release": "checkout", "namespace": "prod", "revision": 0]]]))
        #expect(response.status == 400)
        #expect(response.json["field"] as? String == "service")
        let message = response.json["message"] as? String ?? ""
        #expect(message.hasPrefix("3 problems:"), "\(message)")
        for field in ["service:", "strategy:", "target.helm.revision:"] { #expect(message.contains(field), "\(message)") }
    }

    @Test("a body that is not a JSON object gets 400, and a body that is not declared as JSON gets 415")
    func notJSON() throws {
        let server = try RunningServer()
        for body in ["not json", "[]", ""] {
            let response = try server.send("POST", "/api/v1/deployments", headers: Secrets.deployer + [("Content-Type", "application/json")],
                                           body: Array(body.utf8))
            #expect(response.status == 400, "\(body)")
            #expect(response.json["error"] as? String == "invalid_deployment")
        }
        let text = try server.recordDeployment(exampleDeployment, contentType: "text/plain")
        #expect(text.status == 415)
        #expect(text.json["error"] as? String == "unsupported_media_type")
        #expect(try server.listDeployments().isEmpty)
    }

    @Test("every target kind in the contract is accepted with its fields")
    func everyTargetKindAccepted() throws {
        let server = try RunningServer()
        let target: [String: Any] = [
            "helm": ["release": "checkout", "namespace": "prod", "revision": 42, "previous_revision": 41, "kube_context": "arn:aws:eks:eu-west-1:1:cluster/eu-1"],
            "kubernetes": ["kind": "statefulset", "name": "checkout", "namespace": "prod", "to_revision": 3, "kube_context": "eu-1"],
            "service_switch": ["service": "checkout", "namespace": "prod", "previous_selector": ["app.kubernetes.io/name": "checkout", "slot": "blue"], "kube_context": "eu-1"],
            "ingress_switch": ["ingress": "checkout", "namespace": "prod", "service": "checkout-green", "previous_service": "checkout-blue", "kube_context": "eu-1"],
            "canary": ["ingress": "checkout-canary", "namespace": "prod", "kube_context": "eu-1"],
            "argo_rollout": ["name": "checkout", "namespace": "prod", "kube_context": "eu-1"],
            "argocd": ["app": "checkout", "app_namespace": "argocd", "project": "payments", "history_id": 7],
            "flux": ["helmrelease": "checkout", "namespace": "prod", "kube_context": "eu-1"],
        ]
        let response = try server.recordDeployment(deployment(["target": target]))
        #expect(response.status == 201, "\(response.bodyText)")
        let stored = response.json["target"] as? [String: Any] ?? [:]
        #expect(Set(stored.keys) == Set(target.keys))
        #expect((stored["service_switch"] as? [String: Any])?["previous_selector"] as? [String: String]
                == ["app.kubernetes.io/name": "checkout", "slot": "blue"])
    }

    @Test("a new deployment supersedes the active one of the same service, namespace and cluster, and cancels its pending rollback")
    func newDeploymentSupersedes() throws {
        let server = try RunningServer()
        let first = try server.recordedID(deployment(["idempotency_key": "run-1"]))
        let otherCluster = try server.recordedID(deployment(["idempotency_key": "run-2", "cluster": "us-1"]))
        let pending = try server.insertPendingRollback(deploymentID: first)

        let second = try server.recordedID(deployment(["idempotency_key": "run-3", "version": "1.4.3"]))
        let old = try server.get("/api/v1/deployments/\(first)").json
        #expect(old["state"] as? String == "superseded")
        #expect(old["superseded_by"] as? Int == second)
        let rollback = try #require(try server.rollback(pending))
        #expect(rollback.text("status") == "cancelled")
        #expect(rollback.text("reason") == "superseded by deployment \(second)")

        #expect(try server.get("/api/v1/deployments/\(second)").json["state"] as? String == "active")
        #expect(try server.get("/api/v1/deployments/\(otherCluster)").json["state"] as? String == "active")
        let active = try server.listDeployments("state=active").compactMap { $0["id"] as? Int }
        #expect(active == [second, otherCluster])
    }

    @Test("promote ends the soak: stable with promoted_at; promoting again is 409 and an unknown id 404")
    func promote() throws {
        let server = try RunningServer()
        let id = try server.recordedID(exampleDeployment)
        let promoted = try server.promote(id)
        #expect(promoted.status == 200, "\(promoted.bodyText)")
        #expect(promoted.json["state"] as? String == "stable")
        #expect(promoted.json["promoted_at"] is String)
        #expect(try server.get("/api/v1/deployments/\(id)").json["state"] as? String == "stable")

        let again = try server.promote(id)
        #expect(again.status == 409)
        #expect(again.json["error"] as? String == "not_active")
        #expect((again.json["message"] as? String)?.contains("stable") == true)

        let unknown = try server.promote(999)
        #expect(unknown.status == 404)
        #expect(unknown.json["error"] as? String == "not_found")
        #expect(try server.promote(0).status == 400)
    }

    @Test("a superseded deployment, or one with a rollback in progress, cannot be promoted")
    func promoteRefusedWhenNotActiveOrRollingBack() throws {
        let server = try RunningServer()
        let old = try server.recordedID(deployment(["idempotency_key": "run-1"]))
        _ = try server.recordedID(deployment(["idempotency_key": "run-2"]))
        #expect(try server.promote(old).status == 409)

        let other = try server.recordedID(deployment(["idempotency_key": "run-3", "service": "cart"]))
        _ = try server.insertPendingRollback(deploymentID: other)
        let refused = try server.promote(other)
        #expect(refused.status == 409)
        #expect((refused.json["message"] as? String)?.contains("rollback in progress") == true, "\(refused.bodyText)")
        #expect(try server.get("/api/v1/deployments/\(other)").json["state"] as? String == "active")
    }

    @Test("a deployment whose soak window passed without promotion becomes stable, unless a rollback is pending")
    func soakWindowEndsInStable() async throws {
        let server = try RunningServer()
        let quick = try server.recordedID(deployment(["idempotency_key": "run-1", "soak": "1s"]))
        let held = try server.recordedID(deployment(["idempotency_key": "run-2", "service": "cart", "soak": "1s"]))
        let long = try server.recordedID(deployment(["idempotency_key": "run-3", "service": "search"]))
        _ = try server.insertPendingRollback(deploymentID: held)
        #expect(try server.get("/api/v1/deployments/\(quick)").json["state"] as? String == "active")

        try await eventually("deployment \(quick) to become stable", timeout: 30) {
            (try? server.get("/api/v1/deployments/\(quick)").json["state"] as? String) == "stable"
        }
        let shown = try server.get("/api/v1/deployments/\(quick)").json
        #expect(shown["promoted_at"] is NSNull)
        #expect(try server.get("/api/v1/deployments/\(held)").json["state"] as? String == "active")
        #expect(try server.listDeployments("state=active").compactMap { $0["id"] as? Int } == [long, held])
        #expect(try server.listDeployments("state=stable").compactMap { $0["id"] as? Int } == [quick])
        // The change is stored, not only shown.
        let row = try Database(path: server.application.store.path).queryOne("SELECT state FROM deployments WHERE id = ?", [.int(quick)])
        #expect(row?.text("state") == "stable")
        // A stable deployment is not superseded by the next one.
        _ = try server.recordedID(deployment(["idempotency_key": "run-4"]))
        #expect(try server.get("/api/v1/deployments/\(quick)").json["state"] as? String == "stable")
    }

    @Test("recording needs role deployer or admin; reading needs reader, deployer or admin")
    func permissions() throws {
        let server = try RunningServer()
        let none = try server.recordDeployment(exampleDeployment, auth: [])
        #expect(none.status == 401)
        #expect(none.json["error"] as? String == "unauthorized")
        #expect(try server.recordDeployment(exampleDeployment, auth: [("Authorization", "Bearer wrong")]).status == 401)
        #expect(try server.recordDeployment(exampleDeployment, auth: Secrets.reader).status == 403)
        #expect(try server.recordDeployment(exampleDeployment, auth: Secrets.alertmanager).status == 403)
        #expect(try server.listDeployments().isEmpty)

        let id = try server.recordedID(exampleDeployment)
        #expect(try server.get("/api/v1/deployments", auth: []).status == 401)
        #expect(try server.get("/api/v1/deployments/\(id)", auth: Secrets.deployer).status == 200, "pipelines read what they record")
        #expect(try server.get("/api/v1/deployments/\(id)", auth: Secrets.alertmanager).status == 403)
        #expect(try server.promote(id, auth: Secrets.reader).status == 403)
        #expect(try server.get("/api/v1/deployments/\(id)", auth: Secrets.admin).status == 200)
        #expect(try server.promote(id, auth: Secrets.admin).status == 200)
        #expect(try server.recordDeployment(deployment(["idempotency_key": "run-admin"]), auth: Secrets.admin).status == 201)
    }

    @Test("list filters by service and state, newest first, and honours limit")
    func listFilters() throws {
        let server = try RunningServer()
        let a = try server.recordedID(deployment(["idempotency_key": "run-1"]))
        let b = try server.recordedID(deployment(["idempotency_key": "run-2", "service": "cart"]))
        let c = try server.recordedID(deployment(["idempotency_key": "run-3"]))
        func ids(_ query: String) throws -> [Int] { try server.listDeployments(query).compactMap { $0["id"] as? Int } }

        #expect(try ids("") == [c, b, a])
        #expect(try ids("service=checkout") == [c, a])
        #expect(try ids("service=checkout&state=active") == [c])
        #expect(try ids("state=superseded") == [a])
        #expect(try ids("service=payments").isEmpty)
        #expect(try ids("limit=1") == [c])

        for (query, field) in [("state=sleeping", "state"), ("service=Cart", "service"), ("limit=0", "limit"), ("owner=me", "owner")] {
            let response = try server.get("/api/v1/deployments?\(query)")
            #expect(response.status == 400, "\(query)")
            #expect(response.json["field"] as? String == field, "\(query): \(response.bodyText)")
        }
        #expect(try server.get("/api/v1/deployments/424242").status == 404)
        #expect(try server.get("/api/v1/deployments/abc").status == 400)
    }
}
