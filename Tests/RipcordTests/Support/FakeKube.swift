import Foundation
import RipcordCore

/// The fake `helm` and `kubectl` of Fixtures/fakes installed in a test folder (resources lose the
/// executable bit, so they are copied, pointed at the Python interpreter and made executable), with
/// their state file and call log.
final class FakeKube: @unchecked Sendable {
    let folder: TestFolder
    /// The folder holding `helm`, `kubectl`, `state.json` and `calls.jsonl`.
    let bin: String
    var helm: String { bin + "/helm" }
    var kubectl: String { bin + "/kubectl" }
    static let context = "kind-prod"

    /// Installs the fakes in `folder/fakebin` with `state` (the standard cluster by default).
    init(folder: TestFolder, state: [String: Any] = FakeKube.standardState()) throws {
        self.folder = folder
        bin = folder.path + "/fakebin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let source = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("fakes")
        for name in ["helm", "kubectl", "fakekube.py"] {
            var text = try String(contentsOf: source.appendingPathComponent(name), encoding: .utf8)
            if text.hasPrefix("#!") {
                text = "#!" + Self.python + text[text.firstIndex(of: "\n")!...]
            }
            try text.write(toFile: bin + "/" + name, atomically: true, encoding: .utf8)
            chmod(bin + "/" + name, 0o755)
        }
        write(state)
    }

    /// A Python 3 interpreter by absolute path (a system one first: pyenv shims start slowly).
    static let python: String = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = ["/usr/bin/python3", "/usr/local/bin/python3"] + path.split(separator: ":").map { "\($0)/python3" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/python3"
    }()

    /// Every call so far: which program and its arguments.
    func calls() -> [(tool: String, argv: [String])] {
        let text = (try? String(contentsOfFile: bin + "/calls.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let tool = object["tool"] as? String, let argv = object["argv"] as? [String] else { return nil }
            return (tool, argv)
        }
    }

    /// The `RIPCORD_ATTEMPT` each call was started with (nil when it had none).
    func attemptMarkers() -> [String?] {
        let text = (try? String(contentsOfFile: bin + "/calls.jsonl", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map { line in
            ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any])?["attempt"] as? String
        }
    }

    /// The state file now.
    func state() -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: bin + "/state.json") else { return [:] }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    func write(_ state: [String: Any]) {
        let data = try! JSONSerialization.data(withJSONObject: state, options: [.sortedKeys, .prettyPrinted])
        _ = FileManager.default.createFile(atPath: bin + "/state.json", contents: data)
    }

    /// Changes the state file.
    func update(_ change: (inout [String: Any]) -> Void) {
        var current = state()
        change(&current)
        write(current)
    }

    /// An object of the state (`objects` key `CONTEXT/NS/TYPE/NAME`).
    func object(_ type: String, _ name: String, namespace: String = "prod") -> [String: Any]? {
        (state()["objects"] as? [String: Any])?["\(Self.context)/\(namespace)/\(type)/\(name)"] as? [String: Any]
    }

    /// The history of a release.
    func releaseHistory(_ name: String = "checkout") -> [[String: Any]] {
        ((state()["releases"] as? [String: Any])?["\(Self.context)/prod/\(name)"] as? [String: Any])?["history"] as? [[String: Any]] ?? []
    }

    /// Changes one release's entry.
    func updateRelease(_ name: String = "checkout", _ change: @escaping (inout [String: Any]) -> Void) {
        update { state in
            var releases = state["releases"] as? [String: Any] ?? [:]
            var release = releases["\(Self.context)/prod/\(name)"] as? [String: Any] ?? [:]
            change(&release)
            releases["\(Self.context)/prod/\(name)"] = release
            state["releases"] = releases
        }
    }

    static func revision(_ number: Int, _ status: String, _ version: String, _ description: String) -> [String: Any] {
        ["revision": number, "status": status, "chart": "checkout-\(version)", "app_version": version,
         "description": description, "updated": "2026-11-27T00:0\(number):00Z"]
    }

