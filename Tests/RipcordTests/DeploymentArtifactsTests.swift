import Foundation
import RipcordCore
import Testing

/// What ships for running Ripcord (docker-compose.yml, the Dockerfile, deploy/, examples/, docs/deploy.md),
/// checked offline with the tools that will read it: no Docker engine and no Kubernetes cluster run here.
@Suite("Deployment artifacts: compose, Dockerfile, Prometheus rules, Kubernetes manifests")
struct DeploymentArtifactsTests {
    // MARK: docker-compose.yml

    @Test("docker-compose.yml is valid, and every file it mounts exists and passes promtool, amtool or ripcord check-config where it lands")
    func composeFileAndMountedConfigs() async throws {
        let quiet = try #require(try await ExternalTool.run("docker-compose", ["-f", "docker-compose.yml", "config", "-q"]),
                                 "docker-compose is not installed (scripts/test installs it)")
        #expect(quiet.status == 0, "docker-compose config -q: \(quiet)")
        let rendered = try #require(try await ExternalTool.run("docker-compose", ["-f", "docker-compose.yml", "config"]))
        try #require(rendered.status == 0, "\(rendered)")
        let services = ComposeConfig.parse(rendered.stdout)
        #expect(Set(services.keys) == ["ripcord", "prometheus", "alertmanager", "demo"], "services: \(services.keys.sorted())")

        // Each service's filesystem as the container sees it: every bind mount copied to its target.
        let scratch = try TestFolder()
        var roots: [String: String] = [:]
        for (name, service) in services {
            let root = scratch.path + "/" + name
            roots[name] = root
            for volume in service.volumes {
                let parts = volume.split(separator: ":").map(String.init)
                guard let source = parts.first, source.hasPrefix("/"), parts.count >= 2 else { continue }   // named volume
                #expect(source.hasPrefix(RepositoryRoot.path + "/"), "\(name) mounts \(source), outside the repository")
                #expect(FileManager.default.fileExists(atPath: source), "\(name) mounts \(source), which does not exist")
                #expect(parts.count == 3 && parts[2] == "ro", "\(name) mounts \(source) read-write: configs and secrets are read-only")
                let target = root + parts[1]
                try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try? FileManager.default.copyItem(atPath: source, toPath: target)
            }
            for port in service.ports {
                #expect(port.hasPrefix("127.0.0.1:"), "\(name) publishes \(port) beyond the loopback interface")
            }
        }

