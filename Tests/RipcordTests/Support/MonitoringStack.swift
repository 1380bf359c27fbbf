import CurlClient
import Foundation

/// The repository this test file belongs to (for the shipped configs, examples and manifests).
enum RepositoryRoot {
    static let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    /// The absolute path of `relative` in the repository.
    static func file(_ relative: String) -> String { path + "/" + relative }
}

/// Finds programs on PATH and runs them to completion (promtool, amtool, docker-compose, kubectl ...).
enum ExternalTool {
    /// The absolute path of `name` on PATH, or nil.
    static func find(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") where folder.hasPrefix("/") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    struct Result: CustomStringConvertible {
        let status: Int32
        let stdout: String
        let stderr: String
        var description: String { "exit \(status)\nstdout:\n\(stdout)\nstderr:\n\(stderr)" }
    }

    /// Runs `name ARGS` (found on PATH) in `directory` and waits for it; nil when it is not installed.
    static func run(_ name: String, _ arguments: [String], in directory: String = RepositoryRoot.path,
                    environment: [String: String] = [:]) async throws -> Result? {
        try await offThePool { try runBlocking(name, arguments, in: directory, environment: environment) }
    }

    private static func runBlocking(_ name: String, _ arguments: [String], in directory: String,
                                    environment: [String: String]) throws -> Result? {
        guard let executable = name.hasPrefix("/") ? name : find(name) else { return nil }
        let process = Process.forTest(executable, arguments, in: directory, environment: environment)
        // Files, not pipes: a chatty tool can never block on a full pipe while nobody reads it.
        let folder = NSTemporaryDirectory() + "ripcord-tool-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = FileManager.default.createFile(atPath: folder + "/out", contents: nil)
        _ = FileManager.default.createFile(atPath: folder + "/err", contents: nil)
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/out"))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/err"))
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try? out.close()
        try? err.close()
        return Result(status: process.terminationStatus,
                      stdout: (try? String(contentsOfFile: folder + "/out", encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOfFile: folder + "/err", encoding: .utf8)) ?? "")
    }
}

/// One program an end-to-end test started: its output goes to a log file, and `stop` never leaves it running.
final class StackProcess: @unchecked Sendable {
    let name: String
    let process: Process
    let logPath: String

    init(name: String, executable: String, arguments: [String], directory: String, logPath: String,
         environment: [String: String] = [:]) throws {
        self.name = name
        self.logPath = logPath
        process = Process.forTest(executable, arguments, in: directory, environment: environment)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
    }

    var isRunning: Bool { process.isRunning }

    /// Sends SIGTERM (once).
    func terminate() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
    }

    /// Waits up to `grace` seconds for the process to exit after `terminate`, then SIGKILLs it. Bounded;
    /// these are separate processes, so the short wait holds up no engine under test.
    func reap(grace: Double = 5) {
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// The last `lines` lines of its log.
    func logTail(lines: Int = 25) -> String {
        let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "(no log)"
        let all = text.split(separator: "\n", omittingEmptySubsequences: false)
        return all.suffix(lines).joined(separator: "\n")
    }
}

/// A wait of an end-to-end test that passed its deadline: what it waited for, and each process's log tail.
struct StackWaitTimeout: Error, CustomStringConvertible {
    let what: String
    let seconds: Double
    let diagnostics: String
    var description: String { "timed out after \(Int(seconds)) s waiting for \(what)\n\(diagnostics)" }
}

/// An end-to-end test could not start its stack.
struct StackSetupError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// What one end-to-end scenario runs, all on 127.0.0.1 with free ports in one temporary folder: the demo
/// service (examples/demo-service), a real Prometheus scraping it every second with the shipped SLO rule
/// (deploy/compose/slo-rules.yml), a real Alertmanager routing to Ripcord with a Bearer token from a file,
/// and the built `ripcord serve` with the given executors and policies.
final class MonitoringStack: @unchecked Sendable {
    let folder: TestFolder
    let demoPort = freePort()
    let prometheusPort = freePort()
    let alertmanagerPort = freePort()
    let ripcordPort = freePort()
    private(set) var processes: [StackProcess] = []
    let client = HTTPClient()

    /// Alertmanager's timing, short so that a scenario takes seconds.
    static let groupWait = 1.0
    static let groupInterval = 5.0

