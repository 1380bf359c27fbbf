import RipcordCore

/// `kind: canary-weight-zero`: sends no more traffic to an ingress-nginx canary by setting its
/// `nginx.ingress.kubernetes.io/canary-weight` annotation to "0", then reads the Ingress back.
public struct CanaryWeightZeroExecutor: KubectlExecutor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { ExecutorKind.canaryWeightZero.rawValue }
    static let block = "canary"
    static let annotation = "nginx.ingress.kubernetes.io/canary-weight"

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    /// The canary Ingress, with the argv of each step.
    struct Plan {
        let target: KubectlTarget
        let ingress: String
        var annotate: [String] { target.argv(["annotate", "ingress", ingress], ["--overwrite", "\(CanaryWeightZeroExecutor.annotation)=0"]) }
        var get: [String] { target.getArgv("ingress", ingress) }
    }

    func plan(_ job: RollbackJob) -> Result<Plan, ExecutorFailure> {
        resolve(job).flatMap { block, target in
            Result { () throws(ExecutorFailure) -> Plan in Plan(target: target, ingress: try block.argument("ingress")) }
        }
    }

    static func weight(_ ingress: JSONValue?) -> String? {
        ingress?.at("metadata", "annotations")?[annotation]?.string
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        plan(job).map { RequestRecord.json(["steps": [["argv": $0.annotate], ["argv": $0.get]], "timeout": config.timeoutSeconds]) }
    }

    public func execute(_ context: ExecutionContext) async -> ExecutorOutcome {
        let plan: Plan
        switch self.plan(context.job) {
        case .success(let found): plan = found
        case .failure(let failure): return .unrunnable(failure)
        }
        var steps = steps(context)
        let annotate = await steps.run(plan.annotate)
        guard annotate.succeeded else { return steps.failure(of: annotate, permanent: KubectlTarget.permanentErrors) }
        steps.verifying()
        let (read, ingress) = await KubectlTarget.read(plan.get, &steps)
        guard read.succeeded else { return steps.failure(of: read, permanent: KubectlTarget.permanentErrors) }
        let weight = Self.weight(ingress)
        let canary = ingress?.at("metadata", "annotations")?["nginx.ingress.kubernetes.io/canary"]?.string
        var text = "ingress \(plan.ingress) in \(plan.target.namespace) (\(plan.target.context)): \(Self.annotation) is \(weight.map { "\"\($0)\"" } ?? "missing"); expected \"0\""
        if canary != "true" { text += " (note: nginx.ingress.kubernetes.io/canary is not \"true\", so this Ingress is not a canary)" }
        guard weight == "0" else { return steps.failed("the canary weight did not verify: \(text)", verification: text, retryable: true) }
        return steps.succeeded(text)
    }

    public func verifyOnly(_ job: RollbackJob) async -> Bool? {
        guard case .success(let plan) = plan(job) else { return nil }
        var steps = steps(nil, timeout: verifyOnlyTimeout(config))
        let (read, ingress) = await KubectlTarget.read(plan.get, &steps)
        guard read.succeeded, ingress != nil else { return nil }
        return Self.weight(ingress) == "0"
    }

    public func lockKeys(_ job: RollbackJob) -> [String] {
        guard let (block, target) = resolveNames(job), let ingress = block.values["ingress"]?.string else { return [] }
        return [target.lockKey("ingress", ingress)]
    }
}
