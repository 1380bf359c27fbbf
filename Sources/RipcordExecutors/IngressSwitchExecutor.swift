import RipcordCore

/// `kind: ingress-switch`: points every Ingress backend that names the new Service back at the
/// recorded previous Service (a JSON patch built from the Ingress as read), then reads it back.
public struct IngressSwitchExecutor: KubectlExecutor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { ExecutorKind.ingressSwitch.rawValue }
    static let block = "ingress_switch"

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    /// The Ingress, the new and the previous Service, with the argv of each step.
    struct Plan {
        let target: KubectlTarget
        let ingress: String
        let service: String
        let previousService: String
        var get: [String] { target.getArgv("ingress", ingress) }
        func patch(_ body: String) -> [String] { target.argv(["patch", "ingress", ingress], ["--type=json", "-p", body]) }
    }

    /// One backend of an Ingress: where it is (a JSON pointer), what it serves, and the Service it names.
    struct Backend: Equatable {
        let pointer: String
        let label: String
        let service: String
    }

    func plan(_ job: RollbackJob) -> Result<Plan, ExecutorFailure> {
        resolve(job).flatMap { block, target in
            Result { () throws(ExecutorFailure) -> Plan in
                Plan(target: target, ingress: try block.argument("ingress"), service: try block.argument("service"),
                     previousService: try block.argument("previous_service"))
            }
        }
    }

    /// Every backend Service named by the Ingress (`spec.defaultBackend` and each rule path).
    static func backends(_ ingress: JSONValue?) -> [Backend] {
        var found: [Backend] = []
        if let name = ingress?.at("spec", "defaultBackend", "service", "name")?.string {
            found.append(Backend(pointer: "/spec/defaultBackend/service/name", label: "default backend", service: name))
        }
        for (i, rule) in (ingress?.at("spec", "rules")?.arrayValue ?? []).enumerated() {
            for (j, path) in (rule.at("http", "paths")?.arrayValue ?? []).enumerated() {
                guard let name = path.at("backend", "service", "name")?.string else { continue }
                let label = (rule["host"]?.string ?? "*") + (path["path"]?.string ?? "/")
                found.append(Backend(pointer: "/spec/rules/\(i)/http/paths/\(j)/backend/service/name", label: label, service: name))
            }
        }
        return found
    }

    /// A JSON patch that tests each backend still names `from` and replaces it with `to`.
    static func patch(_ backends: [Backend], from: String, to: String) -> String {
        let ops: [JSONValue] = backends.filter { $0.service == from }.flatMap { backend -> [JSONValue] in
            [.object(["op": .string("test"), "path": .string(backend.pointer), "value": .string(from)]),
             .object(["op": .string("replace"), "path": .string(backend.pointer), "value": .string(to)])]
        }
        return JSONText.compact(.array(ops))
    }

    static func text(_ backends: [Backend]) -> String {
        backends.isEmpty ? "no backends" : backends.map { "\($0.label) -> \($0.service)" }.joined(separator: ", ")
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        plan(job).map { plan in
            let example = Backend(pointer: "/spec/rules/0/http/paths/0/backend/service/name", label: "", service: plan.service)
            return RequestRecord.json(["steps": [["argv": plan.get],
                                                 ["argv": plan.patch(Self.patch([example], from: plan.service, to: plan.previousService)),
                                                  "note": "one test and replace per backend that names \(plan.service) in the Ingress as read"],
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
        let (read, ingress) = await KubectlTarget.read(plan.get, &steps)
        guard read.succeeded else { return steps.failure(of: read, permanent: KubectlTarget.permanentErrors) }
        guard ingress != nil else { return steps.failed("kubectl get ingress \(plan.ingress) printed no JSON object", retryable: true) }
        let before = Self.backends(ingress)
        let switching = before.filter { $0.service == plan.service }
        if switching.isEmpty {
            guard before.contains(where: { $0.service == plan.previousService }) else {
                return steps.failed("ingress \(plan.ingress) has no backend naming \(plan.service) or \(plan.previousService) (\(Self.text(before)))",
                                    retryable: false)
            }
            steps.note("no backend names \(plan.service); the Ingress already serves \(plan.previousService)")
        } else {
            let patch = await steps.run(plan.patch(Self.patch(before, from: plan.service, to: plan.previousService)))
            guard patch.succeeded else { return steps.failure(of: patch, permanent: KubectlTarget.permanentErrors) }
        }
        steps.verifying()
        let (check, after) = await KubectlTarget.read(plan.get, &steps)
        guard check.succeeded else { return steps.failure(of: check, permanent: KubectlTarget.permanentErrors) }
        let now = Self.backends(after)
        let switched = Set(switching.map(\.pointer))
        let ok = !now.contains { $0.service == plan.service }
            && now.filter { switched.contains($0.pointer) }.allSatisfy { $0.service == plan.previousService }
            && now.contains { $0.service == plan.previousService }
        let text = "ingress \(plan.ingress) in \(plan.target.namespace) (\(plan.target.context)): \(Self.text(now)); expected every backend that named \(plan.service) to name \(plan.previousService)"
        guard ok else { return steps.failed("the switch did not verify: \(text)", verification: text, retryable: true) }
        return steps.succeeded(text)
    }

    public func verifyOnly(_ job: RollbackJob) async -> Bool? {
        guard case .success(let plan) = plan(job) else { return nil }
        var steps = steps(nil, timeout: verifyOnlyTimeout(config))
        let (read, ingress) = await KubectlTarget.read(plan.get, &steps)
        guard read.succeeded, ingress != nil else { return nil }
        let backends = Self.backends(ingress)
        return !backends.contains { $0.service == plan.service } && backends.contains { $0.service == plan.previousService }
    }

    public func lockKeys(_ job: RollbackJob) -> [String] {
        guard let (block, target) = resolveNames(job), let ingress = block.values["ingress"]?.string else { return [] }
        return [target.lockKey("ingress", ingress)]
    }
}
