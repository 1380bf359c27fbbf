import RipcordCore

/// `kind: service-selector-switch` (blue/green): points a Service's selector back at the recorded
/// previous one (keys it has now but did not have before are removed), then reads it back.
public struct ServiceSelectorSwitchExecutor: KubectlExecutor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { ExecutorKind.serviceSelectorSwitch.rawValue }
    static let block = "service_switch"

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    /// The Service and its previous selector, with the argv of each step.
    struct Plan {
        let target: KubectlTarget
        let service: String
        let previous: [String: String]
        var get: [String] { target.getArgv("service", service) }
        func patch(_ body: String) -> [String] { target.argv(["patch", "service", service], ["--type=merge", "-p", body]) }
    }

    func plan(_ job: RollbackJob) -> Result<Plan, ExecutorFailure> {
        resolve(job).flatMap { block, target in
            Result { () throws(ExecutorFailure) -> Plan in
                let service = try block.argument("service")
                var previous: [String: String] = [:]
                for (key, value) in block.values["previous_selector"]?.object ?? [:] {
                    guard let text = value.string else { throw ExecutorFailure("target.service_switch.previous_selector.\(key) must be a string") }
                    previous[key] = text
                }
                guard !previous.isEmpty else { throw ExecutorFailure("target.service_switch.previous_selector is required") }
                return Plan(target: target, service: service, previous: previous)
            }
        }
    }

    /// The merge patch that makes `current` equal `previous`: previous values, null for keys it lacks.
    static func patch(from current: [String: String], to previous: [String: String]) -> String {
        var selector: [String: JSONValue] = previous.mapValues { .string($0) }
        for key in current.keys where previous[key] == nil { selector[key] = .null }
        return JSONText.compact(.object(["spec": .object(["selector": .object(selector)])]))
    }

    static func selector(of service: JSONValue?) -> [String: String]? {
        guard let object = service?.at("spec", "selector")?.object else { return service == nil ? nil : [:] }
        return object.compactMapValues(\.string)
    }

    static func text(_ selector: [String: String]) -> String {
        "{" + selector.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        plan(job).map { plan in
            RequestRecord.json(["steps": [["argv": plan.get],
                                          ["argv": plan.patch(Self.patch(from: [:], to: plan.previous)),
                                           "note": "plus null for each selector key the Service has now that the previous selector lacks"],
                                          ["argv": plan.get]],
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
        let (read, service) = await KubectlTarget.read(plan.get, &steps)
        guard read.succeeded else { return steps.failure(of: read, permanent: KubectlTarget.permanentErrors) }
        guard let current = Self.selector(of: service) else {
            return steps.failed("kubectl get service \(plan.service) printed no JSON object", retryable: true)
        }
        if current == plan.previous {
            steps.note("the selector is already \(Self.text(current)); nothing to patch")
        } else {
            let patch = await steps.run(plan.patch(Self.patch(from: current, to: plan.previous)))
            guard patch.succeeded else { return steps.failure(of: patch, permanent: KubectlTarget.permanentErrors) }
        }
        steps.verifying()
        let (check, after) = await KubectlTarget.read(plan.get, &steps)
        guard check.succeeded else { return steps.failure(of: check, permanent: KubectlTarget.permanentErrors) }
        let found = Self.selector(of: after) ?? [:]
        let text = "service \(plan.service) in \(plan.target.namespace) (\(plan.target.context)): selector \(Self.text(found)); expected \(Self.text(plan.previous)) (was \(Self.text(current)))"
        guard found == plan.previous else { return steps.failed("the switch did not verify: \(text)", verification: text, retryable: true) }
        return steps.succeeded(text)
    }

    public func verifyOnly(_ job: RollbackJob) async -> Bool? {
        guard case .success(let plan) = plan(job) else { return nil }
        var steps = steps(nil, timeout: verifyOnlyTimeout(config))
        let (read, service) = await KubectlTarget.read(plan.get, &steps)
        guard read.succeeded, let current = Self.selector(of: service) else { return nil }
        return current == plan.previous
    }

    public func lockKeys(_ job: RollbackJob) -> [String] {
        guard let (block, target) = resolveNames(job), let service = block.values["service"]?.string else { return [] }
        return [target.lockKey("service", service)]
    }
}
