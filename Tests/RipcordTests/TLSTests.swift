import CurlClient
import Foundation
import Testing

@Suite("HTTPS with mutual TLS", .serialized)
struct TLSTests {
    /// A folder with CA `ca`, server cert, client `am` (CN=alertmanager) and client `rogue` from another CA.
    func certificates(_ folder: TestFolder) async throws -> TestCertificates {
        let certs = TestCertificates(folder: folder.path + "/tls")
        try FileManager.default.createDirectory(atPath: certs.folder, withIntermediateDirectories: true)
        try await certs.makeCA("ca")
        try await certs.makeCA("other-ca")
        try await certs.issue("server", ca: "ca", subject: "/CN=127.0.0.1", server: true)
        try await certs.issue("am", ca: "ca", subject: "/O=ops/CN=alertmanager", server: false)
        try await certs.issue("rogue", ca: "other-ca", subject: "/O=ops/CN=alertmanager", server: false)
        return certs
    }

    func tlsConfig(clientCA: Bool = true, minVersion: String = "TLS12") -> String {
        """
        tls:
          cert_file: tls/server.crt
          key_file: tls/server.key
        \(clientCA ? "  client_ca_file: tls/ca.crt\n" : "")  min_version: \(minVersion)
        """
    }

    func request(_ url: String, ca: String?, cert: String? = nil, key: String? = nil, method: String = "GET",
                 headers: [(name: String, value: String)] = [], body: [UInt8] = []) throws(HTTPClientError) -> HTTPClientResponse {
        var request = HTTPClientRequest(method: method, url: url, headers: headers, body: body, timeout: 5)
        request.caFile = ca
        request.clientCertFile = cert
        request.clientKeyFile = key
        return try HTTPClient().send(request)
    }

