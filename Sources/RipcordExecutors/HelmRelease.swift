import RipcordCore

/// A Helm release to roll back, as the deployment recorded it, with the exact argv of each helm step.
struct HelmRelease: Sendable {
    /// The helm program (absolute path).
    let helm: String
    let release: String
    let namespace: String
    let context: String
    /// The last good revision the deployment recorded (`previous_revision`), if it did.
    let previousRevision: Int?
    /// The revision the deployment created (`revision`), if it recorded it.
    let recordedRevision: Int?
    /// helm's own `--timeout` for `rollback --wait`.
    let waitTimeout: String

    /// `helm:CONTEXT/NS/RELEASE`.
    var lockKey: String { "helm:\(context)/\(namespace)/\(release)" }

    /// `helm history RELEASE -n NS --kube-context C -o json`.
    var historyArgv: [String] { [helm, "history", release, "-n", namespace, "--kube-context", context, "-o", "json"] }

    /// `helm rollback RELEASE REVISION -n NS --kube-context C --wait --timeout T`.
    func rollbackArgv(to revision: String) -> [String] {
        [helm, "rollback", release, revision, "-n", namespace, "--kube-context", context, "--wait", "--timeout", waitTimeout]
    }

    /// `helm status RELEASE -n NS --kube-context C -o json`.
    var statusArgv: [String] { [helm, "status", release, "-n", namespace, "--kube-context", context, "-o", "json"] }

    /// The steps as `describe` records them; the revision is a placeholder when it comes from `helm history`.
    var describedSteps: [[String: Any]] {
        let revision = previousRevision.map(String.init) ?? "<REVISION: the highest deployed or superseded revision below the current one, from helm history>"
        return [["argv": historyArgv], ["argv": rollbackArgv(to: revision)], ["argv": statusArgv]]
    }

    /// Reads the release from a deployment's `helm` block (and, for Flux, fills gaps from its `flux` block).
    static func from(helm block: TargetBlock?, flux: TargetBlock? = nil, program: String,
                     timeout: Double) throws(ExecutorFailure) -> HelmRelease {
        let release: String
        let namespace: String
        let context: String
        if let block {
            release = try block.argument("release")
            namespace = try block.argument("namespace")
            if let own = try block.optionalArgument("kube_context") {
                context = own
            } else if let fluxContext = try flux?.optionalArgument("kube_context") {
                context = fluxContext
            } else {
                context = try block.kubeContext()
            }
        } else if let flux {
            release = try flux.argument("helmrelease")
            namespace = try flux.argument("namespace")
            context = try flux.kubeContext()
        } else {
            throw ExecutorFailure("no helm target")
        }
        return HelmRelease(helm: program, release: release, namespace: namespace, context: context,
                           previousRevision: block?.number("previous_revision"), recordedRevision: block?.number("revision"),
                           waitTimeout: ToolTimeout.flag(timeout))
    }
}

/// The timeout Ripcord gives a tool's own waiting (`helm --timeout`, `kubectl rollout status --timeout`):
/// 80% of the executor's timeout, so the tool reports its own timeout before Ripcord has to stop it.
enum ToolTimeout {
    static func seconds(_ timeout: Double) -> Int { max(1, Int((timeout * 0.8).rounded(.down))) }
    static func flag(_ timeout: Double) -> String { "\(seconds(timeout))s" }
}
