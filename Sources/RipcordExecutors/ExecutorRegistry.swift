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
