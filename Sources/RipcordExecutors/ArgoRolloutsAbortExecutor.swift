import RipcordCore

/// `kind: argo-rollouts-abort`: aborts an Argo Rollout (as `kubectl argo rollouts abort` does: a merge
/// patch of `status.abort` on the status subresource), then waits for the Rollout to report it.
public struct ArgoRolloutsAbortExecutor: KubectlExecutor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { ExecutorKind.argoRolloutsAbort.rawValue }
    static let block = "argo_rollout"
    static let body = #"{"status":{"abort":true}}"#
    /// What kubectl or the server say when the status subresource cannot be patched this way.
    static let noSubresource = ["unknown flag: --subresource", "(NotFound)", "could not find the requested resource",
                                "subresource"]

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    /// The Rollout, with the argv of each step.
    struct Plan {
        let target: KubectlTarget
        let rollout: String
        var patchStatus: [String] { target.argv(["patch", "rollout", rollout], ["--type=merge", "--subresource=status", "-p", ArgoRolloutsAbortExecutor.body]) }
        var patchObject: [String] { target.argv(["patch", "rollout", rollout], ["--type=merge", "-p", ArgoRolloutsAbortExecutor.body]) }
        var get: [String] { target.getArgv("rollout", rollout) }
    }

    func plan(_ job: RollbackJob) -> Result<Plan, ExecutorFailure> {
        resolve(job).flatMap { block, target in
            Result { () throws(ExecutorFailure) -> Plan in Plan(target: target, rollout: try block.argument("name")) }
        }
    }

    /// `status.abort` and `status.phase` of a Rollout.
    static func state(_ rollout: JSONValue?) -> (abort: Bool, phase: String, message: String) {
        (rollout?.at("status", "abort")?.boolValue ?? false, rollout?.at("status", "phase")?.string ?? "",
         rollout?.at("status", "message")?.string ?? "")
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        plan(job).map { plan in
            RequestRecord.json(["steps": [["argv": plan.patchStatus],
                                          ["argv": plan.patchObject, "note": "only when the server rejects --subresource=status"],
                                          ["argv": plan.get, "note": "repeated until phase is Degraded or the timeout"]],
                                "timeout": config.timeoutSeconds])
        }
    }

    public func execute(_ context: ExecutionContext) async -> ExecutorOutcome {
        let plan: Plan
        switch self.plan(context.job) {
        case .success(let found): plan = found
        case .failure(let failure): return .unrunnable(failure)
        }
        var steps = steps(context)
        var patch = await steps.run(plan.patchStatus)
        if !patch.succeeded && !patch.timedOut && patch.launchError == nil
            && Self.noSubresource.contains(where: { patch.output.contains($0) }) {
            steps.note("the status subresource was refused; patching the Rollout object instead")
            patch = await steps.run(plan.patchObject)
        }
        guard patch.succeeded else { return steps.failure(of: patch, permanent: KubectlTarget.permanentErrors) }
        steps.verifying()
        var wait = 0.2
        while true {
            let (read, rollout) = await KubectlTarget.read(plan.get, &steps)
            guard read.succeeded else { return steps.failure(of: read, permanent: KubectlTarget.permanentErrors) }
            let state = Self.state(rollout)
            let text = "rollout \(plan.rollout) in \(plan.target.namespace) (\(plan.target.context)): status.abort \(state.abort), phase \(state.phase.isEmpty ? "(none)" : state.phase)\(state.message.isEmpty ? "" : " (\(state.message))"); expected abort true, phase Degraded"
            if state.abort && state.phase == "Degraded" { return steps.succeeded(text) }
            guard await steps.pause(wait) else {
                return steps.failed("the abort did not verify in time: \(text)", verification: text, retryable: true)
            }
            wait = min(wait * 2, 2)
        }
    }

    public func verifyOnly(_ job: RollbackJob) async -> Bool? {
        guard case .success(let plan) = plan(job) else { return nil }
        var steps = steps(nil, timeout: verifyOnlyTimeout(config))
        let (read, rollout) = await KubectlTarget.read(plan.get, &steps)
        guard read.succeeded, rollout != nil else { return nil }
        let state = Self.state(rollout)
        return state.abort && state.phase == "Degraded"
    }

    public func lockKeys(_ job: RollbackJob) -> [String] {
        guard let (block, target) = resolveNames(job), let rollout = block.values["name"]?.string else { return [] }
        return [target.lockKey("rollout", rollout)]
    }
}
