import RipcordCore

/// `kind: kubectl-rollout-undo`: `kubectl rollout undo` of a Deployment, StatefulSet or DaemonSet
/// (to the recorded revision when there is one), then `kubectl rollout status` until it is rolled out.
public struct KubectlRolloutUndoExecutor: KubectlExecutor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { ExecutorKind.kubectlRolloutUndo.rawValue }
    static let block = "kubernetes"

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    /// The workload (`deployment/web`), the recorded revision, and the argv of both steps.
    struct Plan {
        let workload: String
        let toRevision: Int?
        let undo: [String]
        let status: [String]
    }

    func plan(_ job: RollbackJob) -> Result<Plan, ExecutorFailure> {
        resolve(job).flatMap { block, target in
            Result { () throws(ExecutorFailure) -> Plan in
                let workload = try block.argument("kind") + "/" + block.argument("name")
                let toRevision = block.number("to_revision")
                return Plan(workload: workload, toRevision: toRevision,
                            undo: target.argv(["rollout", "undo", workload], toRevision.map { ["--to-revision=\($0)"] } ?? []),
                            status: target.argv(["rollout", "status", workload], ["--timeout=\(ToolTimeout.flag(config.timeoutSeconds))"]))
            }
        }
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        plan(job).map { RequestRecord.json(["steps": [["argv": $0.undo], ["argv": $0.status]], "timeout": config.timeoutSeconds]) }
    }

    public func execute(_ context: ExecutionContext) async -> ExecutorOutcome {
        let plan: Plan
        switch self.plan(context.job) {
        case .success(let found): plan = found
        case .failure(let failure): return .unrunnable(failure)
        }
        var steps = steps(context)
        let undo = await steps.run(plan.undo)
        // "skipped rollback (current template already matches revision N)": already where it should be.
        let skipped = undo.succeeded && undo.output.contains("skipped rollback")
        guard undo.succeeded else {
            // Stopped at the deadline, the undo may or may not have reached the API server: never undo twice.
            return steps.failure(of: undo, permanent: KubectlTarget.permanentErrors,
                                 context: undo.timedOut ? "the undo may have been applied; not retried" : "",
                                 retryable: undo.timedOut ? false : nil)
        }
        steps.verifying()
        let status = await steps.run(plan.status)
        // A second undo is never safe: without a revision it goes back to the bad template, and the
        // recorded revision is renumbered by the first. Once an undo ran, a failing check escalates.
        guard status.succeeded else {
            return steps.failure(of: status, permanent: KubectlTarget.permanentErrors,
                                 context: skipped ? "" : "the undo was applied; not retried", retryable: skipped ? nil : false)
        }
        let target = plan.toRevision.map { "revision \($0)" } ?? "the previous revision"
        let how = skipped ? "already at \(target) (kubectl: skipped rollback)" : "undone to \(target)"
        return steps.succeeded("\(plan.workload) \(how); kubectl rollout status: \(status.summaryLine)")
    }

    public func verifyOnly(_ job: RollbackJob) async -> Bool? {
        // A rolled-out workload looks the same before and after an undo; this kind cannot tell.
        nil
    }

    public func lockKeys(_ job: RollbackJob) -> [String] {
        guard let (block, target) = resolveNames(job), let kindName = block.values["kind"]?.string,
              let name = block.values["name"]?.string else { return [] }
        return [target.lockKey(kindName, name)]
    }
}
