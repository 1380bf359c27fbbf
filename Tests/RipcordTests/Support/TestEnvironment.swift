import CurlClient
import Foundation
import Logging
import RipcordCore
import RipcordServer

/// A temporary folder with a config, secret files and a database path, removed when released.
final class TestFolder: @unchecked Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "ripcord-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path + "/secrets", withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ relative: String, _ text: String) throws {
        let full = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }

    /// The standard test config: Bearer and Basic alertmanager credentials, a reader, an admin, a deployer.
    func writeStandardConfig(listen: String = "127.0.0.1:0", extra: String = "") throws -> String {
        try write("secrets/alertmanager.token", "\(Secrets.alertmanagerToken)\n")
        try write("secrets/am.password", "\(Secrets.basicPassword)\n")
        try write("secrets/reader.token", "\(Secrets.readerToken)\n")
        try write("secrets/admin.token", "\(Secrets.adminToken)\n")
        try write("secrets/deployer.token", "\(Secrets.deployerToken)\n")
        try write("ripcord.yml", """
            listen: \(listen)
            database: data/ripcord.sqlite3
            limits:
              max_body_bytes: 65536
            auth:
              credentials:
                - name: alertmanager
                  role: alertmanager
                  token_file: secrets/alertmanager.token
                - name: alertmanager-basic
                  role: alertmanager
                  username: am
                  password_file: secrets/am.password
                - name: oncall
                  role: reader
                  token_file: secrets/reader.token
                - name: ops
                  role: admin
                  token_file: secrets/admin.token
                - name: ci
                  role: deployer
                  token_file: secrets/deployer.token
            \(extra)
            """)
        return path + "/ripcord.yml"
    }
}

enum Secrets {
    static let alertmanagerToken = "am-token-0123456789"
    static let basicPassword = "pa55w0rd"
    static let readerToken = "reader-token-0123456789"
    static let adminToken = "admin-token-0123456789"
    static let deployerToken = "deployer-token-0123456789"

    static let alertmanager = [("Authorization", "Bearer \(alertmanagerToken)")]
    static let basic = [("Authorization", "Basic " + Data("am:\(basicPassword)".utf8).base64EncodedString())]
    static let reader = [("Authorization", "Bearer \(readerToken)")]
    static let admin = [("Authorization", "Bearer \(adminToken)")]
    static let deployer = [("Authorization", "Bearer \(deployerToken)")]
}

/// The recorded Alertmanager deliveries shipped as test fixtures.
enum Captures {
    static var folder: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent("captures")
    }

    static func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".raw") }.sorted()
    }

    static func body(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(name.hasSuffix(".raw") ? name : name + ".raw")))
    }
}

/// Ripcord running in this process on a loopback port, with a client to talk to it.
final class RunningServer: @unchecked Sendable {
    let folder: TestFolder
    let application: RipcordApplication
    let client = HTTPClient()
    let base: String

    init(folder: TestFolder? = nil, insecureNoAuth: Bool = false, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        let folder = try folder ?? TestFolder()
        self.folder = folder
        let configPath = folder.path + "/ripcord.yml"
        if !FileManager.default.fileExists(atPath: configPath) { _ = try folder.writeStandardConfig() }
        let config = try ConfigLoader.load(path: configPath)
        var options = ServeOptions(config: config, insecureNoAuth: insecureNoAuth)
        options.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        var logger = Logger(label: "ripcord-test")
        logger.logLevel = .critical
        application = try RipcordApplication(options: options, logger: logger)
        try application.server.start()
        base = "http://127.0.0.1:\(application.server.port)"
    }

    func stop() {
        application.server.stopAccepting()
        _ = application.server.waitUntilIdle(timeout: .seconds(5))
        application.server.stop()
        application.store.close()
    }

    deinit { stop() }

    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> HTTPClientResponse {
        try client.send(HTTPClientRequest(method: method, url: base + path,
                                          headers: headers.map { (name: $0.0, value: $0.1) }, body: body, timeout: 10))
    }

    /// Posts a webhook body as Alertmanager does.
    func postWebhook(_ body: [UInt8], auth: [(String, String)] = Secrets.alertmanager,
                     contentType: String = "application/json") throws -> HTTPClientResponse {
        try send("POST", "/api/v1/alertmanager", headers: auth + [("Content-Type", contentType), ("User-Agent", "Alertmanager/0.25.0")],
                 body: body)
    }

    func get(_ path: String, auth: [(String, String)] = Secrets.reader) throws -> HTTPClientResponse {
        try send("GET", path, headers: auth)
    }
}

extension HTTPClientResponse {
    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }
}
