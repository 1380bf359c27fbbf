import CurlClient
import RipcordCore

/// `kind: argocd-rollback`: through Argo CD's API, turns auto-sync off (Argo CD refuses a rollback
/// while it is on), rolls the Application back to a history entry, and waits for that sync to succeed.
/// Git still holds the bad version afterwards, so auto-sync stays off until a human acts.
public struct ArgoCDRollbackExecutor: Executor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { ExecutorKind.argocdRollback.rawValue }
    static let disableAutoSync = #"{"spec":{"syncPolicy":{"automated":null}}}"#

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    /// The Application and where to reach it, with the URL and body of each request.
    struct Plan {
        let server: String
        let app: String
        let appNamespace: String?
        let project: String?
        let historyID: Int?
        var appURL: String { server + "/api/v1/applications/" + app + query }
        var rollbackURL: String { server + "/api/v1/applications/" + app + "/rollback" + query }
        var query: String { appNamespace.map { "?appNamespace=\($0)" } ?? "" }
        var lockKey: String { "argocd:\(server)/" + (appNamespace.map { "\($0)/" } ?? "") + app }

        var patchBody: JSONValue {
            var body: [String: JSONValue] = ["name": .string(app), "patch": .string(ArgoCDRollbackExecutor.disableAutoSync),
                                             "patchType": .string("merge")]
            if let appNamespace { body["appNamespace"] = .string(appNamespace) }
            return .object(body)
        }

        func rollbackBody(_ id: Int) -> JSONValue {
            var body: [String: JSONValue] = ["name": .string(app), "id": .number(Double(id)), "prune": .bool(false)]
            if let appNamespace { body["appNamespace"] = .string(appNamespace) }
            return .object(body)
        }

        var caveat: String {
            "auto-sync of \(app) is off and stays off: Git still holds the bad version (Argo CD shows OutOfSync); revert it in Git, then re-enable auto-sync"
        }
    }

    /// One entry of `status.history`.
    struct HistoryEntry {
        let id: Int
        let revision: String
    }

    func plan(_ job: RollbackJob) -> Result<Plan, ExecutorFailure> {
        Result { () throws(ExecutorFailure) -> Plan in
            let block = try TargetBlock.required("argocd", in: job.deployment, for: kind).get()
            guard !config.server.isEmpty else { throw ExecutorFailure("executor \(name) has no server") }
            return Plan(server: config.server, app: try block.argument("app"), appNamespace: try block.optionalArgument("app_namespace"),
                        project: try block.optionalArgument("project"), historyID: block.number("history_id"))
        }
    }

    func headers(redacted: Bool) -> [(name: String, value: String)] {
        guard let token = config.token else { return [] }
        return [("Authorization", "Bearer " + (redacted ? RequestRecord.redacted : token))]
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        plan(job).map { plan in
            let auth = Dictionary(uniqueKeysWithValues: headers(redacted: true).map { ($0.name, $0.value) })
            let id = plan.historyID.map { JSONText.compact(plan.rollbackBody($0)) }
                ?? JSONText.compact(plan.rollbackBody(0)).replacingOccurrences(of: #""id":0"#, with: #""id":"<ID: the newest history entry before the current one>""#)
            return RequestRecord.json(["steps": [
                ["method": "GET", "url": plan.appURL, "headers": auth],
                ["method": "PATCH", "url": plan.appURL, "headers": auth, "body": JSONText.compact(plan.patchBody),
                 "note": "only while spec.syncPolicy.automated is set"],
                ["method": "POST", "url": plan.rollbackURL, "headers": auth, "body": id],
                ["method": "GET", "url": plan.appURL, "headers": auth, "note": "repeated until the rollback's sync ends"],
            ], "timeout": config.timeoutSeconds])
        }
    }

    static func history(_ app: JSONValue) -> [HistoryEntry] {
        (app.at("status", "history")?.arrayValue ?? []).compactMap { entry in
            guard let id = entry["id"]?.int, let revision = entry["revision"]?.string else { return nil }
            return HistoryEntry(id: id, revision: revision)
        }.sorted { $0.id < $1.id }
    }

    static func autoSync(_ app: JSONValue) -> Bool {
        if let automated = app.at("spec", "syncPolicy", "automated"), automated != .null { return true }
        return false
    }

    /// The history entry to go back to: the recorded one, else the newest before the current with another revision.
    static func entry(_ app: JSONValue, _ plan: Plan) -> Result<HistoryEntry, ExecutorFailure> {
        let history = history(app)
        if let id = plan.historyID {
            guard let entry = history.first(where: { $0.id == id }) else {
                return .failure(ExecutorFailure("application \(plan.app) has no history entry \(id) (ids: \(history.map { String($0.id) }.joined(separator: ", ")))"))
            }
            return .success(entry)
        }
        guard let current = history.last,
              let entry = history.last(where: { $0.id < current.id && $0.revision != current.revision }) else {
            return .failure(ExecutorFailure("application \(plan.app) has no earlier history entry to roll back to"))
        }
        return .success(entry)
    }

    /// What the Application says about the rollback's sync.
    static func syncState(_ app: JSONValue) -> (phase: String, operationRevision: String, syncRevision: String, message: String) {
        (app.at("status", "operationState", "phase")?.string ?? "",
         app.at("status", "operationState", "operation", "sync", "revision")?.string ?? "",
         app.at("status", "sync", "revision")?.string ?? "",
         app.at("status", "operationState", "message")?.string ?? "")
    }

    public func execute(_ context: ExecutionContext) async -> ExecutorOutcome {
        let plan: Plan
        switch self.plan(context.job) {
        case .success(let found): plan = found
        case .failure(let failure): return .unrunnable(failure)
        }
        let auth = headers(redacted: false)
        var steps = HTTPSteps(timeout: config.timeoutSeconds, caFile: config.caFile)
        let read = await steps.send("GET", plan.appURL, headers: auth)
        guard case .success(let response) = read, response.status == 200, let app = JSONText.parse(response.bodyText) else {
            return steps.failure("GET application \(plan.app)", read)
        }
        if let project = plan.project, let actual = app.at("spec", "project")?.string, actual != project {
            return steps.failed("application \(plan.app) belongs to project \(actual), not \(project) as the deployment recorded; not touching it",
                                retryable: false)
        }
        let entry: HistoryEntry
        switch Self.entry(app, plan) {
        case .success(let found): entry = found
        case .failure(let failure): return steps.failed(failure.message, retryable: false)
        }
        let before = Self.syncState(app)
        if !Self.autoSync(app) && before.phase == "Succeeded" && before.operationRevision == entry.revision
            && before.syncRevision == entry.revision {
            // An earlier attempt (or a run before a crash) already did it.
            context.verifying()
            return steps.succeeded("application \(plan.app) is already synced to \(entry.revision) (history entry \(entry.id)) by a Succeeded rollback. \(plan.caveat)")
        }
        steps.note("rolling back to history entry \(entry.id), revision \(entry.revision)")
        if Self.autoSync(app) {
            let patch = await steps.send("PATCH", plan.appURL, headers: auth, body: plan.patchBody)
            guard case .success(let answer) = patch, answer.status == 200 else {
                return steps.failure("PATCH application \(plan.app) (turning auto-sync off)", patch)
            }
        } else {
            steps.note("auto-sync is already off")
        }
        let rollback = await steps.send("POST", plan.rollbackURL, headers: auth, body: plan.rollbackBody(entry.id))
        guard case .success(let answer) = rollback, answer.status == 200 else {
            return steps.failure("POST rollback of \(plan.app) to history entry \(entry.id)", rollback, context: plan.caveat)
        }
        context.verifying()
        var wait = 0.2
        while true {
            let poll = await steps.send("GET", plan.appURL, headers: auth)
            guard case .success(let response) = poll, response.status == 200, let app = JSONText.parse(response.bodyText) else {
                return steps.failure("GET application \(plan.app)", poll, context: plan.caveat)
            }
            let state = Self.syncState(app)
            let text = "application \(plan.app)\(plan.project.map { " (project \($0))" } ?? ""): operation \(state.phase.isEmpty ? "(none)" : state.phase) for revision \(state.operationRevision.isEmpty ? "(none)" : state.operationRevision), synced to \(state.syncRevision.isEmpty ? "(none)" : state.syncRevision); expected Succeeded at \(entry.revision) (history entry \(entry.id)). \(plan.caveat)"
            if state.operationRevision == entry.revision && ["Succeeded", "Failed", "Error"].contains(state.phase) {
                guard state.phase == "Succeeded", state.syncRevision == entry.revision, !Self.autoSync(app) else {
                    return steps.failed("the rollback did not verify: \(text)", verification: text, retryable: false)
                }
                return steps.succeeded(text)
            }
            guard await steps.pause(wait) else {
                return steps.failed("the rollback's sync did not end in time: \(text)", verification: text, retryable: true, timedOut: true)
            }
            wait = min(wait * 2, 2)
        }
    }

    public func verifyOnly(_ job: RollbackJob) async -> Bool? {
        guard case .success(let plan) = plan(job), plan.historyID != nil else { return nil }
        var steps = HTTPSteps(timeout: verifyOnlyTimeout(config), caFile: config.caFile)
        let read = await steps.send("GET", plan.appURL, headers: headers(redacted: false))
        guard case .success(let response) = read, response.status == 200, let app = JSONText.parse(response.bodyText),
              case .success(let entry) = Self.entry(app, plan) else { return nil }
        let state = Self.syncState(app)
        return !Self.autoSync(app) && state.phase == "Succeeded" && state.syncRevision == entry.revision
            && state.operationRevision == entry.revision
    }

    public func lockKeys(_ job: RollbackJob) -> [String] {
        guard case .success(let plan) = plan(job) else { return [] }
        return [plan.lockKey]
    }
}
