import RipcordCore

/// The configured executors by name, built from the config.
public struct ExecutorRegistry: Sendable {
    private let executors: [String: any Executor]

    /// Builds one executor per `executors:` entry.
    public init(configs: [ExecutorConfig]) {
        var built: [String: any Executor] = [:]
        for config in configs {
            switch config.kind {
            case .command: built[config.name] = CommandExecutor(config: config)
            case .webhook: built[config.name] = WebhookExecutor(config: config)
            case .helmRollback: built[config.name] = HelmRollbackExecutor(config: config)
            case .kubectlRolloutUndo: built[config.name] = KubectlRolloutUndoExecutor(config: config)
            case .serviceSelectorSwitch: built[config.name] = ServiceSelectorSwitchExecutor(config: config)
            case .ingressSwitch: built[config.name] = IngressSwitchExecutor(config: config)
            case .canaryWeightZero: built[config.name] = CanaryWeightZeroExecutor(config: config)
            case .argoRolloutsAbort: built[config.name] = ArgoRolloutsAbortExecutor(config: config)
            case .argocdRollback: built[config.name] = ArgoCDRollbackExecutor(config: config)
            case .fluxSuspendHelmRollback: built[config.name] = FluxSuspendHelmRollbackExecutor(config: config)
            }
        }
        executors = built
    }

    /// Builds a registry from executors made elsewhere (tests).
    public init(executors: [any Executor]) {
        self.executors = Dictionary(executors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The executor with this name.
    public subscript(_ name: String) -> (any Executor)? { executors[name] }

    /// What a policy's ladder would run for a deployment: each action's exact request, for dry-run and replay.
    public func describe(actions: [String], job: RollbackJob) -> String {
        actions.map { name in
            guard let executor = executors[name] else { return "\(name): no such executor" }
            switch executor.describe(job) {
            case .success(let request): return "\(name) (\(executor.kind)) \(request)"
            case .failure(let failure): return "\(name) (\(executor.kind)) cannot run: \(failure.message)"
            }
        }.joined(separator: "; then ")
    }
}