    @Test("with a client CA, a client certificate it signed gets in (and can stand as a credential); none, or another CA's, is refused; plain HTTP gets nothing")
    func mutualTLS() async throws {
        let folder = try TestFolder()
        let certs = try await certificates(folder)
        _ = try folder.writeStandardConfig(extra: tlsConfig() + """

            # the subject of a verified client certificate as a credential
            """)
        var text = try String(contentsOfFile: folder.path + "/ripcord.yml", encoding: .utf8)
        text = text.replacingOccurrences(of: "  credentials:\n", with: "  credentials:\n    - name: am-mtls\n      role: alertmanager\n      client_cert_subject: \"CN=alertmanager,O=ops\"\n")
        try text.write(toFile: folder.path + "/ripcord.yml", atomically: true, encoding: .utf8)
        let server = try RunningServer(folder: folder)
        let https = "https://127.0.0.1:\(server.application.server.port)"

        let ready = try request(https + "/-/ready", ca: certs.path("ca.crt"), cert: certs.path("am.crt"), key: certs.path("am.key"))
        #expect(ready.status == 200)
        // The certificate alone authenticates as am-mtls (no Authorization header).
        let posted = try request(https + "/api/v1/alertmanager", ca: certs.path("ca.crt"), cert: certs.path("am.crt"),
                                 key: certs.path("am.key"), method: "POST", headers: [("Content-Type", "application/json")],
                                 body: try Captures.body("01-firing-first"))
        #expect(posted.status == 200, "\(posted.bodyText)")
        // Bearer tokens still work over mTLS.
        let read = try request(https + "/api/v1/deliveries", ca: certs.path("ca.crt"), cert: certs.path("am.crt"),
                               key: certs.path("am.key"), headers: [("Authorization", "Bearer \(Secrets.readerToken)")])
        #expect((read.json["deliveries"] as? [[String: Any]])?.first?["credential"] as? String == "am-mtls")

        #expect(throws: HTTPClientError.self) { try request(https + "/-/ready", ca: certs.path("ca.crt")) }
        #expect(throws: HTTPClientError.self) {
            try request(https + "/-/ready", ca: certs.path("ca.crt"), cert: certs.path("rogue.crt"), key: certs.path("rogue.key"))
        }
        let plain = try? request("http://127.0.0.1:\(server.application.server.port)/-/ready", ca: nil)
        #expect(plain == nil || !(200..<300).contains(plain!.status), "plain HTTP gets nothing that looks like success")
        // The server's certificate is verified: without the CA, the client refuses it.
        #expect(throws: HTTPClientError.self) {
            try request(https + "/-/ready", ca: nil, cert: certs.path("am.crt"), key: certs.path("am.key"))
        }
    }

    @Test("min_version TLS13 refuses a TLS 1.2 client")
    func minimumVersion() async throws {
        let folder = try TestFolder()
        let certs = try await certificates(folder)
        _ = try folder.writeStandardConfig(extra: tlsConfig(clientCA: false, minVersion: "TLS13"))
        let server = try RunningServer(folder: folder)
        let port = server.application.server.port
        #expect(try request("https://127.0.0.1:\(port)/-/healthy", ca: certs.path("ca.crt")).status == 200)
        let tls12 = Process()
        tls12.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        tls12.arguments = ["s_client", "-connect", "127.0.0.1:\(port)", "-tls1_2", "-CAfile", certs.path("ca.crt")]
        tls12.standardInput = FileHandle.nullDevice
        tls12.standardOutput = Pipe()
        tls12.standardError = Pipe()
        try tls12.run()
        await tls12.exited()
        #expect(tls12.terminationStatus != 0)
    }

    @Test("check-config finds a key that does not belong to the certificate")
    func checkConfigKeyMismatch() async throws {
        let folder = try TestFolder()
        _ = try await certificates(folder)
        _ = try folder.writeStandardConfig(extra: tlsConfig())
        let good = try await RipcordBinary.run(["check-config"], in: folder.path)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("https://"))
        let text = try String(contentsOfFile: folder.path + "/ripcord.yml", encoding: .utf8)
        try text.replacingOccurrences(of: "key_file: tls/server.key", with: "key_file: tls/am.key")
            .write(toFile: folder.path + "/ripcord.yml", atomically: true, encoding: .utf8)
        let bad = try await RipcordBinary.run(["check-config"], in: folder.path)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("tls: the certificate and key do not load as a pair"), "\(bad.stderr)")
        try text.replacingOccurrences(of: "cert_file: tls/server.crt", with: "cert_file: tls/missing.crt")
            .write(toFile: folder.path + "/ripcord.yml", atomically: true, encoding: .utf8)
        let missing = try await RipcordBinary.run(["check-config"], in: folder.path)
        #expect(missing.stderr.contains("tls.cert_file: "), "\(missing.stderr)")
        #expect(missing.stderr.contains("does not exist"))
    }

    @Test("SIGHUP puts new certificates in use without a restart")
    func certificateRotation() async throws {
        let folder = try TestFolder()
        let certs = try await certificates(folder)
        try await certs.makeCA("next-ca")
        try await certs.issue("next-server", ca: "next-ca", subject: "/CN=127.0.0.1", server: true)
        let port = freePort()
        _ = try folder.writeStandardConfig(listen: "127.0.0.1:\(port)", extra: tlsConfig(clientCA: false))
        let process = try RipcordBinary.start(["serve"], in: folder.path, log: folder.path + "/serve.log")
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let url = "https://127.0.0.1:\(port)/-/healthy"
        try await eventually("ripcord to listen") { (try? request(url, ca: certs.path("ca.crt")))?.status == 200 }
        try FileManager.default.removeItem(atPath: certs.path("server.crt"))
        try FileManager.default.removeItem(atPath: certs.path("server.key"))
        try FileManager.default.copyItem(atPath: certs.path("next-server.crt"), toPath: certs.path("server.crt"))
        try FileManager.default.copyItem(atPath: certs.path("next-server.key"), toPath: certs.path("server.key"))
        kill(process.processIdentifier, SIGHUP)
        try await eventually("the new certificate to be served", timeout: 30) {
            (try? request(url, ca: certs.path("next-ca.crt")))?.status == 200
        }
        #expect(throws: HTTPClientError.self) { try request(url, ca: certs.path("ca.crt")) }
        kill(process.processIdentifier, SIGTERM)
        await process.exited()
        #expect(process.terminationStatus == 0)
    }
}