    var ripcordBase: String { "http://127.0.0.1:\(ripcordPort)" }
    var demoBase: String { "http://127.0.0.1:\(demoPort)" }
    var prometheusBase: String { "http://127.0.0.1:\(prometheusPort)" }
    var alertmanagerBase: String { "http://127.0.0.1:\(alertmanagerPort)" }

    init() throws {
        folder = try TestFolder()
    }

    /// Starts every process and waits until each answers its health endpoint and Prometheus has scraped
    /// the demo service. `service` and `namespace` are the scrape target's labels (what the alert carries);
    /// `rollbackConfig` is ripcord.yml's executors, policies and the rest; `environment` goes to Ripcord
    /// (and so to the executors it runs).
    func start(service: String, namespace: String, rollbackConfig: String, environment: [String: String]) async throws {
        let systemPython = "/usr/bin/python3"   // starts faster than a pyenv shim
        guard let python = FileManager.default.isExecutableFile(atPath: systemPython) ? systemPython : ExternalTool.find("python3"),
              let prometheus = ExternalTool.find("prometheus"),
              let alertmanager = ExternalTool.find("prometheus-alertmanager") else {
            throw StackSetupError(message: "python3, prometheus and prometheus-alertmanager must be on PATH (scripts/test installs them)")
        }
        try writeConfigs(service: service, namespace: namespace, rollbackConfig: rollbackConfig)
        let path = folder.path

        try launch("demo-service", python, [RepositoryRoot.file("examples/demo-service/demo_service.py"),
                                            "--listen", "127.0.0.1:\(demoPort)", "--simulate-rps", "50", "--quiet"])
        try launch("ripcord", RipcordBinary.path, ["serve", "--config", path + "/ripcord.yml"], environment: environment)
        try launch("alertmanager", alertmanager, [
            "--config.file", path + "/alertmanager/alertmanager.yml", "--storage.path", path + "/alertmanager-data",
            "--web.listen-address", "127.0.0.1:\(alertmanagerPort)", "--cluster.listen-address=",
        ])
        try launch("prometheus", prometheus, [
            "--config.file", path + "/prometheus/prometheus.yml", "--storage.tsdb.path", path + "/prometheus-data",
            "--web.listen-address", "127.0.0.1:\(prometheusPort)", "--rules.alert.resend-delay=1s",
        ])

        try await waitFor("the demo service to answer /-/healthy", timeout: 15) { self.status(self.demoBase + "/-/healthy") == 200 }
        try await waitFor("ripcord to answer /-/ready", timeout: 15) { self.status(self.ripcordBase + "/-/ready") == 200 }
        try await waitFor("alertmanager to answer /-/ready", timeout: 15) { self.status(self.alertmanagerBase + "/-/ready") == 200 }
        try await waitFor("prometheus to answer /-/ready", timeout: 15) { self.status(self.prometheusBase + "/-/ready") == 200 }
        try await waitFor("prometheus to scrape the demo service (up{job=\"demo\"} == 1)", timeout: 15) {
            self.promQuery("up{job=\"demo\"}") == 1
        }
    }

    private func launch(_ name: String, _ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        processes.append(try StackProcess(name: name, executable: executable, arguments: arguments, directory: folder.path,
                                          logPath: folder.path + "/\(name).log", environment: environment))
    }

