import RipcordCore

/// `kind: flux-suspend-helm-rollback`: suspends the Flux HelmRelease (so Flux does not upgrade the
/// release again), rolls the Helm release back as helm-rollback does, and checks that both hold.
public struct FluxSuspendHelmRollbackExecutor: Executor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { ExecutorKind.fluxSuspendHelmRollback.rawValue }
    static let suspend = #"{"spec":{"suspend":true}}"#

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    /// The HelmRelease and the Helm release behind it, with the argv of each step.
    struct Plan {
        let kubectl: KubectlTarget
        let helmRelease: String
        let release: HelmRelease
        var suspendArgv: [String] { kubectl.argv(["patch", "helmrelease", helmRelease], ["--type=merge", "-p", FluxSuspendHelmRollbackExecutor.suspend]) }
        var getArgv: [String] { kubectl.getArgv("helmrelease", helmRelease) }
        var caveat: String {
            "HelmRelease \(helmRelease) stays suspended: Git still holds the bad version; fix it in Git, then resume it (flux resume helmrelease \(helmRelease) -n \(kubectl.namespace))"
        }
    }

    /// The plan from the `flux` block (and the `helm` block when there is one); `locate` finds programs.
    func plan(_ job: RollbackJob, locate: Bool = true) -> Result<Plan, ExecutorFailure> {
        Result { () throws(ExecutorFailure) -> Plan in
            let flux = try TargetBlock.required("flux", in: job.deployment, for: kind).get()
            let helmBlock = try TargetBlock.optional("helm", in: job.deployment).get()
            let kubectl = locate ? try ToolLocator.locate("kubectl", configured: config.kubectlPath).get() : "kubectl"
            let helm = locate ? try ToolLocator.locate("helm", configured: config.helmPath).get() : "helm"
            return Plan(kubectl: try KubectlTarget.from(flux, program: kubectl), helmRelease: try flux.argument("helmrelease"),
                        release: try HelmRelease.from(helm: helmBlock, flux: flux, program: helm, timeout: config.timeoutSeconds))
        }
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        plan(job).map { plan in
            RequestRecord.json(["steps": [["argv": plan.suspendArgv]] + plan.release.describedSteps + [["argv": plan.getArgv]],
                                "timeout": config.timeoutSeconds])
        }
    }

    public func execute(_ context: ExecutionContext) async -> ExecutorOutcome {
        let plan: Plan
        switch self.plan(context.job) {
        case .success(let found): plan = found
        case .failure(let failure): return .unrunnable(failure)
        }
        var steps = CommandSteps(timeout: config.timeoutSeconds, killGrace: config.killGraceSeconds, context: context)
        let suspend = await steps.run(plan.suspendArgv)
        guard suspend.succeeded else { return steps.failure(of: suspend, permanent: KubectlTarget.permanentErrors) }
        let helmText: String
        switch await HelmRollbackSteps.run(plan.release, &steps) {
        case .verified(let text): helmText = text
        case .failed(var outcome):
            outcome.result.error += "; " + plan.caveat
            return outcome
        }
        let (read, helmRelease) = await KubectlTarget.read(plan.getArgv, &steps)
        guard read.succeeded else { return steps.failure(of: read, permanent: KubectlTarget.permanentErrors, context: plan.caveat) }
        let suspended = helmRelease?.at("spec", "suspend")?.boolValue ?? false
        let text = "\(helmText); helmrelease \(plan.helmRelease) in \(plan.kubectl.namespace) (\(plan.kubectl.context)): spec.suspend \(suspended); expected true. \(plan.caveat)"
        guard suspended else {
            return steps.failed("the HelmRelease is not suspended (Flux may undo the rollback): \(text)", verification: text, retryable: true)
        }
        return steps.succeeded(text)
    }

    public func verifyOnly(_ job: RollbackJob) async -> Bool? {
        guard case .success(let plan) = plan(job) else { return nil }
        var steps = CommandSteps(timeout: verifyOnlyTimeout(config), killGrace: config.killGraceSeconds, context: nil)
        let (read, helmRelease) = await KubectlTarget.read(plan.getArgv, &steps)
        guard read.succeeded, helmRelease != nil else { return nil }
        guard helmRelease?.at("spec", "suspend")?.boolValue == true else { return false }
        return await HelmRollbackSteps.isRolledBack(plan.release, &steps)
    }

    public func lockKeys(_ job: RollbackJob) -> [String] {
        guard case .success(let plan) = plan(job, locate: false) else { return [] }
        return [plan.kubectl.lockKey("helmrelease", plan.helmRelease), plan.release.lockKey]
    }
}
