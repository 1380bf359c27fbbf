import Foundation
import RipcordCore
import RipcordExecutors
import RipcordStore
import SQLiteDB
import Testing

@Suite("Crash recovery", .serialized)
struct RecoveryTests {
    /// How long the fake command runs. The restarted server must stop the orphan before it ends on
    /// its own, and a server's start under a sanitizer with the suites beside it took over 2 s.
    static let orphanSeconds = 6

    @Test("kill -9 of ripcord serve mid-rollback leaves an interrupted job that the next start recovers, never running the command twice at once")
    func killDashNineMidJob() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let port = freePort()
        _ = try folder.writeStandardConfig(listen: "127.0.0.1:\(port)", extra: rollbackConfig(program: program, arguments: ["sleep=\(RecoveryTests.orphanSeconds)"]))
        // Record the deployment through a first, short-lived server (the store is the same file).
        do {
            let setup = try EngineHarness(folder: folder)
            try setup.deploy()
            await setup.stop()
        }
        var server = try RipcordBinary.start(["serve"], in: folder.path, log: folder.path + "/serve-1.log")
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        try await eventually("ripcord to listen") { (try? RawConnection(port: port)) != nil }
        let client = RunningClient(port: port)
        #expect(try client.postWebhook(try Captures.body("01-firing-first")).status == 200)
        try await eventually("the rollback command to start") { FakeRollbackProgram.starts(in: folder).count == 1 }
        kill(server.processIdentifier, SIGKILL)
        await server.exited()

        // The database says the job was running; the command may still run as an orphan.
        let db = try Database(path: folder.path + "/data/ripcord.sqlite3")
        #expect(try db.queryOne("SELECT status FROM rollbacks")?.text("status") == "running")

