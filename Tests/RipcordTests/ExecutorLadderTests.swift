import Foundation
import MicroHTTPServer
import RipcordCore
import Synchronization
import Testing

@Suite("Executors: retries, escalation, timeouts, webhooks", .serialized)
struct ExecutorLadderTests {
    @Test("a failing action is retried with backoff, then the ladder escalates to the next action")
    func failureEscalates() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let config = rollbackConfig(program: program, arguments: ["exit=3", "name=first"], retries: 1,
                                    extraActions: ", second-script",
                                    extraExecutors: """
                                      - name: second-script
                                        kind: command
                                        command: ["\(program)", "name=second"]
                                        timeout: 10s
                                    """)
        let harness = try EngineHarness(folder: folder, rollbackConfig: config)
        try harness.deploy()
        _ = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForRollbacksToFinish(count: 1)
        let rollback = try #require(try harness.rollbacks().first)
        #expect(rollback.status == .succeeded)
        #expect(rollback.executor == "second-script")
        let names = FakeRollbackProgram.starts(in: folder).compactMap { $0.split(separator: " ").dropFirst().first }
        #expect(names == ["name=first", "name=first", "name=second"])
        let detail = try harness.get("/api/v1/rollbacks/\(rollback.id)")
        let attempts = detail["attempts"] as? [[String: Any]] ?? []
        #expect(attempts.map { $0["outcome"] as? String } == ["failed", "failed", "succeeded"])
        #expect(attempts.first?["exit_code"] as? Int == 3)
        #expect((attempts.first?["output_tail"] as? String)?.contains("output of first") == true)
        #expect((attempts.first?["request"] as? String)?.contains("\"argv\"") == true)
    }

    @Test("an action past its timeout is stopped (SIGTERM, then SIGKILL) and recorded as timed out")
    func timeoutKills() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program, arguments: ["sleep=30"],
                                                                                      timeout: "1s"))
        try harness.deploy()
        let began = Date()
        _ = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForRollbacksToFinish(count: 1, timeout: 20)
        #expect(Date().timeIntervalSince(began) < 10)
        let rollback = try #require(try harness.rollbacks().first)
        #expect(rollback.status == .failed)
        let attempts = try harness.get("/api/v1/rollbacks/\(rollback.id)")["attempts"] as? [[String: Any]] ?? []
        #expect(attempts.first?["outcome"] as? String == "timed_out")
        // The program never reached its end, and its process is gone.
        let calls = FakeRollbackProgram.calls(in: folder)
        #expect(!calls.contains { $0.hasPrefix("end") })
        let pid = calls.first.flatMap { $0.split(separator: " ").first { $0.hasPrefix("pid=") } }.map { String($0.dropFirst(4)) }
        #expect(pid.map { kill(pid_t($0)!, 0) != 0 } == true)
    }

    @Test("the webhook executor POSTs the deployment and alerts with the bearer token, which the audit never shows")
    func webhookExecutor() async throws {
        let received = Mutex<[HTTPRequest]>([])
        let receiver = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
                                  rejectionResponder: { _ in HTTPResponse(status: 413) },
                                  handler: { request in
                                      received.withLock { $0.append(request) }
                                      return HTTPResponse(status: 202, body: Array("queued".utf8))
                                  })
        try receiver.start()
        defer { receiver.stop() }
        let folder = try TestFolder()
        try folder.write("secrets/ci.token", "ci-secret-token-42\n")
        let config = """
            executors:
              - name: pipeline
                kind: webhook
                url: http://127.0.0.1:\(receiver.port)/hooks/rollback
                token_file: secrets/ci.token
                headers: {X-Team: payments}
                timeout: 5s
            policies:
              - name: slo-burn
                match: ['severity="critical"']
                deployment: {service: service, namespace: namespace}
                actions: [pipeline]
            """
        let harness = try EngineHarness(folder: folder, rollbackConfig: config)
        let deployment = try harness.deploy()
        _ = try harness.postWebhook(try Captures.body("01-firing-first"))
        try await harness.waitForRollbacksToFinish(count: 1)
        let request = try #require(received.withLock { $0.first })
        #expect(request.header("Authorization") == "Bearer ci-secret-token-42")
        #expect(request.header("X-Team") == "payments")
        let body = try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] ?? [:]
        #expect((body["deployment"] as? [String: Any])?["id"] as? Int == Int(deployment.id))
        #expect(body["to_version"] as? String == "1.4.1")
        #expect((body["alerts"] as? [[String: Any]])?.first?["fingerprint"] as? String == "d51e79fea960bb85")
        let rollback = try #require(try harness.rollbacks().first)
        #expect(rollback.status == .succeeded)
        let detail = try harness.client.send(.init(url: harness.base + "/api/v1/rollbacks/\(rollback.id)",
                                                   headers: [("Authorization", "Bearer \(Secrets.readerToken)")]))
        #expect(detail.bodyText.contains("<redacted>"))
        #expect(!detail.bodyText.contains("ci-secret-token-42"))
        #expect(detail.json["attempts"].map { ($0 as? [[String: Any]])?.first?["http_status"] as? Int } == 202)
    }
}
