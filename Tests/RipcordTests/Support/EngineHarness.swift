import CurlClient
import Foundation
import Logging
import RipcordCore
import RipcordServer
import RipcordStore

/// A fake rollback program (a shell script) that records every call, can sleep and fail, and notices
/// if two of its runs overlap.
enum FakeRollbackProgram {
    static let script = #"""
        #!/bin/sh
        # Fake rollback tool for tests: arguments sleep=N exit=N name=X. Records each call in calls.log.
        dir=$(dirname "$0")
        sleep_for=0; code=0; name=rollback
        for arg in "$@"; do
          case "$arg" in
            sleep=*) sleep_for=${arg#sleep=} ;;
            exit=*) code=${arg#exit=} ;;
            name=*) name=${arg#name=} ;;
          esac
        done
        # Another run still alive (not a zombie waiting to be reaped) means two runs at once.
        if [ -e "$dir/running" ]; then
          state=$(cut -d' ' -f3 "/proc/$(cat "$dir/running")/stat" 2>/dev/null)
          if [ -n "$state" ] && [ "$state" != "Z" ]; then echo "OVERLAP $$ with $(cat "$dir/running") state $state" >> "$dir/calls.log"; fi
        fi
        echo $$ > "$dir/running"
        echo "start name=$name pid=$$ service=$RIPCORD_SERVICE namespace=$RIPCORD_NAMESPACE deployment=$RIPCORD_DEPLOYMENT_ID rollback=$RIPCORD_ROLLBACK_ID version=$RIPCORD_VERSION previous=$RIPCORD_PREVIOUS_VERSION policy=$RIPCORD_POLICY alert=$RIPCORD_ALERTNAME fingerprints=$RIPCORD_ALERT_FINGERPRINTS dry=$RIPCORD_DRY_RUN attempt=$RIPCORD_ATTEMPT" >> "$dir/calls.log"
        echo "output of $name"
        sleep "$sleep_for"
        rm -f "$dir/running"
        echo "end name=$name pid=$$" >> "$dir/calls.log"
        exit "$code"
        """#

    static func install(in folder: TestFolder) throws -> String {
        let path = folder.path + "/bin/fake-rollback"
        try folder.write("bin/fake-rollback", script)
        chmod(path, 0o755)
        return path
    }

    /// Lines of calls.log.
    static func calls(in folder: TestFolder) -> [String] {
        ((try? String(contentsOfFile: folder.path + "/bin/calls.log", encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }

    static func starts(in folder: TestFolder) -> [String] { calls(in: folder).filter { $0.hasPrefix("start ") } }
}

/// Ripcord with its rollback engine running in this process, with a config of executors and policies.
final class EngineHarness: @unchecked Sendable {
    let folder: TestFolder
    let application: RipcordApplication
    let client = HTTPClient()
    let base: String
    private var engineTask: Task<Void, Never>?

    /// Writes a config (the standard credentials plus `rollbackConfig`) unless one exists, and starts.
    init(folder: TestFolder, rollbackConfig: String? = nil, retention: RetentionSchedule = .standard) throws {
        self.folder = folder
        if let rollbackConfig {
            let path = try folder.writeStandardConfig(extra: rollbackConfig)
            // The standard config has a limits block; the rollback limits go into it.
            var text = try String(contentsOfFile: path, encoding: .utf8)
            if let marker = rollbackConfig.range(of: #"# limits: max_rollbacks=(\d+) concurrency=(\d+)"#, options: .regularExpression) {
                let parts = rollbackConfig[marker].split(separator: " ")
                let max = parts[2].split(separator: "=")[1], concurrency = parts[3].split(separator: "=")[1]
                text = text.replacingOccurrences(of: "limits:\n", with: "limits:\n  max_rollbacks: \(max)\n  window: 1h\n  concurrency: \(concurrency)\n")
            }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let config = try ConfigLoader.load(path: folder.path + "/ripcord.yml")
        var options = ServeOptions(config: config)
        options.engineTick = .milliseconds(50)
        options.retentionSchedule = retention
        var logger = Logger(label: "ripcord-engine-test")
        logger.logLevel = .critical
        application = try RipcordApplication(options: options, logger: logger)
        try application.server.start()
        base = "http://127.0.0.1:\(application.server.port)"
        let engine = application.engine
        engineTask = Task { await engine.run() }
    }

    /// Stops the server and the engine and waits for the engine to wind down (never blocking a
    /// concurrency thread: the engine needs those to finish).
    func stop() async {
        guard let task = shutDown() else { return }
        await task.value
        application.store.close()
    }

    /// Stops accepting and cancels the engine; returns its task to await.
    private func shutDown() -> Task<Void, Never>? {
        guard let task = engineTask else { return nil }
        engineTask = nil
        application.server.stopAccepting()
        _ = application.server.waitUntilIdle(timeout: .seconds(5))
        application.server.stop()
        application.engine.finish()
        task.cancel()
        return task
    }

    deinit {
        // Tests that forget to stop: close the store once the engine has wound down, without waiting here.
        if let task = shutDown() {
            let store = application.store
            Task { await task.value; store.close() }
        }
    }

    var store: SQLiteStore { application.store }

    /// Records a deployment straight in the store, deployed at `deployedAt` (before the captured alerts by default).
    @discardableResult
    func deploy(service: String = "checkout", namespace: String = "prod", cluster: String = "", version: String = "1.4.2",
                previous: String = "1.4.1", deployedAt: String = "2026-11-27T00:00:00Z",
                soakSeconds: Double = 86_400 * 3650) throws -> Deployment {
        try store.recordDeployment(NewDeployment(service: service, namespace: namespace, cluster: cluster, version: version,
                                                 previousVersion: previous),
                                   soakSeconds: soakSeconds, by: "test", now: Timestamp(rfc3339: deployedAt)!).deployment
    }

    func postWebhook(_ body: [UInt8]) throws -> HTTPClientResponse {
        try client.send(HTTPClientRequest(method: "POST", url: base + "/api/v1/alertmanager",
                                          headers: [("Authorization", "Bearer \(Secrets.alertmanagerToken)"),
                                                    ("Content-Type", "application/json")],
                                          body: body, timeout: 10))
    }

    func get(_ path: String) throws -> [String: Any] {
        let response = try client.send(HTTPClientRequest(url: base + path, headers: [("Authorization", "Bearer \(Secrets.readerToken)")]))
        return response.json
    }

    func rollbacks() throws -> [RollbackSummary] {
        try store.rollbacks(service: nil, status: nil, limit: 500, before: nil)
    }

    /// Waits until every rollback is in a final state (or the deadline passes).
    func waitForRollbacksToFinish(count: Int? = nil, timeout: Double = 15) async throws {
        try await eventually("rollbacks to finish", timeout: timeout) {
            guard let all = try? rollbacks() else { return false }
            if let count, all.count != count { return false }
            return all.allSatisfy { $0.status.isFinal || $0.status == .interrupted }
        }
    }

    /// Waits until every stored delivery has been planned.
    func waitForPlanning(timeout: Double = 10) async throws {
        try await eventually("deliveries to be planned", timeout: timeout) {
            (try? store.unplannedDeliveryIDs().isEmpty) ?? false
        }
    }

    /// The `RIPCORD_ATTEMPT` value of each recorded attempt, oldest first: what its processes get.
    func attemptMarkers() throws -> [String] {
        try store.read("reading attempts") { db in
            try db.query("SELECT a.id, r.owner FROM rollback_attempts a JOIN rollbacks r ON r.id = a.rollback_id ORDER BY a.id")
                .map { ProcessMarker.value(attemptID: $0.int("id"), owner: $0.text("owner")) }
        }
    }

    func decisions(delivery id: Int64) throws -> [Decision] {
        try store.decisions(deliveryID: id)
    }
}

/// Builds webhook bodies shaped like the recorded ones, for cases no capture shows (two services in one group).
enum Notifications {
    static func firing(_ alerts: [(service: String, fingerprint: String)], namespace: String = "prod",
                       startsAt: String = "2026-11-27T00:15:04.945209345Z", alertname: String = "HighErrorRate",
                       status: String = "firing", endsAt: String = "0001-01-01T00:00:00Z") -> [UInt8] {
        let items = alerts.map { alert in
            let labels: [String: String] = ["alertname": alertname, "service": alert.service, "namespace": namespace, "severity": "critical"]
            return [
                "status": status, "labels": labels, "annotations": ["summary": "5xx above 5%"], "startsAt": startsAt,
                "endsAt": endsAt, "generatorURL": "http://prometheus.example:9090/graph", "fingerprint": alert.fingerprint,
            ] as [String: Any]
        }
        let object: [String: Any] = [
            "receiver": "rollback-webhook", "status": status, "alerts": items, "groupLabels": ["alertname": alertname],
            "commonLabels": ["alertname": alertname], "commonAnnotations": [:] as [String: String],
            "externalURL": "http://127.0.0.1:9093", "version": "4",
            "groupKey": "{}:{alertname=\"\(alertname)\"}", "truncatedAlerts": 0,
        ]
        return Array(try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }
}

/// The rollback config most engine tests use: one command executor and one policy.
func rollbackConfig(program: String, arguments: [String] = [], timeout: String = "10s", delay: String = "0s",
                    forDuration: String = "0s", retries: Int = 0, cooldown: String = "0s", dryRun: Bool = false,
                    maxRollbacks: Int = 50, concurrency: Int = 2, extraActions: String = "", extraExecutors: String = "",
                    resumeInterrupted: Bool = true) -> String {
    let argv = ([program] + arguments).map { "\"\($0)\"" }.joined(separator: ", ")
    return """
        executors:
          - name: rollback-script
            kind: command
            command: [\(argv)]
            timeout: \(timeout)
            kill_grace: 1s
        \(extraExecutors)
        policies:
          - name: slo-burn
            match: ['severity="critical"', 'alertname=~"HighErrorRate|LatencyHigh"']
            deployment: {service: service, namespace: namespace}
            for: \(forDuration)
            delay: \(delay)
            cancel_on_resolve: true
            actions: [rollback-script\(extraActions)]
            retries: \(retries)
            retry_backoff: 100ms
            dry_run: \(dryRun)
            cooldown: \(cooldown)
            resume_interrupted: \(resumeInterrupted)
        deployments:
          default_soak: 30m
        # limits: max_rollbacks=\(maxRollbacks) concurrency=\(concurrency)
        """
}
