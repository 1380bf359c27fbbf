import Foundation
import MicroHTTPServer

/// A fake Argo CD API server on 127.0.0.1 (the project's own HTTPServer) with one Application. It
/// checks the Bearer token, enforces Argo CD's precondition (a rollback is refused with 400 "rollback
/// cannot be initiated when auto-sync is enabled" while `spec.syncPolicy.automated` is set), keeps
/// the history and the operation state, and answers errors in grpc-gateway's shape.
final class FakeArgoCD: @unchecked Sendable {
    /// One request as it arrived.
    struct Request {
        let method: String
        let path: String
        let query: [String: String]
        let authorization: String?
        let body: [String: Any]
    }

    let token: String
    private let lock = NSLock()
    private var app: [String: Any]
    private var requests: [Request] = []
    /// GETs that still show the rollback's operation as Running before it succeeds.
    private var runningReads = 0
    /// Reads that show Running after each rollback.
    var readsWhileRunning = 1
    /// The phase the rollback's operation ends in.
    var finalPhase = "Succeeded"
    private var pending: String?
    private var server: HTTPServer!

    var base: String { "http://127.0.0.1:\(server.port)" }

    init(token: String = "argocd-secret-token-0123") throws {
        self.token = token
        app = Self.application()
        server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
                            rejectionResponder: { _ in HTTPResponse(status: 413) },
                            handler: { [unowned self] request in self.handle(request) })
        try server.start()
    }

    deinit { server.stop() }

    /// Application `checkout` in project `payments`, auto-sync on, synced to the bad revision ccc333 (history 2).
    static func application() -> [String: Any] {
        [
            "metadata": ["name": "checkout", "namespace": "argocd"],
            "spec": ["project": "payments", "source": ["repoURL": "https://git.example.com/shop.git", "path": "checkout"],
                     "syncPolicy": ["automated": ["prune": true, "selfHeal": true]]],
            "status": [
                "sync": ["status": "Synced", "revision": "ccc333"],
                "history": [["id": 0, "revision": "aaa111"], ["id": 1, "revision": "bbb222"], ["id": 2, "revision": "ccc333"]],
                "operationState": ["phase": "Succeeded", "message": "successfully synced (all tasks run)",
                                   "operation": ["sync": ["revision": "ccc333"]]],
            ],
        ]
    }

    var application: [String: Any] { lock.withLock { app } }
    var received: [Request] { lock.withLock { requests } }

    func changeApplication(_ change: (inout [String: Any]) -> Void) { lock.withLock { change(&app) } }

    private func handle(_ request: HTTPRequest) -> HTTPResponse {
        lock.withLock {
            let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
            requests.append(Request(method: request.method, path: request.path,
                                    query: Dictionary(request.query.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a }),
                                    authorization: request.header("Authorization"), body: body))
            guard let authorization = request.header("Authorization") else {
                return error(401, 16, "no session information")
            }
            guard authorization == "Bearer \(token)" else { return error(401, 16, "invalid session: token signature is invalid") }
            let name = (app["metadata"] as? [String: Any])?["name"] as? String ?? ""
            let namespace = (app["metadata"] as? [String: Any])?["namespace"] as? String ?? ""
            if let wanted = request.queryValue("appNamespace") ?? body["appNamespace"] as? String, wanted != namespace {
                return error(404, 5, "applications.argoproj.io \"\(name)\" not found")
            }
            switch (request.method, request.path) {
            case ("GET", "/api/v1/applications/\(name)"):
                advance()
                return json(200, app)
            case ("PATCH", "/api/v1/applications/\(name)"):
                guard body["patchType"] as? String == "merge", let text = body["patch"] as? String,
                      let patch = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                    return error(400, 3, "error unmarshaling patch: unsupported patch or patchType")
                }
                app = Self.merge(app, patch)
                return json(200, app)
            case ("POST", "/api/v1/applications/\(name)/rollback"):
                let spec = app["spec"] as? [String: Any] ?? [:]
                if let policy = spec["syncPolicy"] as? [String: Any], let automated = policy["automated"], !(automated is NSNull) {
                    return error(400, 9, "rollback cannot be initiated when auto-sync is enabled")
                }
                let id = (body["id"] as? Int) ?? Int(body["id"] as? String ?? "")
                let history = (app["status"] as? [String: Any])?["history"] as? [[String: Any]] ?? []
                guard let id, let entry = history.first(where: { $0["id"] as? Int == id }), let revision = entry["revision"] as? String else {
                    return error(400, 3, "application \(name) does not have deployment with id \(body["id"] ?? "nil")")
                }
                var status = app["status"] as? [String: Any] ?? [:]
                status["operationState"] = ["phase": "Running", "message": "rollback in progress",
                                            "operation": ["sync": ["revision": revision, "prune": body["prune"] as? Bool ?? false]]]
                app["status"] = status
                pending = revision
                runningReads = readsWhileRunning
                return json(200, app)
            default:
                return error(404, 5, "Not Found")
            }
        }
    }

    /// After a few reads, the rollback's sync ends: the operation's phase, the synced revision, a history entry.
    private func advance() {
        guard let revision = pending else { return }
        if runningReads > 0 {
            runningReads -= 1
            return
        }
        pending = nil
        var status = app["status"] as? [String: Any] ?? [:]
        var operation = status["operationState"] as? [String: Any] ?? [:]
        operation["phase"] = finalPhase
        operation["message"] = finalPhase == "Succeeded" ? "successfully synced (all tasks run)" : "one or more objects failed to apply"
        status["operationState"] = operation
        if finalPhase == "Succeeded" {
            status["sync"] = ["status": "OutOfSync", "revision": revision]
            var history = status["history"] as? [[String: Any]] ?? []
            history.append(["id": (history.compactMap { $0["id"] as? Int }.max() ?? -1) + 1, "revision": revision])
            status["history"] = history
        }
        app["status"] = status
    }

    private func json(_ status: Int, _ object: Any) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "application/json")],
                     body: Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])))
    }

    private func error(_ status: Int, _ code: Int, _ message: String) -> HTTPResponse {
        json(status, ["error": message, "code": code, "message": message])
    }

    /// RFC 7386 merge patch.
    static func merge(_ target: [String: Any], _ patch: [String: Any]) -> [String: Any] {
        var result = target
        for (key, value) in patch {
            if value is NSNull { result.removeValue(forKey: key) }
            else if let object = value as? [String: Any] { result[key] = merge(result[key] as? [String: Any] ?? [:], object) }
            else { result[key] = value }
        }
        return result
    }
}
