import ArgumentParser
import Foundation
import RipcordCore

/// `ripcord deployments record`: tell Ripcord what a pipeline just deployed and how to undo it.
struct DeploymentsRecord: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a deployment, superseding the active one of the same service, namespace and cluster.",
        discussion: """
            Prints the stored deployment as JSON (with its id and state "active"). With \
            --idempotency-key (use the pipeline run id), running the same step again returns the first \
            record instead of recording a second deployment.

            The --helm-* flags and --kube-context build the target's `helm` block; --target-json gives \
            the whole target object instead (kinds: \(DeploymentTargetValidator.kinds.map(\.kind).joined(separator: ", "))).

            Examples:
              ripcord deployments record --service checkout --namespace prod \\
                --cluster eu-1 --version 1.4.2 --previous-version 1.4.1 \\
                --strategy canary --soak 30m --label team=payments \\
                --idempotency-key "$CI_PIPELINE_ID" \\
                --helm-release checkout --helm-namespace prod \\
                --helm-revision 42 --helm-previous-revision 41 --kube-context eu-1
              ripcord deployments record --service web --namespace prod \\
                --version 7 --target-json '{"kubernetes": {"kind": "deployment",
                "name": "web", "namespace": "prod"}}'

            \(ServerOptions.exitCodeHelp)
            """)

    @OptionGroup var serverOptions: ServerOptions

    @Option(help: ArgumentHelp("The service (a Kubernetes name).", valueName: "name"))
    var service: String

    @Option(help: ArgumentHelp("Its Kubernetes namespace.", valueName: "name"))
    var namespace: String

    @Option(help: ArgumentHelp("The cluster (a Kubernetes name).", valueName: "name"))
    var cluster: String?

    @Option(help: ArgumentHelp("The environment, e.g. production.", valueName: "name"))
    var environment: String?

    @Option(help: ArgumentHelp("The version deployed.", valueName: "version"))
    var version: String

    @Option(help: ArgumentHelp("The version it replaced.", valueName: "version"))
    var previousVersion: String?

    @Option(help: ArgumentHelp("How traffic shifts: \(DeploymentStrategy.allCases.map(\.rawValue).joined(separator: ", ")).",
                               valueName: "strategy"))
    var strategy: String?

    @Option(help: ArgumentHelp("The soak window, e.g. 30m (default: the server's deployments.default_soak).",
                               valueName: "duration"))
    var soak: String?

    @Option(name: .customLong("label"), help: ArgumentHelp("A label, repeatable.", valueName: "key=value"))
    var labels: [String] = []

    @Option(help: ArgumentHelp("A key unique to this pipeline run; a repeat returns the first record.", valueName: "key"))
    var idempotencyKey: String?

    @Option(help: ArgumentHelp("Helm release to roll back.", valueName: "release"))
    var helmRelease: String?

    @Option(help: ArgumentHelp("Namespace of the Helm release.", valueName: "namespace"))
    var helmNamespace: String?

    @Option(help: ArgumentHelp("The release's revision after this deployment.", valueName: "n"))
    var helmRevision: Int?

    @Option(help: ArgumentHelp("The revision to roll back to.", valueName: "n"))
    var helmPreviousRevision: Int?

    @Option(help: ArgumentHelp("kubeconfig context for the Helm target.", valueName: "context"))
    var kubeContext: String?

    @Option(name: .customLong("target-json"), help: ArgumentHelp("The whole target object as JSON, instead of the --helm-* flags.", valueName: "json"))
    var targetJSON: String?

    private var helmFlagsGiven: Bool {
        helmRelease != nil || helmNamespace != nil || helmRevision != nil || helmPreviousRevision != nil || kubeContext != nil
    }

    func validate() throws {
        if let strategy, DeploymentStrategy(rawValue: strategy) == nil {
            throw ValidationError("--strategy '\(strategy)' is not one of \(DeploymentStrategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let soak, (DurationText.seconds(soak) ?? 0) <= 0 {
            throw ValidationError("--soak '\(soak)' is not a duration above 0 such as 30m, 1h30m or 45s")
        }
        for label in labels where !label.contains("=") || label.hasPrefix("=") {
            throw ValidationError("--label '\(label)' is not KEY=VALUE")
        }
        if targetJSON != nil && helmFlagsGiven {
            throw ValidationError("give either --target-json or the --helm-* flags (with --kube-context), not both")
        }
        if helmFlagsGiven && helmRelease == nil {
            throw ValidationError("--helm-release is required with the other --helm-* flags and --kube-context")
        }
        _ = try target()
    }

    /// The `target` object from --target-json or the --helm-* flags, or nil when neither is given.
    func target() throws -> JSONValue? {
        if let targetJSON {
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(targetJSON.utf8)), value.object != nil else {
                throw ValidationError("--target-json is not a JSON object, e.g. '{\"helm\": {\"release\": \"web\", \"namespace\": \"prod\"}}'")
            }
            return value
        }
        guard let helmRelease else { return nil }
        var helm: [String: JSONValue] = ["release": .string(helmRelease)]
        if let helmNamespace { helm["namespace"] = .string(helmNamespace) }
        if let helmRevision { helm["revision"] = .number(Double(helmRevision)) }
        if let helmPreviousRevision { helm["previous_revision"] = .number(Double(helmPreviousRevision)) }
        if let kubeContext { helm["kube_context"] = .string(kubeContext) }
        return .object(["helm": .object(helm)])
    }

    /// The request body: only the fields given, so the server's defaults apply to the rest.
    func body() throws -> [UInt8] {
        var object: [String: JSONValue] = ["service": .string(service), "namespace": .string(namespace),
                                           "version": .string(version)]
        let optional: [(String, String?)] = [("cluster", cluster), ("environment", environment),
                                             ("previous_version", previousVersion), ("strategy", strategy),
                                             ("soak", soak), ("idempotency_key", idempotencyKey)]
        for case let (key, value?) in optional { object[key] = .string(value) }
        if !labels.isEmpty {
            var map: [String: JSONValue] = [:]
            for label in labels {
                let parts = label.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                map[String(parts[0])] = .string(String(parts[1]))
            }
            object["labels"] = .object(map)
        }
        if let target = try target() { object["target"] = target }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(JSONValue.object(object)))
    }

    func run() throws {
        let response = try serverOptions.send("POST", "/api/v1/deployments", body: try body())
        if response.status == 200 {
            FileHandle.standardError.write(Data("note: already recorded with idempotency key '\(idempotencyKey ?? "")'; this is the first record\n".utf8))
        }
        print(response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
