import Foundation
import Logging
import MicroHTTPServer
import RipcordCore
import RipcordExecutors
import Synchronization
import Testing

@Suite("Rollback notifications to a Slack-compatible webhook")
struct RollbackNotifierTests {
    /// A webhook receiver on 127.0.0.1 that keeps what it was sent.
    final class Receiver: @unchecked Sendable {
        let received = Mutex<[HTTPRequest]>([])
        var server: HTTPServer!
        init(status: Int = 200) throws {
            server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0),
                                rejectionResponder: { _ in HTTPResponse(status: 413) },
                                handler: { [unowned self] request in
                                    received.withLock { $0.append(request) }
                                    return HTTPResponse(status: status, body: Array("ok".utf8))
                                })
            try server.start()
        }
        deinit { server.stop() }
        var requests: [HTTPRequest] { received.withLock { $0 } }
    }

    func policy(_ notify: NotifyConfig?) -> PolicyConfig {
        var policy = PolicyConfig(name: "slo-burn", matchers: [], deployment: ["service": "service"], actions: ["helm", "undo"])
        policy.notify = notify
        return policy
    }

    func text(_ request: HTTPRequest?) -> String {
        guard let request, let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else { return "" }
        return object["text"] as? String ?? ""
    }

    @Test("a start and an end message carry the service, versions, alert, result and a link to the audit entry")
    func startAndEnd() async throws {
        let receiver = try Receiver()
        let server = receiver.server!
        let notify = NotifyConfig(url: "http://127.0.0.1:\(server.port)/services/T000/B000/XXXX", token: "hook-token",
                                  linkBase: "https://ripcord.example.com")
        let notifier = RollbackNotifier(policies: [policy(notify)], logger: Logger(label: "test"))
        var job = rollbackJob(target: [:], cluster: "kind-prod", id: 42)
        job.actions = ["helm", "undo"]
        #expect(await notifier.started(job: job))
        #expect(await notifier.finished(job: job, status: .succeeded, reason: "helm succeeded: deployed, revision 5, \"Rollback to 2\" <ok>"))
        let requests = receiver.requests
        #expect(requests.count == 2)
        #expect(requests.first?.path == "/services/T000/B000/XXXX")
        #expect(requests.first?.header("Content-Type") == "application/json")
        #expect(requests.first?.header("Authorization") == "Bearer hook-token")
        #expect(text(requests.first) == """
            :rewind: Ripcord is rolling back *checkout* in prod (cluster kind-prod): 1.4.2 → 1.4.1 (rollback 42, policy slo-burn, actions helm → undo)
            Triggered by: HighErrorRate
            Audit: https://ripcord.example.com/api/v1/rollbacks/42
            """)
        #expect(text(requests.last) == """
            :white_check_mark: Ripcord rollback 42 of *checkout* in prod (cluster kind-prod): 1.4.2 → 1.4.1 succeeded: helm succeeded: deployed, revision 5, "Rollback to 2" &lt;ok&gt;
            Triggered by: HighErrorRate
            Audit: https://ripcord.example.com/api/v1/rollbacks/42
            """)
    }

    @Test("a failure is posted too; a receiver that refuses or is down only costs a log line, never an error")
    func failuresAreOnlyLogged() async throws {
        let receiver = try Receiver(status: 500)
        let server = receiver.server!
        let job = rollbackJob(target: [:])
        let refusing = RollbackNotifier(policies: [policy(NotifyConfig(url: "http://127.0.0.1:\(server.port)/hook"))], logger: Logger(label: "test"))
        #expect(await refusing.finished(job: job, status: .failed, reason: "every action failed") == false)
        #expect(text(receiver.requests.first).hasPrefix(":x: Ripcord rollback 11 of *checkout* in prod: 1.4.2 → 1.4.1 failed: every action failed"))
        #expect(text(receiver.requests.first).hasSuffix("Audit: /api/v1/rollbacks/11"), "without link_base the path alone")

        let down = RollbackNotifier(policies: [policy(NotifyConfig(url: "http://127.0.0.1:\(freePort())/hook"))], logger: Logger(label: "test"),
                                    timeout: 2)
        let began = Date()
        #expect(await down.started(job: job) == false)
        // Loose on purpose (a parallel run on 2 cores stalls for seconds): returning at all shows a
        // receiver that is down does not hold the rollback up.
        #expect(Date().timeIntervalSince(began) < 30)
        let silent = RollbackNotifier(policies: [policy(nil)], logger: Logger(label: "test"))
        #expect(await silent.started(job: job) == false, "no notify block: nothing is sent")
    }
}