    private func writeConfigs(service: String, namespace: String, rollbackConfig: String) throws {
        // Tokens: the reader, deployer and Alertmanager credentials of the standard test config.
        try folder.write("secrets/alertmanager.token", Secrets.alertmanagerToken + "\n")
        try folder.write("secrets/reader.token", Secrets.readerToken + "\n")
        try folder.write("secrets/deployer.token", Secrets.deployerToken + "\n")
        try folder.write("ripcord.yml", """
            listen: 127.0.0.1:\(ripcordPort)
            database: data/ripcord.sqlite3
            auth:
              credentials:
                - name: alertmanager
                  role: alertmanager
                  token_file: secrets/alertmanager.token
                - name: oncall
                  role: reader
                  token_file: secrets/reader.token
                - name: ci
                  role: deployer
                  token_file: secrets/deployer.token
            \(rollbackConfig)
            """)
        // Alertmanager's token file is named relative to its config (as in deploy/compose), and the
        // process runs elsewhere: this proves Alertmanager resolves it against the config's folder.
        try folder.write("alertmanager/secrets/alertmanager.token", Secrets.alertmanagerToken + "\n")
        try folder.write("alertmanager/alertmanager.yml", """
            route:
              receiver: ripcord
              group_by: [alertname, service, namespace]
              group_wait: \(Int(Self.groupWait))s
              group_interval: \(Int(Self.groupInterval))s
              repeat_interval: 1s    # re-send an unchanged group at every group_interval: duplicates on purpose
            receivers:
              - name: ripcord
                webhook_configs:
                  - url: \(ripcordBase)/api/v1/alertmanager
                    send_resolved: true
                    http_config:
                      authorization:
                        type: Bearer
                        credentials_file: secrets/alertmanager.token
            """)
        try folder.write("prometheus/prometheus.yml", """
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            rule_files:
              - \(RepositoryRoot.file("deploy/compose/slo-rules.yml"))
            alerting:
              alertmanagers:
                - static_configs:
                    - targets: ['127.0.0.1:\(alertmanagerPort)']
            scrape_configs:
              - job_name: demo
                static_configs:
                  - targets: ['127.0.0.1:\(demoPort)']
                    labels: {service: \(service), namespace: \(namespace)}
            """)
    }

    /// Stops every process: SIGTERM to all, then SIGKILL for any still running after 5 s.
    func stop() {
        for process in processes.reversed() { process.terminate() }
        for process in processes.reversed() { process.reap() }
    }

    /// The tail of every process's log, for failure messages.
    func diagnostics(lines: Int = 25) -> String {
        processes.map { process in
            let state = process.isRunning ? "running" : "exited with \(process.process.terminationStatus)"
            return "----- \(process.name) (\(state)), last \(lines) lines of \(process.logPath):\n\(process.logTail(lines: lines))"
        }.joined(separator: "\n")
    }

    /// Polls `condition` until it holds; past the deadline, fails naming what it waited for, with every log's tail.
    func waitFor(_ what: String, timeout: Double, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return }
            if let dead = processes.first(where: { !$0.isRunning }) {
                throw StackWaitTimeout(what: what + " (but \(dead.name) exited)", seconds: timeout - deadline.timeIntervalSinceNow,
                                       diagnostics: diagnostics())
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw StackWaitTimeout(what: what, seconds: timeout, diagnostics: diagnostics())
    }

    // MARK: HTTP

    /// The status of a GET, or nil when nothing answered.
    func status(_ url: String) -> Int? {
        (try? client.send(HTTPClientRequest(url: url, timeout: 2, connectTimeout: 1)))?.status
    }

    /// A request to Ripcord with a token; the response, or nil when it did not answer.
    func ripcord(_ path: String, method: String = "GET", token: String = Secrets.readerToken,
                 json: [String: Any]? = nil) -> HTTPClientResponse? {
        var headers: [(name: String, value: String)] = [("Authorization", "Bearer \(token)")]
        var body: [UInt8] = []
        if let json {
            headers.append(("Content-Type", "application/json"))
            body = Array((try? JSONSerialization.data(withJSONObject: json)) ?? Data())
        }
        return try? client.send(HTTPClientRequest(method: method, url: ripcordBase + path, headers: headers, body: body, timeout: 5))
    }

    /// A read API's JSON object (empty when it did not answer 200).
    func read(_ path: String) -> [String: Any] {
        guard let response = ripcord(path), response.status == 200 else { return [:] }
        return response.json
    }

    /// Switches the demo service's share of 500s.
    func setErrorRatio(_ ratio: Double) -> Bool {
        let response = try? client.send(HTTPClientRequest(method: "POST", url: demoBase + "/error-ratio?ratio=\(ratio)", timeout: 5))
        return response?.status == 200
    }

    /// The value of an instant PromQL query with one result, or nil.
    func promQuery(_ query: String) -> Double? {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        guard let response = try? client.send(HTTPClientRequest(url: prometheusBase + "/api/v1/query?query=\(encoded)", timeout: 2)),
              response.status == 200,
              let data = response.json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
              let first = result.first, let value = first["value"] as? [Any], value.count == 2,
              let text = value[1] as? String else { return nil }
        return Double(text)
    }
}
