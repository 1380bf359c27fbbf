import CurlClient
import Foundation
import RipcordCore
import SQLiteDB
import Testing

/// The in-suite version of scripts/crash-test: 3 cycles of `kill -9` of `ripcord serve` at a random
/// moment under load, about 15 s. After each restart every delivery acknowledged with a 2xx is in
/// the database with its body's hash, the audit chain verifies, and no rollback ran twice.
@Suite("Crash under load", .serialized)
struct CrashTests {
    /// What the clients were told, shared with the load threads.
    final class Acknowledgements: @unchecked Sendable {
        private let lock = NSLock()
        private var byID: [Int64: String] = [:]
        private var answers = 0
        private var threads = 0
        private var stopping = false

        func record(id: Int64, sha: String) { lock.lock(); byID[id] = sha; answers += 1; lock.unlock() }
        func began() { lock.lock(); threads += 1; lock.unlock() }
        func ended() { lock.lock(); threads -= 1; lock.unlock() }
        func stop(_ value: Bool) { lock.lock(); stopping = value; lock.unlock() }
        var shouldStop: Bool { lock.lock(); defer { lock.unlock() }; return stopping }
        var running: Int { lock.lock(); defer { lock.unlock() }; return threads }
        var acknowledged: [Int64: String] { lock.lock(); defer { lock.unlock() }; return byID }
        var answerCount: Int { lock.lock(); defer { lock.unlock() }; return answers }
    }

    /// Starts `count` threads posting unique deliveries (every fifth repeats an earlier body, as an
    /// HA replica would) for `services` until told to stop or the server is gone for good.
    static func startLoad(port: UInt16, services: [String], cycle: Int, count: Int, into acks: Acknowledgements) {
        acks.stop(false)
        for worker in 0..<count {
            acks.began()
            Thread.detachNewThread {
                let client = HTTPClient()
                var sent: [[UInt8]] = []
                var n = 0
                while !acks.shouldStop && n < 2_000 {
                    n += 1
                    // Paced (about 100 a second per thread): enough deliveries in flight for a kill to
                    // land mid-commit, without taking the CPU from the suites running alongside.
                    usleep(10_000)
                    let body: [UInt8]
                    if n % 5 == 0, let earlier = sent.randomElement() {
                        body = earlier
                    } else {
                        let service = services[n % services.count]
                        body = Notifications.firing([(service: service, fingerprint: String(format: "%02x%02x%012x", cycle, worker, n))],
                                                    startsAt: Timestamp.now().rfc3339)
                        sent.append(body)
                    }
                    let request = HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/api/v1/alertmanager",
                                                    headers: [("Authorization", "Bearer \(Secrets.alertmanagerToken)"),
                                                              ("Content-Type", "application/json")],
                                                    body: body, timeout: 5, connectTimeout: 1)
                    guard let response = try? client.send(request) else {
                        usleep(20_000)
                        continue
                    }
                    if response.status == 200, let id = (response.json["delivery_id"] as? NSNumber)?.int64Value {
                        acks.record(id: id, sha: SHA256.hex(body))
                    }
                }
                acks.ended()
            }
        }
    }

    @Test("kill -9 under load, 3 times: nothing acknowledged is lost, the audit chain verifies, no rollback runs twice")
    func killUnderLoad() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let port = freePort()
        // Each rollback's command runs 1 s, so a kill can land while one runs. resume_interrupted
        // false: an interrupted rollback is left for a human, so "ran twice" is never by design.
        let path = try folder.writeStandardConfig(listen: "127.0.0.1:\(port)",
                                                  extra: rollbackConfig(program: program, arguments: ["sleep=1"], resumeInterrupted: false))
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "limits:\n", with: "limits:\n  max_rollbacks: 100\n  window: 1h\n  concurrency: 2\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let database = folder.path + "/data/ripcord.sqlite3"
        let acks = Acknowledgements()
        let deployer = HTTPClient()

        var server = try RipcordBinary.start(["serve"], in: folder.path, log: folder.path + "/serve-0.log")
        defer { acks.stop(true); if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        for cycle in 1...3 {
            try await eventually("ripcord to listen") { (try? RawConnection(port: port)) != nil }
            let service = "crash-\(cycle)"
            let recorded = try deployer.send(HTTPClientRequest(
                method: "POST", url: "http://127.0.0.1:\(port)/api/v1/deployments",
                headers: [("Authorization", "Bearer \(Secrets.deployerToken)"), ("Content-Type", "application/json")],
                body: Array(#"{"service":"\#(service)","namespace":"prod","version":"2.\#(cycle)","previous_version":"1.0","soak":"1h"}"#.utf8)))
            #expect(recorded.status == 201, "\(recorded.bodyText)")

            CrashTests.startLoad(port: port, services: [service, "undeployed"], cycle: cycle, count: 4, into: acks)
            try await Task.sleep(for: .milliseconds(Int.random(in: 400...1_500)))
            kill(server.processIdentifier, SIGKILL)
            try await eventually("ripcord to die") { !server.isRunning }
            acks.stop(true)
            try await eventually("the load threads to stop") { acks.running == 0 }

            server = try RipcordBinary.start(["serve"], in: folder.path, log: folder.path + "/serve-\(cycle).log")
            try await eventually("ripcord to listen again") { (try? RawConnection(port: port)) != nil }

            let db = try Database(path: database, mode: .readOnly)
            var stored: [Int64: String] = [:]
            for row in try db.query("SELECT id, body_sha256 FROM deliveries") { stored[row.int("id")] = row.text("body_sha256") }
            let acknowledged = acks.acknowledged
            let lost = acknowledged.filter { stored[$0.key] != $0.value }
            #expect(lost.isEmpty, "cycle \(cycle): acknowledged \(acknowledged.count), lost \(lost.count): \(lost.keys.sorted().prefix(10))")
            #expect(acknowledged.count > 0, "cycle \(cycle): nothing was acknowledged before the kill")
            let audit = try await RipcordBinary.run(["audit", "verify", "--db", database], in: folder.path)
            #expect(audit.status == 0, "cycle \(cycle): \(audit.stdout) \(audit.stderr)")
            let perDeployment = try db.query("SELECT deployment_id, count(*) AS n FROM rollbacks GROUP BY deployment_id HAVING n > 1")
            #expect(perDeployment.isEmpty, "cycle \(cycle): a deployment has two rollbacks")
        }

        // No rollback's command started twice, and no two ever overlapped.
        let calls = FakeRollbackProgram.calls(in: folder)
        #expect(!calls.contains { $0.hasPrefix("OVERLAP") }, "\(calls)")
        let started = calls.filter { $0.hasPrefix("start") }.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("rollback=") }.map(String.init)
        }
        #expect(Set(started).count == started.count, "a rollback ran twice: \(started)")
        #expect(acks.answerCount >= acks.acknowledged.count)

        kill(server.processIdentifier, SIGTERM)
        try await eventually("ripcord to stop", timeout: 15) { !server.isRunning }
        #expect(server.terminationStatus == 0)
    }
}
