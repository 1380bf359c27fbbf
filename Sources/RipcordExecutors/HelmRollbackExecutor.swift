import RipcordCore

/// `kind: helm-rollback`: rolls a Helm release back to the explicit last-good revision and checks
/// with `helm status` that the release is deployed at a new "Rollback to N" revision.
public struct HelmRollbackExecutor: Executor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { ExecutorKind.helmRollback.rawValue }

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    /// The release from the deployment's `helm` block, with the helm program found.
    func release(_ job: RollbackJob) -> Result<HelmRelease, ExecutorFailure> {
        Result { () throws(ExecutorFailure) -> HelmRelease in
            let block = try TargetBlock.required("helm", in: job.deployment, for: kind).get()
            let program = try ToolLocator.locate("helm", configured: config.helmPath).get()
            return try HelmRelease.from(helm: block, program: program, timeout: config.timeoutSeconds)
        }
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        release(job).map { RequestRecord.json(["steps": $0.describedSteps, "timeout": config.timeoutSeconds]) }
    }

    public func execute(_ context: ExecutionContext) async -> ExecutorOutcome {
        let target: HelmRelease
        switch release(context.job) {
        case .success(let found): target = found
        case .failure(let failure): return .unrunnable(failure)
        }
        var steps = CommandSteps(timeout: config.timeoutSeconds, killGrace: config.killGraceSeconds, context: context)
        switch await HelmRollbackSteps.run(target, &steps) {
        case .verified(let text): return steps.succeeded(text)
        case .failed(let outcome): return outcome
        }
    }

    public func verifyOnly(_ job: RollbackJob) async -> Bool? {
        guard case .success(let target) = release(job) else { return nil }
        var steps = CommandSteps(timeout: verifyOnlyTimeout(config), killGrace: config.killGraceSeconds, context: nil)
        return await HelmRollbackSteps.isRolledBack(target, &steps)
    }

    public func lockKeys(_ job: RollbackJob) -> [String] {
        guard case .success(let block) = TargetBlock.required("helm", in: job.deployment, for: kind),
              let target = try? HelmRelease.from(helm: block, program: "helm", timeout: config.timeoutSeconds) else { return [] }
        return [target.lockKey]
    }
}