        server = try RipcordBinary.start(["serve"], in: folder.path, log: folder.path + "/serve-2.log")
        try await eventually("the rollback to finish after the restart", timeout: 30) {
            (try? db.queryOne("SELECT status FROM rollbacks")?.text("status")) == "succeeded"
        }
        let calls = FakeRollbackProgram.calls(in: folder)
        #expect(!calls.contains { $0.hasPrefix("OVERLAP") }, "\(calls)")
        #expect(calls.filter { $0.hasPrefix("start") }.count == 2)
        // The first run was stopped by the recovery: it never reached its end.
        #expect(calls.filter { $0.hasPrefix("end") }.count == 1, "\(calls)")
        let row = try #require(try db.queryOne("SELECT run_count, reason FROM rollbacks"))
        #expect(row.int("run_count") == 2)
        let outcomes = try db.query("SELECT outcome FROM rollback_attempts ORDER BY id").map { $0.text("outcome") }
        #expect(outcomes == ["interrupted", "succeeded"])
        kill(server.processIdentifier, SIGTERM)
        await server.exited()
        #expect(server.terminationStatus == 0)
    }

    @Test("with resume_interrupted: false an interrupted rollback is left for a human")
    func interruptedLeftForAHuman() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let port = freePort()
        _ = try folder.writeStandardConfig(listen: "127.0.0.1:\(port)",
                                           extra: rollbackConfig(program: program, arguments: ["sleep=\(RecoveryTests.orphanSeconds)"], resumeInterrupted: false))
        do {
            let setup = try EngineHarness(folder: folder)
            try setup.deploy()
            await setup.stop()
        }
        let server = try RipcordBinary.start(["serve"], in: folder.path, log: folder.path + "/serve-1.log")
        try await eventually("ripcord to listen") { (try? RawConnection(port: port)) != nil }
        _ = try RunningClient(port: port).postWebhook(try Captures.body("01-firing-first"))
        try await eventually("the rollback command to start") { FakeRollbackProgram.starts(in: folder).count == 1 }
        kill(server.processIdentifier, SIGKILL)
        await server.exited()

        let restarted = try EngineHarness(folder: folder)
        try await eventually("recovery") { (try? restarted.rollbacks().first?.status) == .interrupted }
        try await Task.sleep(for: .seconds(0.5))
        let rollback = try #require(try restarted.rollbacks().first)
        #expect(rollback.status == .interrupted)
        #expect(rollback.reason.contains("left for a human"))
        let starts = FakeRollbackProgram.starts(in: folder)
        #expect(starts.count == 1)
        // The orphaned command was stopped, not left running (it would run for orphanSeconds).
        let pid = try #require(starts.first?.split(separator: " ").first { $0.hasPrefix("pid=") }.flatMap { Int32($0.dropFirst(4)) })
        try await eventually("the orphaned command \(pid) to be stopped", timeout: Double(RecoveryTests.orphanSeconds) - 2) {
            ProcessTable.startTime(of: pid) == nil
        }
        #expect(!FakeRollbackProgram.calls(in: folder).contains { $0.hasPrefix("end") })
    }

    @Test("a crash before the command's pid was recorded: the restart finds its processes by their RIPCORD_ATTEMPT marker and stops them, and only them")
    func orphanFoundByItsMarker() async throws {
        let folder = try TestFolder()
        _ = try folder.writeStandardConfig(extra: rollbackConfig(program: "/bin/true", resumeInterrupted: false))
        // What a ripcord killed right after a spawn leaves: its rollback running, the attempt
        // recorded as running without a pid, and the command alive in a session of its own.
        let dead = "pid 999999 on elsewhere since 2026-11-27T00:00:00.000Z"
        let attemptID: Int64
        do {
            let store = try SQLiteStore(path: folder.path + "/data/ripcord.sqlite3")
            defer { store.close() }
            let deployment = try store.recordDeployment(NewDeployment(service: "checkout", namespace: "prod", version: "1.4.2",
                                                                      previousVersion: "1.4.1"),
                                                        soakSeconds: 3600, by: "test", now: .now()).deployment
            let db = try Database(path: store.path)
            try db.run("""
                INSERT INTO rollbacks (deployment_id, policy, service, namespace, status, actions, created_at, not_before, updated_at)
                VALUES (?, 'slo-burn', 'checkout', 'prod', 'pending', '["rollback-script"]', ?, ?, ?)
                """, [.integer(deployment.id), .text(Timestamp.now().rfc3339), .text(Timestamp.now().rfc3339), .text(Timestamp.now().rfc3339)])
            let claimed = try store.claimDueRollbacks(now: .now(), limit: 1, owner: dead)
            let rollback = try #require(claimed.first)
            attemptID = try store.startAttempt(rollbackID: rollback.id, actionIndex: 0, executor: "rollback-script", kind: "command",
                                               attempt: 1, request: "{}", now: .now())
        }
        func orphan(marker: String) throws -> Process {
            // In a session of its own, as CommandRunner starts commands (setsid(1) would fork here).
            let process = Process.forTest("/usr/bin/python3", ["-c", "import os, time\ntry: os.setsid()\nexcept OSError: pass\ntime.sleep(60)"],
                                          in: folder.path, environment: [ProcessMarker.variable: marker])
            try process.run()
            return process
        }
        let left = try orphan(marker: ProcessMarker.value(attemptID: attemptID, owner: dead))
        // Another ripcord's attempt with the same id (another database on this host): not ours to stop.
        let other = try orphan(marker: ProcessMarker.value(attemptID: attemptID, owner: "pid 1 on elsewhere since 2026-01-01T00:00:00.000Z"))
        defer { kill(other.processIdentifier, SIGKILL) }
        try await eventually("the orphans to start") {
            ProcessTable.startTime(of: left.processIdentifier) != nil && ProcessTable.startTime(of: other.processIdentifier) != nil
        }

        let restarted = try EngineHarness(folder: folder)
        try await eventually("recovery") { (try? restarted.rollbacks().first?.status) == .interrupted }
        try await eventually("the orphan \(left.processIdentifier) to be stopped", timeout: 10) { ProcessTable.startTime(of: left.processIdentifier) == nil }
        #expect(ProcessTable.startTime(of: other.processIdentifier) != nil, "a process with another ripcord's marker was stopped")
        await restarted.stop()
    }

    @Test("a second ripcord serve on the same database refuses to start")
    func secondServerRefused() async throws {
        let folder = try TestFolder()
        _ = try folder.writeStandardConfig()
        let first = try EngineHarness(folder: folder)
        let second = try await RipcordBinary.run(["serve"], in: folder.path)
        #expect(second.status != 0)
        #expect(second.stderr.contains("another ripcord serve is using"), "\(second.stderr)")
        await first.stop()
    }
}

/// A small client for a ripcord started as a separate process.
struct RunningClient {
    let port: UInt16

    func postWebhook(_ body: [UInt8]) throws -> HTTPClientResponseLite {
        let connection = try RawConnection(port: port)
        connection.send(Array("POST /api/v1/alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Secrets.alertmanagerToken)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n".utf8) + body)
        let text = connection.readResponse()
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        return HTTPClientResponseLite(status: status, text: text)
    }
}

struct HTTPClientResponseLite {
    let status: Int
    let text: String
}
