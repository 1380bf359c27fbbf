import CurlClient
import Foundation
import Testing

@Suite("A real Alertmanager over HTTPS with mutual TLS", .serialized)
struct AlertmanagerTLSTests {
    /// Starts Debian's Alertmanager with one webhook receiver pointing at Ripcord.
    func startAlertmanager(_ folder: TestFolder, name: String, ripcordPort: UInt16, withClientCertificate: Bool) throws -> (Process, UInt16) {
        let port = freePort()
        let tls = withClientCertificate
            ? "ca_file: \(folder.path)/tls/ca.crt\n            cert_file: \(folder.path)/tls/am.crt\n            key_file: \(folder.path)/tls/am.key"
            : "ca_file: \(folder.path)/tls/ca.crt"
        try folder.write("\(name)/alertmanager.yml", """
            route:
              receiver: ripcord
              group_by: [alertname, service]
              group_wait: 1s
              group_interval: 5s
              repeat_interval: 1h
            receivers:
              - name: ripcord
                webhook_configs:
                  - url: https://127.0.0.1:\(ripcordPort)/api/v1/alertmanager
                    send_resolved: true
                    http_config:
                      tls_config:
                        \(tls)
                        min_version: TLS12
            """)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager")
        process.arguments = ["--config.file=\(folder.path)/\(name)/alertmanager.yml", "--storage.path=\(folder.path)/\(name)/data",
                             "--web.listen-address=127.0.0.1:\(port)", "--cluster.listen-address="]
        let log = FileHandle(forWritingAtPath: {
            let path = "\(folder.path)/\(name)/alertmanager.log"
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            return path
        }())
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return (process, port)
    }

    func fire(_ amPort: UInt16, service: String) throws -> Int {
        let body = #"[{"labels": {"alertname": "HighErrorRate", "service": "\#(service)", "namespace": "prod", "severity": "critical"}, "annotations": {"summary": "5xx"}}]"#
        return try HTTPClient().send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(amPort)/api/v2/alerts",
                                                       headers: [("Content-Type", "application/json")], body: Array(body.utf8))).status
    }

    @Test("Alertmanager with tls_config and a client certificate delivers; one without a client certificate is refused")
    func alertmanagerDeliversOverMutualTLS() async throws {
        let folder = try TestFolder()
        let certs = TestCertificates(folder: folder.path + "/tls")
        try FileManager.default.createDirectory(atPath: certs.folder, withIntermediateDirectories: true)
        try await certs.makeCA("ca")
        try await certs.issue("server", ca: "ca", subject: "/CN=127.0.0.1", server: true)
        try await certs.issue("am", ca: "ca", subject: "/O=ops/CN=alertmanager", server: false)
        _ = try folder.writeStandardConfig(extra: """
            tls:
              cert_file: tls/server.crt
              key_file: tls/server.key
              client_ca_file: tls/ca.crt
            """)
        var text = try String(contentsOfFile: folder.path + "/ripcord.yml", encoding: .utf8)
        text = text.replacingOccurrences(of: "  credentials:\n", with: "  credentials:\n    - name: am-mtls\n      role: alertmanager\n      client_cert_subject: \"CN=alertmanager,O=ops\"\n")
        try text.write(toFile: folder.path + "/ripcord.yml", atomically: true, encoding: .utf8)
        let server = try RunningServer(folder: folder)
        let ripcordPort = server.application.server.port

        let (good, goodPort) = try startAlertmanager(folder, name: "am-good", ripcordPort: ripcordPort, withClientCertificate: true)
        let (bad, badPort) = try startAlertmanager(folder, name: "am-bad", ripcordPort: ripcordPort, withClientCertificate: false)
        defer {
            for process in [good, bad] where process.isRunning { process.terminate(); process.waitUntilExit() }
        }
        try await eventually("both Alertmanagers to answer", timeout: 15) {
            (try? HTTPClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(goodPort)/-/ready")))?.status == 200
                && (try? HTTPClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(badPort)/-/ready")))?.status == 200
        }
        #expect(try fire(goodPort, service: "checkout") == 200)
        #expect(try fire(badPort, service: "cart") == 200)

        let https = "https://127.0.0.1:\(ripcordPort)/api/v1/deliveries"
        func deliveries() -> [[String: Any]] {
            var request = HTTPClientRequest(url: https, headers: [("Authorization", "Bearer \(Secrets.readerToken)")])
            request.caFile = certs.path("ca.crt")
            request.clientCertFile = certs.path("am.crt")
            request.clientKeyFile = certs.path("am.key")
            return ((try? HTTPClient().send(request))?.json["deliveries"] as? [[String: Any]]) ?? []
        }
        try await eventually("the delivery from the Alertmanager with a client certificate", timeout: 20) { !deliveries().isEmpty }
        let failed = { () -> Bool in
            let text = (try? HTTPClient().send(HTTPClientRequest(url: "http://127.0.0.1:\(badPort)/metrics")).bodyText) ?? ""
            return text.split(separator: "\n").contains { $0.hasPrefix("alertmanager_notifications_failed_total{integration=\"webhook\"}") && !$0.hasSuffix(" 0") }
        }
        try await eventually("the Alertmanager without a client certificate to record a failed notification", timeout: 20) { failed() }
        let received = deliveries()
        #expect(received.count == 1, "only the Alertmanager with a client certificate got through")
        #expect(received.first?["credential"] as? String == "am-mtls")
        #expect((received.first?["group_key"] as? String)?.contains("checkout") == true)
    }
}
