import RipcordCore

/// One block of a deployment's `target` (`helm`, `kubernetes`, ...), checked again as
/// `DeploymentTargetValidator` checked it when it was recorded, and each value checked by
/// `ArgvSafety` before it reaches an argument or a URL.
struct TargetBlock: Sendable {
    /// The block's kind, e.g. `helm`.
    let kind: String
    /// Its fields.
    let values: [String: JSONValue]
    /// The deployment it belongs to.
    let deployment: Deployment

    /// The block, or why an executor cannot use it: the deployment has none, or it is not valid.
    static func required(_ kind: String, in deployment: Deployment, for executorKind: String) -> Result<TargetBlock, ExecutorFailure> {
        switch optional(kind, in: deployment) {
        case .failure(let failure): return .failure(failure)
        case .success(nil):
            return .failure(ExecutorFailure("deployment \(deployment.id) (\(deployment.service) \(deployment.version)) has no target.\(kind) block, which \(executorKind) needs"))
        case .success(let block?): return .success(block)
        }
    }

    /// The block when the deployment has one (nil when not), or why it is not valid.
    static func optional(_ kind: String, in deployment: Deployment) -> Result<TargetBlock?, ExecutorFailure> {
        guard let value = deployment.target[kind], value != .null else { return .success(nil) }
        let problems = DeploymentTargetValidator.problems(.object([kind: value]))
        if let first = problems.first {
            return .failure(ExecutorFailure("deployment \(deployment.id): \(first.description); refusing to run"))
        }
        return .success(TargetBlock(kind: kind, values: value.object ?? [:], deployment: deployment))
    }

    /// A required string field, safe as an argument.
    func argument(_ field: String) throws(ExecutorFailure) -> String {
        guard let value = try optionalArgument(field) else {
            throw ExecutorFailure("target.\(kind).\(field) is required")
        }
        return value
    }

    /// An optional string field, safe as an argument when given.
    func optionalArgument(_ field: String) throws(ExecutorFailure) -> String? {
        guard let raw = values[field], raw != .null else { return nil }
        guard let text = raw.string else { throw ExecutorFailure("target.\(kind).\(field) must be a string") }
        if let problem = ArgvSafety.problem(text) { throw ExecutorFailure("target.\(kind).\(field) \(problem); refusing to run") }
        return text
    }

    /// An optional whole-number field.
    func number(_ field: String) -> Int? { values[field]?.int }

    /// The kubeconfig context: the block's `kube_context`, else the deployment's `cluster`. Never the
    /// kubeconfig's current context, which may point anywhere.
    func kubeContext() throws(ExecutorFailure) -> String {
        if let context = try optionalArgument("kube_context") { return context }
        let cluster = deployment.cluster
        guard !cluster.isEmpty else {
            throw ExecutorFailure("target.\(kind) has no kube_context and deployment \(deployment.id) no cluster; Ripcord never falls back to the kubeconfig's current context")
        }
        if let problem = ArgvSafety.problem(cluster) { throw ExecutorFailure("the deployment's cluster \(problem); refusing to run") }
        return cluster
    }
}
