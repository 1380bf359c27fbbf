import Foundation
import Testing

@Suite("/metrics", .serialized)
struct MetricsTests {
    func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("deliveries, alerts, decisions, rollbacks and HTTP timings are exposed in Prometheus naming")
    func metricsCountWhatHappened() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let harness = try EngineHarness(folder: folder, rollbackConfig: rollbackConfig(program: program))
        try harness.deploy()
        let body = try Captures.body("01-firing-first")
        _ = try harness.postWebhook(body)
        _ = try harness.postWebhook(body)
        _ = try harness.postWebhook(Array("{}".utf8))
        try await harness.waitForRollbacksToFinish(count: 1)
        try await eventually("the rollback to be counted") {
            let text = (try? harness.client.send(.init(url: harness.base + "/metrics")).bodyText) ?? ""
            return text.contains("ripcord_rollbacks_total{executor=\"rollback-script\",result=\"succeeded\"} 1")
        }
        let response = try harness.client.send(.init(url: harness.base + "/metrics"))
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let text = response.bodyText
        #expect(value(text, #"ripcord_deliveries_total{result="stored"}"#) == 1)
        #expect(value(text, #"ripcord_deliveries_total{result="duplicate"}"#) == 1)
        #expect(value(text, #"ripcord_deliveries_total{result="rejected"}"#) == 1)
        #expect(value(text, #"ripcord_alerts_received_total{status="firing"}"#) == 1)
        #expect(value(text, #"ripcord_decisions_total{outcome="matched"}"#) == 1)
        #expect(value(text, "ripcord_rollback_duration_seconds_count") == 1)
        #expect(value(text, "ripcord_rollback_queue_depth") == 0)
        #expect(value(text, "ripcord_circuit_open") == 0)
        #expect(value(text, #"ripcord_build_info{version="0.1.0"}"#) == 1)
        #expect(text.contains(#"ripcord_http_request_duration_seconds_count{route="/api/v1/alertmanager",code="200"} 2"#))
        #expect(text.contains(#"ripcord_http_request_duration_seconds_count{route="/api/v1/alertmanager",code="400"} 1"#))
        await harness.stop()
    }
}
