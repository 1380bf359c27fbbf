import RipcordCore

/// One namespaced object kubectl works on, with the context and namespace from the deployment (never
/// the kubeconfig's defaults: every argv carries `-n` and `--context`).
struct KubectlTarget: Sendable {
    /// The kubectl program (absolute path).
    var kubectl: String
    let namespace: String
    let context: String

    /// `kubectl WORDS -n NS --context C FLAGS`.
    func argv(_ words: [String], _ flags: [String] = []) -> [String] {
        [kubectl] + words + ["-n", namespace, "--context", context] + flags
    }

    /// `kubectl get TYPE NAME -n NS --context C -o json`.
    func getArgv(_ type: String, _ name: String) -> [String] { argv(["get", type, name], ["-o", "json"]) }

    /// `TYPE:CONTEXT/NS/NAME`, the lock key of an object.
    func lockKey(_ type: String, _ name: String) -> String { "\(type):\(context)/\(namespace)/\(name)" }

    /// The target from a block's `namespace` and `kube_context` (or the deployment's cluster).
    static func from(_ block: TargetBlock, program: String) throws(ExecutorFailure) -> KubectlTarget {
        KubectlTarget(kubectl: program, namespace: try block.argument("namespace"), context: try block.kubeContext())
    }

    /// Reads an object with `kubectl get -o json`; the step, and the object when it printed one.
    static func read(_ argv: [String], _ steps: inout CommandSteps) async -> (StepResult, JSONValue?) {
        let step = await steps.run(argv)
        return (step, step.succeeded ? JSONText.parse(step.output) : nil)
    }

    /// kubectl errors no retry can fix.
    static let permanentErrors = ["(NotFound)", "(Forbidden)", "(Invalid)", "unknown flag", "unknown shorthand flag",
                                  "the server doesn't have a resource type", "unable to find specified revision",
                                  "error: no context exists"]
}

/// What every kubectl executor has: its config, its block, the program, and how it reads a job.
protocol KubectlExecutor: Executor {
    var config: ExecutorConfig { get }
    /// The deployment `target` block it reads.
    static var block: String { get }
}

extension KubectlExecutor {
    /// The block and the target, with kubectl found.
    func resolve(_ job: RollbackJob) -> Result<(TargetBlock, KubectlTarget), ExecutorFailure> {
        Result { () throws(ExecutorFailure) -> (TargetBlock, KubectlTarget) in
            let block = try TargetBlock.required(Self.block, in: job.deployment, for: kind).get()
            let program = try ToolLocator.locate("kubectl", configured: config.kubectlPath).get()
            return (block, try KubectlTarget.from(block, program: program))
        }
    }

    /// The block and the target without looking for kubectl (for lock keys).
    func resolveNames(_ job: RollbackJob) -> (TargetBlock, KubectlTarget)? {
        guard case .success(let block) = TargetBlock.required(Self.block, in: job.deployment, for: kind),
              let target = try? KubectlTarget.from(block, program: "kubectl") else { return nil }
        return (block, target)
    }

    /// A fresh step runner with this executor's timeout.
    func steps(_ context: ExecutionContext?, timeout: Double? = nil) -> CommandSteps {
        CommandSteps(timeout: timeout ?? config.timeoutSeconds, killGrace: config.killGraceSeconds, context: context)
    }
}