        // Prometheus: the config it is started with, the rule files that config names, and every rule file mounted.
        let prometheus = try #require(services["prometheus"])
        let promConfig = try #require(prometheus.flag("--config.file"), "prometheus has no --config.file")
        let promCheck = try #require(try await ExternalTool.run("promtool", ["check", "config", roots["prometheus"]! + promConfig]),
                                     "promtool is not installed (scripts/test installs prometheus)")
        #expect(promCheck.status == 0, "promtool check config \(promConfig): \(promCheck)")
        #expect(promCheck.stdout.contains("SUCCESS: 2 rule files found"), "\(promCheck.stdout)")
        for volume in prometheus.volumes where volume.hasPrefix("/") {
            let target = volume.split(separator: ":")[1]
            guard target.hasSuffix(".yml"), String(target) != promConfig else { continue }
            let rules = try #require(try await ExternalTool.run("promtool", ["check", "rules", roots["prometheus"]! + target]))
            #expect(rules.status == 0, "promtool check rules \(target): \(rules)")
        }

        // Alertmanager: amtool, and the token file it names (amtool does not look) holds Ripcord's alertmanager token.
        let alertmanager = try #require(services["alertmanager"])
        let amConfig = try #require(alertmanager.flag("--config.file"), "alertmanager has no --config.file")
        let amCheck = try #require(try await ExternalTool.run("amtool", ["check-config", roots["alertmanager"]! + amConfig]),
                                   "amtool is not installed (scripts/test installs prometheus-alertmanager)")
        #expect(amCheck.status == 0, "amtool check-config \(amConfig): \(amCheck)")
        let amText = try String(contentsOfFile: roots["alertmanager"]! + amConfig, encoding: .utf8)
        #expect(amText.contains("url: http://ripcord:9095/api/v1/alertmanager"), "Alertmanager posts to Ripcord's webhook")
        #expect(amText.contains("send_resolved: true"))
        let tokenFiles = amText.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("credentials_file:") else { return nil }
            return trimmed.dropFirst("credentials_file:".count).trimmingCharacters(in: .whitespaces)
        }
        #expect(tokenFiles.count == 1, "one Bearer credentials_file: \(tokenFiles)")

        // Ripcord: check-config on the config the container reads, with the secrets where they are mounted.
        let ripcord = try #require(services["ripcord"])
        let ripcordConfig = try #require(ripcord.environment["RIPCORD_CONFIG"], "ripcord has no RIPCORD_CONFIG")
        let checked = try await RipcordBinary.run(["check-config", "--config", roots["ripcord"]! + ripcordConfig], in: scratch.path)
        #expect(checked.status == 0, "ripcord check-config: \(checked.stdout)\(checked.stderr)")
        let config = try ConfigLoader.load(path: roots["ripcord"]! + ripcordConfig)
        #expect(config.listen.port == 9095)
        #expect(config.database.hasPrefix("/var/lib/ripcord/"), "the database is on the ripcord-data volume: \(config.database)")
        #expect(ripcord.volumes.contains { $0.hasPrefix("ripcord-data:/var/lib/ripcord") })

        // The same token on both sides of the webhook.
        let amCredential = config.credentialConfigs.first { $0.role == .alertmanager }
        guard case .tokenFile(let ripcordTokenPath)? = amCredential?.source, let amToken = tokenFiles.first else {
            Issue.record("Ripcord's alertmanager credential is not a token_file: \(String(describing: amCredential))")
            return
        }
        let amTokenPath = amToken.hasPrefix("/") ? roots["alertmanager"]! + amToken
            : roots["alertmanager"]! + (amConfig as NSString).deletingLastPathComponent + "/" + amToken
        let sent = try? String(contentsOfFile: amTokenPath, encoding: .utf8)
        #expect(sent != nil, "Alertmanager's credentials_file \(amToken) is not mounted")
        #expect(sent == (try? String(contentsOfFile: ripcordTokenPath, encoding: .utf8)),
                "Alertmanager sends the token Ripcord's alertmanager credential accepts")

        // The demo acts without Kubernetes: a policy that is not a dry run uses only command executors
        // whose program the runtime image has; the helm policy stays a dry run.
        let kinds = Dictionary(config.executors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let acting = config.policies.filter { !$0.dryRun }
        #expect(!acting.isEmpty)
        for policy in acting {
            for action in policy.actions {
                #expect(kinds[action]?.kind == .command, "policy \(policy.name) runs \(action) for real: it must not need a cluster")
                #expect(["/bin/echo", "/usr/bin/env", "/bin/true"].contains(kinds[action]?.command.first ?? ""),
                        "\(action) runs \(kinds[action]?.command.first ?? "?"), which the slim runtime image may lack")
            }
        }
        #expect(config.policies.contains { $0.dryRun && $0.actions.contains { kinds[$0]?.kind == .helmRollback } })

        // The demo service's script is what the demo container runs.
        let demo = try #require(services["demo"])
        let script = try #require(demo.command.first { $0.hasSuffix(".py") })
        let help = try #require(try await ExternalTool.run("python3", [roots["demo"]! + script, "--help"]))
        #expect(help.status == 0, "\(help)")
    }

    // MARK: Dockerfile

    @Test("the Dockerfile builds the release binary in a Swift image and runs it as a non-root user on slim bookworm with only the libraries it links")
    func dockerfile() async throws {
        let text = try String(contentsOfFile: RepositoryRoot.file("Dockerfile"), encoding: .utf8)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let froms = lines.filter { $0.hasPrefix("FROM ") }
        #expect(froms.count == 2, "two stages: \(froms)")
        #expect(froms.first?.hasPrefix("FROM swift:") == true && froms.first?.hasSuffix(" AS build") == true, "\(froms)")
        #expect(froms.last?.hasPrefix("FROM debian:") == true && froms.last?.hasSuffix("-slim") == true, "\(froms)")
        #expect(lines.contains("ARG DEBIAN_VERSION=bookworm"))
        #expect(text.contains("swift build -c release --product ripcord"))
        let user = lines.first { $0.hasPrefix("USER ") }
        #expect(user != nil && !(user!.contains("root") || user!.hasPrefix("USER 0")), "runs as a non-root user: \(user ?? "no USER")")
        #expect(lines.contains { $0.hasPrefix("VOLUME") && $0.contains("/var/lib/ripcord") })

        // The runtime stage installs exactly the runtime libraries, and they are what the binary links.
        let runtime = text.components(separatedBy: "\nFROM ").last ?? ""
        let install = try #require(runtime.split(separator: "\n").first { $0.contains("apt-get install") })
        let words: [String] = install.split(separator: " ").map(String.init)
        let afterInstall: [String] = Array(words.drop { $0 != "install" }.dropFirst())
        let packages = Set(afterInstall.filter { word in !word.hasPrefix("-") && word != "&&" && word != "\\" })
        #expect(packages == ["libmicrohttpd12", "libcurl4", "libsqlite3-0", "ca-certificates"], "\(packages.sorted())")
        let needed = try #require(try await ExternalTool.run("readelf", ["-d", RipcordBinary.path]), "readelf is not installed (binutils)")
        let libraries = needed.stdout.split(separator: "\n").compactMap { line -> String? in
            guard line.contains("(NEEDED)"), let open = line.firstIndex(of: "["), let close = line.lastIndex(of: "]") else { return nil }
            return String(line[line.index(after: open)..<close])
        }
        // The Swift runtime is linked statically in the image; glibc and libstdc++ are in every Debian image.
        let base = ["libc.so", "libm.so", "ld-linux", "libpthread", "libdl.so", "librt.so", "libutil.so", "libstdc++", "libgcc_s"]
        let swift = ["libswift", "libFoundation", "lib_Foundation", "libdispatch", "libBlocksRuntime", "libXCTest", "libTesting"]
        let native = libraries.filter { lib in !(base + swift).contains { lib.hasPrefix($0) } }
        for library in ["libmicrohttpd.so.12", "libcurl.so.4", "libsqlite3.so.0"] {
            #expect(native.contains(library), "the binary no longer links \(library): \(native)")
        }
        // Each native library comes from a runtime package or a package one of them depends on
        // (libmicrohttpd12 brings libgnutls30, for example).
        let dependencies = try #require(try await ExternalTool.run("dpkg-query", ["-W", "-f=${Depends}\\n"] + packages.sorted()))
        let provided = packages.union(dependencies.stdout.split(whereSeparator: { ",|\n".contains($0) }).compactMap {
            $0.split(separator: " ").first.map { String($0.split(separator: ":")[0]) }
        })
        for library in native {
            let owner = try #require(try await ExternalTool.run("dpkg", ["-S", "*/" + library]))
            let owners = owner.stdout.split(separator: "\n").filter { $0.hasSuffix("/" + library) }
                .map { String($0.split(separator: ":")[0]) }
            #expect(owners.contains { provided.contains($0) },
                    "\(library) comes from \(owners), which the runtime stage does not install (with its dependencies)")
        }

        // .dockerignore keeps local state out of the build context.
        let ignored = try String(contentsOfFile: RepositoryRoot.file(".dockerignore"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        for entry in [".build", ".build-*", "secrets", "data", "*.sqlite3", ".git"] {
            #expect(ignored.contains(entry), ".dockerignore lacks \(entry)")
        }
    }

    @Test("the container health check (bash /dev/tcp, no curl) passes against a ready ripcord and fails when nothing listens")
    func healthCheck() async throws {
        let dockerfile = try String(contentsOfFile: RepositoryRoot.file("Dockerfile"), encoding: .utf8)
        let line = try #require(dockerfile.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("CMD [\"bash\"") })
        let array = try #require(try JSONSerialization.jsonObject(with: Data(line.trimmingCharacters(in: .whitespaces)
            .dropFirst("CMD ".count).utf8)) as? [String])
        #expect(array.prefix(2) == ["bash", "-c"])
        let script = try #require(array.last)
        #expect(script.contains("/-/ready"))
        // docker-compose.yml runs the same check.
        let compose = try String(contentsOfFile: RepositoryRoot.file("docker-compose.yml"), encoding: .utf8)
        // (Both files escape each backslash of the command once: JSON in one, a double-quoted YAML string in the other.)
        #expect(compose.contains(script.replacingOccurrences(of: "\\", with: "\\\\")),
                "docker-compose.yml's healthcheck differs from the Dockerfile's")

        let folder = try TestFolder()
        let port = freePort()
        _ = try folder.writeStandardConfig(listen: "127.0.0.1:\(port)")
        let server = try RipcordBinary.start(["serve"], in: folder.path, log: folder.path + "/serve.log")
        defer { if server.isRunning { server.terminate() } }
        let check = script.replacingOccurrences(of: "/127.0.0.1/9095", with: "/127.0.0.1/\(port)")
        try await eventually("ripcord to be ready on \(port)", timeout: 15) {
            (try? await ExternalTool.run("bash", ["-c", check]))?.status == 0
        }
        server.terminate()
        try await eventually("ripcord to stop", timeout: 15) { !server.isRunning }
        let down = try #require(try await ExternalTool.run("bash", ["-c", check]))
        #expect(down.status != 0, "the check fails when nothing listens")
    }

    // MARK: Prometheus rules

    @Test("the example rules pass promtool (with unit tests of the burn-rate alerts), and Ripcord's alerts use only metrics Ripcord exports")
    func prometheusRules() async throws {
        let files = ["examples/prometheus/ripcord-alerts.yml", "examples/prometheus/slo-rules.yml", "deploy/compose/slo-rules.yml"]
        let check = try #require(try await ExternalTool.run("promtool", ["check", "rules"] + files), "promtool is not installed")
        #expect(check.status == 0, "\(check)")
        let unit = try #require(try await ExternalTool.run("promtool", ["test", "rules", "examples/prometheus/tests/slo-rules.test.yml"]))
        #expect(unit.status == 0, "promtool test rules: \(unit)")

        let alerts = try String(contentsOfFile: RepositoryRoot.file("examples/prometheus/ripcord-alerts.yml"), encoding: .utf8)
        let exported: Set<String> = ["ripcord_deliveries_total", "ripcord_alerts_received_total", "ripcord_decisions_total",
                                     "ripcord_rollbacks_total", "ripcord_rollback_duration_seconds", "ripcord_rollback_queue_depth",
                                     "ripcord_circuit_open", "ripcord_http_request_duration_seconds", "ripcord_build_info"]
        let histograms: Set<String> = ["ripcord_rollback_duration_seconds", "ripcord_http_request_duration_seconds"]
        let used = Set(alerts.matches(of: /ripcord_[a-z_]+/).map { String($0.output) })
        for name in used {
            var base = name
            for suffix in ["_bucket", "_count", "_sum"] where name.hasSuffix(suffix) && histograms.contains(String(name.dropLast(suffix.count))) {
                base = String(name.dropLast(suffix.count))
            }
            #expect(exported.contains(base), "ripcord-alerts.yml uses \(name), which Ripcord does not export")
        }
        for alert in ["RipcordRollbackFailed", "RipcordCircuitOpen", "RipcordDeliveriesRejected"] {
            #expect(alerts.contains("- alert: \(alert)"), "ripcord-alerts.yml has no \(alert)")
        }
        // Alerts about Ripcord go to people, and the compose Alertmanager routes them there.
        #expect(alerts.components(separatedBy: "- alert: ").count - 1 == alerts.components(separatedBy: "component: ripcord").count - 1,
                "every Ripcord alert carries component: ripcord")
        let compose = try String(contentsOfFile: RepositoryRoot.file("deploy/compose/alertmanager.yml"), encoding: .utf8)
        #expect(compose.contains("matchers: ['component=\"ripcord\"']"))
    }

    // MARK: Kubernetes

    @Test("the Kubernetes manifests pass kubectl's client-side dry run offline, grant each executor kind least privilege, and carry a config ripcord accepts")
    func kubernetesManifests() async throws {
        let objects = try await KubectlOffline.create(["deploy/kubernetes/", "deploy/kubernetes/secret-template/"])
        func all(_ kind: String) -> [[String: Any]] { objects.filter { $0["kind"] as? String == kind } }
        func name(_ object: [String: Any]) -> String { (object["metadata"] as? [String: Any])?["name"] as? String ?? "" }
        func namespace(_ object: [String: Any]) -> String? { (object["metadata"] as? [String: Any])?["namespace"] as? String }

        // One StatefulSet, one replica, its database on a claim, run as the ServiceAccount.
        let sets = all("StatefulSet")
        try #require(sets.count == 1 && all("Deployment").isEmpty, "one StatefulSet and no Deployment")
        let spec = try #require(sets[0]["spec"] as? [String: Any])
        #expect(spec["replicas"] as? Int == 1, "exactly one replica: one SQLite database and its lock")
        let claims = spec["volumeClaimTemplates"] as? [[String: Any]] ?? []
        #expect(claims.count == 1)
        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let account = pod["serviceAccountName"] as? String
        #expect(all("ServiceAccount").contains { name($0) == account && namespace($0) == namespace(sets[0]) }, "\(account ?? "none")")
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        #expect(((container["readinessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/-/ready")
        #expect(((container["livenessProbe"] as? [String: Any])?["httpGet"] as? [String: Any])?["path"] as? String == "/-/healthy")
        let security = container["securityContext"] as? [String: Any]
        #expect(security?["allowPrivilegeEscalation"] as? Bool == false)
        #expect((pod["securityContext"] as? [String: Any])?["runAsNonRoot"] as? Bool == true)
        let mounts = (container["volumeMounts"] as? [[String: Any]] ?? []).compactMap { $0["mountPath"] as? String }
        #expect(mounts.contains("/var/lib/ripcord"))

        // Its volumes name a ConfigMap and a Secret that exist; the Service selects its pods.
        let volumes = pod["volumes"] as? [[String: Any]] ?? []
        let configMapName = volumes.compactMap { ($0["configMap"] as? [String: Any])?["name"] as? String }.first
        let secretName = volumes.compactMap { ($0["secret"] as? [String: Any])?["secretName"] as? String }.first
        let configMap = try #require(all("ConfigMap").first { name($0) == configMapName }, "ConfigMap \(configMapName ?? "?")")
        #expect(all("Secret").contains { name($0) == secretName }, "Secret \(secretName ?? "?")")
        let podLabels = ((spec["template"] as? [String: Any])?["metadata"] as? [String: Any])?["labels"] as? [String: String] ?? [:]
        let selector = ((all("Service").first)?["spec"] as? [String: Any])?["selector"] as? [String: String] ?? [:]
        #expect(!selector.isEmpty && selector.allSatisfy { podLabels[$0.key] == $0.value }, "Service selector \(selector), pod \(podLabels)")

        // The config in the ConfigMap passes check-config where the pod mounts it (tokens in the Secret's place).
        let data = try #require(configMap["data"] as? [String: String])
        let env = Dictionary(((container["env"] as? [[String: Any]]) ?? []).compactMap { item -> (String, String)? in
            guard let key = item["name"] as? String, let value = item["value"] as? String else { return nil }
            return (key, value)
        }, uniquingKeysWith: { first, _ in first })
        let configPath = try #require(env["RIPCORD_CONFIG"])
        let configMount = try #require((container["volumeMounts"] as? [[String: Any]])?.first { $0["name"] as? String == "config" }?["mountPath"] as? String)
        let secretMount = try #require((container["volumeMounts"] as? [[String: Any]])?.first { $0["name"] as? String == "tokens" }?["mountPath"] as? String)
        #expect(configPath.hasPrefix(configMount + "/"))
        let root = try TestFolder()
        try root.write(String(configPath.dropFirst()), data[(configPath as NSString).lastPathComponent] ?? "")
        let secret = try #require(all("Secret").first { name($0) == secretName }?["stringData"] as? [String: String])
        for key in secret.keys {
            #expect(secret[key] == "", "the template ships no token: \(key)")
            try root.write(String((secretMount + "/" + key).dropFirst()), "test-token-\(key)\n")
        }
        let checked = try await RipcordBinary.run(["check-config", "--config", root.path + configPath], in: root.path)
        #expect(checked.status == 0, "ripcord check-config on the ConfigMap's ripcord.yml: \(checked.stdout)\(checked.stderr)")
        let config = try ConfigLoader.load(path: root.path + configPath)
        #expect(env["KUBECONFIG"].map { $0.hasPrefix(configMount + "/") && data[($0 as NSString).lastPathComponent] != nil } == true,
                "the kubeconfig helm and kubectl read is in the ConfigMap")

        // Least privilege: a ClusterRole per executor kind that touches Kubernetes, granted only by RoleBindings.
        #expect(all("ClusterRoleBinding").isEmpty, "no ClusterRoleBinding: roles are granted per namespace")
        let roles = Dictionary(all("ClusterRole").map { (name($0), ($0["rules"] as? [[String: Any]]) ?? []) }, uniquingKeysWith: { a, _ in a })
        let kubernetesKinds = ExecutorKind.allCases.filter { ![.command, .webhook, .argocdRollback].contains($0) }
        for kind in kubernetesKinds {
            #expect(roles["ripcord-\(kind.rawValue)"] != nil, "no ClusterRole ripcord-\(kind.rawValue)")
        }
        for (role, rules) in roles {
            for rule in rules {
                let verbs = rule["verbs"] as? [String] ?? [], resources = rule["resources"] as? [String] ?? []
                let groups = rule["apiGroups"] as? [String] ?? []
                #expect(!verbs.contains("*") && !resources.contains("*") && !groups.contains("*"), "\(role) uses a wildcard: \(rule)")
                #expect(!verbs.contains("escalate") && !verbs.contains("bind") && !verbs.contains("impersonate"), "\(role): \(verbs)")
            }
        }
        func allows(_ role: String, _ group: String, _ resource: String, _ verb: String) -> Bool {
            (roles[role] ?? []).contains { rule in
                (rule["apiGroups"] as? [String] ?? []).contains(group) && (rule["resources"] as? [String] ?? []).contains(resource)
                    && (rule["verbs"] as? [String] ?? []).contains(verb)
            }
        }
        let needs: [(String, String, String, [String])] = [
            ("ripcord-helm-rollback", "", "secrets", ["get", "list", "create", "update"]),
            ("ripcord-helm-rollback", "apps", "deployments", ["get", "patch"]),
            ("ripcord-kubectl-rollout-undo", "apps", "deployments", ["get", "patch", "watch"]),
            ("ripcord-kubectl-rollout-undo", "apps", "replicasets", ["get", "list"]),
            ("ripcord-service-selector-switch", "", "services", ["get", "patch"]),
            ("ripcord-ingress-switch", "networking.k8s.io", "ingresses", ["get", "patch"]),
            ("ripcord-canary-weight-zero", "networking.k8s.io", "ingresses", ["get", "patch"]),
            ("ripcord-argo-rollouts-abort", "argoproj.io", "rollouts", ["get", "patch"]),
            ("ripcord-argo-rollouts-abort", "argoproj.io", "rollouts/status", ["patch"]),
            ("ripcord-flux-suspend-helm-rollback", "helm.toolkit.fluxcd.io", "helmreleases", ["get", "patch"]),
        ]
        for (role, group, resource, verbs) in needs {
            for verb in verbs { #expect(allows(role, group, resource, verb), "\(role) cannot \(verb) \(group)/\(resource)") }
        }
        #expect(!allows("ripcord-service-selector-switch", "", "secrets", "get"), "the service switch reads no Secrets")

        // Every Kubernetes executor kind the config uses is bound (flux also needs helm's role), to the ServiceAccount.
        let bindings = all("RoleBinding")
        for binding in bindings {
            let ref = binding["roleRef"] as? [String: Any]
            #expect(ref?["kind"] as? String == "ClusterRole" && roles[ref?["name"] as? String ?? ""] != nil, "\(name(binding)) binds \(ref ?? [:])")
            let subjects = binding["subjects"] as? [[String: Any]] ?? []
            #expect(subjects.allSatisfy { $0["kind"] as? String == "ServiceAccount" && $0["name"] as? String == account
                && $0["namespace"] as? String == namespace(sets[0]) }, "\(name(binding)): \(subjects)")
        }
        let bound = Set(bindings.compactMap { ($0["roleRef"] as? [String: Any])?["name"] as? String })
        for executor in config.executors where kubernetesKinds.contains(executor.kind) {
            #expect(bound.contains("ripcord-\(executor.kind.rawValue)"), "the config uses \(executor.kind.rawValue) but no RoleBinding grants it")
            if executor.kind == .fluxSuspendHelmRollback { #expect(bound.contains("ripcord-helm-rollback")) }
        }
    }

    // MARK: docs/deploy.md

    @Test("docs/deploy.md names only files that exist")
    func deployDocs() throws {
        let text = try String(contentsOfFile: RepositoryRoot.file("docs/deploy.md"), encoding: .utf8)
        let paths = Set(text.matches(of: /`((?:deploy|examples|docs)\/[A-Za-z0-9_.\/-]+|Dockerfile|docker-compose\.yml)`/).map { String($0.output.1) })
        #expect(paths.count > 5, "\(paths)")
        for path in paths {
            #expect(FileManager.default.fileExists(atPath: RepositoryRoot.file(path)), "docs/deploy.md names \(path), which does not exist")
        }
    }
}