    /// One cluster (`kind-prod`) with, in namespace `prod`: the Helm release `checkout` (revision 3
    /// failed, 4 deployed), the Deployment `checkout` at revision 3, a blue/green Service, an Ingress,
    /// a canary Ingress, two Argo Rollouts (one without a status subresource) and a Flux HelmRelease.
    static func standardState() -> [String: Any] {
        let key = "\(context)/prod"
        return [
            "contexts": [context],
            "releases": [
                "\(key)/checkout": ["history": [
                    revision(1, "superseded", "1.4.0", "Install complete"),
                    revision(2, "superseded", "1.4.1", "Upgrade complete"),
                    revision(3, "failed", "1.4.2-rc1", "Upgrade \"checkout\" failed: timed out waiting for the condition"),
                    revision(4, "deployed", "1.4.2", "Upgrade complete"),
                ]],
            ],
            "workloads": [
                "\(key)/deployment/checkout": ["revision": 3, "history": ["1": "checkout:1.4.0", "2": "checkout:1.4.1", "3": "checkout:1.4.2"]],
            ],
            "objects": [
                "\(key)/service/checkout": [
                    "apiVersion": "v1", "kind": "Service", "metadata": ["name": "checkout", "namespace": "prod"],
                    "spec": ["selector": ["app": "checkout", "slot": "green", "release": "1-4-2"], "ports": [["port": 80]]],
                ],
                "\(key)/ingress/checkout": [
                    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": ["name": "checkout", "namespace": "prod"],
                    "spec": ["rules": [
                        ["host": "shop.example.com", "http": ["paths": [
                            ["path": "/", "pathType": "Prefix", "backend": ["service": ["name": "checkout-green", "port": ["number": 80]]]],
                            ["path": "/static", "pathType": "Prefix", "backend": ["service": ["name": "static", "port": ["number": 80]]]],
                        ]]],
                        ["host": "api.example.com", "http": ["paths": [
                            ["path": "/", "pathType": "Prefix", "backend": ["service": ["name": "checkout-green", "port": ["number": 80]]]],
                        ]]],
                    ]],
                ],
                "\(key)/ingress/checkout-canary": [
                    "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                    "metadata": ["name": "checkout-canary", "namespace": "prod",
                                 "annotations": ["nginx.ingress.kubernetes.io/canary": "true",
                                                 "nginx.ingress.kubernetes.io/canary-weight": "20"]],
                    "spec": ["rules": [["host": "shop.example.com", "http": ["paths": [
                        ["path": "/", "pathType": "Prefix", "backend": ["service": ["name": "checkout-canary", "port": ["number": 80]]]],
                    ]]]]],
                ],
                "\(key)/rollout/checkout": [
                    "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": ["name": "checkout", "namespace": "prod"],
                    "status": ["phase": "Progressing", "currentRevision": "5"],
                ],
                "\(key)/rollout/legacy": [
                    "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": ["name": "legacy", "namespace": "prod"],
                    "status": ["phase": "Progressing"], "x-fake": ["statusSubresource": false],
                ],
                "\(key)/helmrelease/checkout": [
                    "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease", "metadata": ["name": "checkout", "namespace": "prod"],
                    "spec": ["interval": "5m", "chart": ["spec": ["chart": "checkout"]]],
                ],
            ],
        ]
    }
}

/// A job for calling executors directly: deployment 7 of `checkout` 1.4.2 (was 1.4.1) in `prod`.
func rollbackJob(target: [String: JSONValue], cluster: String = "", id: Int64 = 11) -> RollbackJob {
    let now = Timestamp.now()
    let deployment = Deployment(id: 7, service: "checkout", namespace: "prod", cluster: cluster, version: "1.4.2",
                                previousVersion: "1.4.1", target: target, soakSeconds: 3600, deployedAt: now,
                                soakEndsAt: now.adding(seconds: 3600))
    return RollbackJob(id: id, deployment: deployment, policy: "slo-burn", actions: ["first"], currentAction: 0, runCount: 1,
                       status: .running, triggers: [RollbackTrigger(key: TriggerKey(fingerprint: "d51e79fea960bb85", startsAt: now),
                                                                    alertname: "HighErrorRate", deliveryID: 1)])
}

/// The target blocks the tests record, all for `checkout` in `prod` on `kind-prod`.
enum Targets {
    static let helm = json(#"{"release": "checkout", "namespace": "prod", "revision": 4, "previous_revision": 2, "kube_context": "kind-prod"}"#)
    static let kubernetes = json(#"{"kind": "deployment", "name": "checkout", "namespace": "prod", "to_revision": 2, "kube_context": "kind-prod"}"#)
    static let serviceSwitch = json(#"{"service": "checkout", "namespace": "prod", "kube_context": "kind-prod", "previous_selector": {"app": "checkout", "slot": "blue"}}"#)
    static let ingressSwitch = json(#"{"ingress": "checkout", "namespace": "prod", "service": "checkout-green", "previous_service": "checkout-blue", "kube_context": "kind-prod"}"#)
    static let canary = json(#"{"ingress": "checkout-canary", "namespace": "prod", "kube_context": "kind-prod"}"#)
    static let argoRollout = json(#"{"name": "checkout", "namespace": "prod", "kube_context": "kind-prod"}"#)
    static let flux = json(#"{"helmrelease": "checkout", "namespace": "prod", "kube_context": "kind-prod"}"#)
}

/// A JSON value written as JSON text.
func json(_ text: String) -> JSONValue {
    try! JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
}

/// An executor config as the config file would give it.
/// The executor config the executor tests use. Its timeout is long (60 s, so helm's `--wait
/// --timeout` is 48s) because the fakes are Python programs: in the first seconds of a parallel
/// run on 2 cores, starting one took up to 7 s, and a 10 s budget timed tests out that check
/// arguments and outcomes, not time (the timeout tests pass their own short ones).
func executorConfig(_ name: String, _ kind: ExecutorKind, kube: FakeKube? = nil, timeout: Double = 60,
                    killGrace: Double = 1) -> ExecutorConfig {
    var config = ExecutorConfig(name: name, kind: kind, timeoutSeconds: timeout)
    config.helmPath = kube?.helm
    config.kubectlPath = kube?.kubectl
    config.killGraceSeconds = killGrace
    return config
}
