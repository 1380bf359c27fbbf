/// Checks a deployment's `target` block: known executor kinds, their known fields, and values an
/// executor can pass to `helm`, `kubectl`, `argocd` or `flux` without further checks.
///
/// Names and namespaces are Kubernetes names, revisions positive integers, `history_id` 0 or more, and a
/// `kube_context` a non-empty string without whitespace or control characters.
public enum DeploymentTargetValidator {
    /// What a field's value must be.
    public enum Rule: Sendable, Hashable {
        /// A DNS-1123 label.
        case kubernetesName
        /// A whole number above 0.
        case positiveInteger
        /// A whole number, 0 or more (Argo CD numbers its history from 0).
        case nonNegativeInteger
        /// A kubeconfig context: non-empty, no whitespace or control characters.
        case kubeContext
        /// `deployment`, `statefulset` or `daemonset`.
        case workloadKind
        /// A non-empty object of Kubernetes label keys to label values.
        case labelSelector
    }

    /// One field of a target kind.
    public struct Field: Sendable, Hashable {
        /// Its name in the JSON block.
        public var name: String
        /// What its value must be.
        public var rule: Rule
        /// Whether the block must have it.
        public var required: Bool
    }

    /// The workload kinds the `kubernetes` target accepts.
    public static let workloadKinds = ["deployment", "statefulset", "daemonset"]

    /// Every target kind (a contract with the executors) and its fields, in documented order.
    public static let kinds: [(kind: String, fields: [Field])] = [
        ("helm", [required("release", .kubernetesName), required("namespace", .kubernetesName),
                  optional("revision", .positiveInteger), optional("previous_revision", .positiveInteger),
                  optional("kube_context", .kubeContext)]),
        ("kubernetes", [required("kind", .workloadKind), required("name", .kubernetesName),
                        required("namespace", .kubernetesName), optional("to_revision", .positiveInteger),
                        optional("kube_context", .kubeContext)]),
        ("service_switch", [required("service", .kubernetesName), required("namespace", .kubernetesName),
                            required("previous_selector", .labelSelector), optional("kube_context", .kubeContext)]),
        ("ingress_switch", [required("ingress", .kubernetesName), required("namespace", .kubernetesName),
                            required("service", .kubernetesName), required("previous_service", .kubernetesName),
                            optional("kube_context", .kubeContext)]),
        ("canary", [required("ingress", .kubernetesName), required("namespace", .kubernetesName),
                    optional("kube_context", .kubeContext)]),
        ("argo_rollout", [required("name", .kubernetesName), required("namespace", .kubernetesName),
                          optional("kube_context", .kubeContext)]),
        ("argocd", [required("app", .kubernetesName), optional("app_namespace", .kubernetesName),
                    optional("project", .kubernetesName), optional("history_id", .nonNegativeInteger)]),
        ("flux", [required("helmrelease", .kubernetesName), required("namespace", .kubernetesName),
                  optional("kube_context", .kubeContext)]),
    ]

    /// The fields of a target kind, or nil for an unknown kind.
    public static func fields(of kind: String) -> [Field]? {
        kinds.first { $0.kind == kind }?.fields
    }

    /// Throws every problem of a stored deployment's target (for executors that re-check before acting).
    public static func validate(_ target: [String: JSONValue]) throws(DeploymentRequestError) {
        let found = problems(.object(target))
        if !found.isEmpty { throw DeploymentRequestError(problems: found) }
    }

    /// Every problem with a `target` value; empty when it is valid. `field` prefixes the reported paths.
    public static func problems(_ target: JSONValue, field: String = "target") -> [DeploymentProblem] {
        guard let blocks = target.object else {
            return [DeploymentProblem(field: field, message: "must be an object with one block per executor kind")]
        }
        var problems: [DeploymentProblem] = []
        let known = kinds.map(\.kind)
        for kind in blocks.keys.sorted(by: { order($0, in: known) < order($1, in: known) }) {
            let path = "\(field).\(kind)"
            guard let fields = fields(of: kind) else {
                problems.append(DeploymentProblem(field: path, message: "'\(kind)' is not a target kind (kinds: \(known.joined(separator: ", ")))"))
                continue
            }
            guard let block = blocks[kind]?.object else {
                problems.append(DeploymentProblem(field: path, message: "must be an object"))
                continue
            }
            for spec in fields {
                guard let value = block[spec.name], value != .null else {
                    if spec.required { problems.append(DeploymentProblem(field: "\(path).\(spec.name)", message: "is required")) }
                    continue
                }
                if let problem = problem(value, spec.rule) {
                    problems.append(DeploymentProblem(field: "\(path).\(spec.name)", message: problem))
                }
            }
            let names = fields.map(\.name)
            for name in block.keys.sorted() where !names.contains(name) {
                problems.append(DeploymentProblem(field: "\(path).\(name)",
                                                  message: "is not a field of a \(kind) target (fields: \(names.joined(separator: ", ")))"))
            }
        }
        return problems
    }

    /// Why `value` breaks `rule`, or nil when it does not.
    public static func problem(_ value: JSONValue, _ rule: Rule) -> String? {
        switch rule {
        case .kubernetesName:
            guard let text = value.string else { return "must be a string" }
            return KubernetesName.problem(text)
        case .positiveInteger:
            guard let number = value.int, number > 0 else { return "must be a positive integer" }
            return nil
        case .nonNegativeInteger:
            guard let number = value.int, number >= 0 else { return "must be a whole number, 0 or more" }
            return nil
        case .kubeContext:
            guard let text = value.string else { return "must be a string" }
            if text.isEmpty { return "must not be empty" }
            if text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.properties.generalCategory == .control }) {
                return "must not contain whitespace or control characters"
            }
            return nil
        case .workloadKind:
            guard let text = value.string, workloadKinds.contains(text) else {
                return "must be one of \(workloadKinds.joined(separator: ", "))"
            }
            return nil
        case .labelSelector:
            guard let selector = value.object else { return "must be an object of label keys to values" }
            if selector.isEmpty { return "must not be empty" }
            for key in selector.keys.sorted() {
                if let problem = labelKeyProblem(key) { return problem }
                guard let text = selector[key]?.string else { return "value of '\(key)' must be a string" }
                if !isLabelValue(text) {
                    return "value of '\(key)' is not a label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)"
                }
            }
            return nil
        }
    }

    /// Why `key` is not a Kubernetes label key (`[prefix/]name`), or nil.
    static func labelKeyProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let name = String(parts.last ?? "")
        var prefixValid = true
        if parts.count == 2 {
            let prefix = parts[0]
            prefixValid = !prefix.isEmpty && prefix.utf8.count <= 253
                && prefix.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { KubernetesName.isValid(String($0)) }
        }
        guard parts.count <= 2, prefixValid, !name.isEmpty, isLabelValue(name) else {
            return "key '\(key)' is not a label key ([prefix/]name, the name at most 63 letters, digits, '-', '_' or '.')"
        }
        return nil
    }

    /// Whether `text` is a Kubernetes label value (empty allowed).
    static func isLabelValue(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { return true }
        guard bytes.count <= 63 else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 45 || $0 == 95 || $0 == 46 }
    }

    private static func order(_ kind: String, in known: [String]) -> (Int, String) {
        (known.firstIndex(of: kind) ?? known.count, kind)
    }

    private static func required(_ name: String, _ rule: Rule) -> Field { Field(name: name, rule: rule, required: true) }
    private static func optional(_ name: String, _ rule: Rule) -> Field { Field(name: name, rule: rule, required: false) }
}