/// `docker-compose config` output, read line by line: what each service mounts, publishes, runs and sets.
struct ComposeConfig {
    var volumes: [String] = []
    var ports: [String] = []
    var command: [String] = []
    var environment: [String: String] = [:]

    /// The value of a `--flag=value` in the command.
    func flag(_ name: String) -> String? {
        command.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// The services of `docker-compose config`'s normalised YAML (2-space indents, block lists).
    static func parse(_ text: String) -> [String: ComposeConfig] {
        var services: [String: ComposeConfig] = [:]
        var inServices = false
        var service: String?
        var key: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            let indent = line.prefix { $0 == " " }.count
            let content = line.trimmingCharacters(in: .whitespaces)
            if indent == 0 {
                inServices = content == "services:"
                service = nil
                continue
            }
            guard inServices else { continue }
            if indent == 2, content.hasSuffix(":") {
                service = String(content.dropLast())
                services[service!] = ComposeConfig()
                key = nil
            } else if indent == 4, !content.hasPrefix("- "), let colon = content.firstIndex(of: ":") {
                key = String(content[..<colon])
            } else if let service, let key {
                func unquote(_ s: String) -> String {
                    (s.hasPrefix("'") && s.hasSuffix("'")) || (s.hasPrefix("\"") && s.hasSuffix("\"")) ? String(s.dropFirst().dropLast()) : s
                }
                if indent == 4, content.hasPrefix("- ") {
                    let item = unquote(String(content.dropFirst(2)))
                    switch key {
                    case "volumes": services[service]!.volumes.append(item)
                    case "ports": services[service]!.ports.append(item)
                    case "command": services[service]!.command.append(item)
                    default: break
                    }
                } else if indent == 6, key == "environment", let colon = content.firstIndex(of: ":") {
                    let value = content[content.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    services[service]!.environment[String(content[..<colon])] = unquote(value)
                }
            }
        }
        return services
    }
}

/// `kubectl create --dry-run=client -o json` without a cluster. kubectl 1.20 to 1.32 need the server's
/// API discovery to map each kind to its resource, and `kubectl apply --dry-run=client` also reads each
/// live object, so neither runs offline as such. Instead kubectl gets a discovery cache (the files
/// kubectl itself writes under --cache-dir) listing the real built-in kinds the manifests may use, and a
/// --server on a loopback port nothing listens on: any request it still made would fail the test.
enum KubectlOffline {
    /// Built-in kinds by group/version: (resource, kind, namespaced).
    static let kinds: [String: [(String, String, Bool)]] = [
        "v1": [("namespaces", "Namespace", false), ("serviceaccounts", "ServiceAccount", true), ("configmaps", "ConfigMap", true),
               ("secrets", "Secret", true), ("services", "Service", true), ("persistentvolumeclaims", "PersistentVolumeClaim", true)],
        "apps/v1": [("deployments", "Deployment", true), ("statefulsets", "StatefulSet", true)],
        "rbac.authorization.k8s.io/v1": [("roles", "Role", true), ("rolebindings", "RoleBinding", true),
                                         ("clusterroles", "ClusterRole", false), ("clusterrolebindings", "ClusterRoleBinding", false)],
        "networking.k8s.io/v1": [("networkpolicies", "NetworkPolicy", true), ("ingresses", "Ingress", true)],
        "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget", true)],
    ]

    /// Every object of `paths` (relative to the repository) as kubectl's client-side dry run prints it.
    static func create(_ paths: [String]) async throws -> [[String: Any]] {
        let folder = try TestFolder()
        let port = freePort()
        let cache = folder.path + "/kube-cache"
        let discovery = cache + "/discovery/127.0.0.1_\(port)"
        var groups: [[String: Any]] = []
        for (groupVersion, resources) in kinds {
            let parts = groupVersion.split(separator: "/").map(String.init)
            let group = parts.count == 2 ? parts[0] : "", version = parts.last!
            let preferred: [String: Any] = ["groupVersion": groupVersion, "version": version]
            groups.append(["name": group, "versions": [preferred], "preferredVersion": preferred])
            let list: [String: Any] = [
                "kind": "APIResourceList", "apiVersion": "v1", "groupVersion": groupVersion,
                "resources": resources.map { ["name": $0.0, "singularName": $0.1.lowercased(), "namespaced": $0.2, "kind": $0.1,
                                              "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]] },
            ]
            try folder.write(String(discovery.dropFirst(folder.path.count + 1)) + "/\(groupVersion)/serverresources.json",
                             String(decoding: try JSONSerialization.data(withJSONObject: list), as: UTF8.self))
        }
        try folder.write(String(discovery.dropFirst(folder.path.count + 1)) + "/servergroups.json",
                         String(decoding: try JSONSerialization.data(withJSONObject: ["kind": "APIGroupList", "apiVersion": "v1",
                                                                                       "groups": groups]), as: UTF8.self))
        try folder.write("kubeconfig", "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")

        let arguments = ["--server", "http://127.0.0.1:\(port)", "--cache-dir", cache, "create", "--dry-run=client",
                         "--validate=false", "-o", "json"] + paths.flatMap { ["-f", $0] }
        let result = try #require(try await ExternalTool.run("kubectl", arguments,
                                                       environment: ["KUBECONFIG": folder.path + "/kubeconfig", "HOME": folder.path]),
                                  "kubectl is not installed (scripts/test installs kubernetes-client)")
        try #require(result.status == 0, "kubectl \(arguments.joined(separator: " ")): \(result)")
        // kubectl prints one JSON object per manifest object, each starting with a line "{" (or one List).
        let printed = try result.stdout.components(separatedBy: "\n{").enumerated().map { index, chunk in
            let text = index == 0 ? chunk : "{" + chunk
            guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                throw StackSetupError(message: "kubectl printed something other than objects: \(text.prefix(200))")
            }
            return object
        }
        return printed.flatMap { $0["kind"] as? String == "List" ? ($0["items"] as? [[String: Any]] ?? []) : [$0] }
    }
}
