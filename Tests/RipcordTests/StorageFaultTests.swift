import CurlClient
import Foundation
import RipcordCore
import SQLiteDB
import Testing

/// Storage faults without root: `ripcord serve` runs with bench/faults/faultfs.c preloaded, which
/// makes every write to the database files fail with ENOSPC while a flag file exists (a full disk).
/// scripts/storage-faults also fills a real tmpfs and forces a real ext4 read-only (root only).
/// (BadInputTests already covers a database locked by another process.)
@Suite("Storage faults", .serialized)
struct StorageFaultTests {
    static let shimSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("bench/faults/faultfs.c").path
    static let compiler = ["/usr/bin/cc", "/usr/bin/clang", "/usr/bin/gcc"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static var canRun: Bool { compiler != nil && FileManager.default.fileExists(atPath: shimSource) }

    /// What the load threads were told: every 2xx with its body's hash, every refused body.
    final class Ledger: @unchecked Sendable {
        private let lock = NSLock()
        private var acknowledged: [Int64: String] = [:]
        private var refusedBodies: [[UInt8]] = []
        private var statuses: [Int: Int] = [:]
        private var running = 0

        func record(_ response: HTTPClientResponse?, body: [UInt8]) {
            lock.lock(); defer { lock.unlock() }
            let status = response?.status ?? 0
            statuses[status, default: 0] += 1
            if status == 200, let response, let id = (response.json["delivery_id"] as? NSNumber)?.int64Value {
                acknowledged[id] = SHA256.hex(body)
            } else {
                refusedBodies.append(body)
            }
        }
        func began() { lock.lock(); running += 1; lock.unlock() }
        func ended() { lock.lock(); running -= 1; lock.unlock() }
        var active: Int { lock.lock(); defer { lock.unlock() }; return running }
        var acked: [Int64: String] { lock.lock(); defer { lock.unlock() }; return acknowledged }
        var refused: [[UInt8]] { lock.lock(); defer { lock.unlock() }; return refusedBodies }
        var counts: [Int: Int] { lock.lock(); defer { lock.unlock() }; return statuses }
    }

    static func post(_ client: HTTPClient, port: UInt16, _ body: [UInt8]) -> HTTPClientResponse? {
        try? client.send(HTTPClientRequest(method: "POST", url: "http://127.0.0.1:\(port)/api/v1/alertmanager",
                                           headers: [("Authorization", "Bearer \(Secrets.alertmanagerToken)"),
                                                     ("Content-Type", "application/json")],
                                           body: body, timeout: 10))
    }

    @Test("a full disk mid-load answers 503, loses nothing acknowledged, and Ripcord recovers by itself",
          .enabled(if: StorageFaultTests.canRun, "needs a C compiler and bench/faults/faultfs.c"))
    func diskFullMidLoad() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        let port = freePort()
        _ = try folder.writeStandardConfig(listen: "127.0.0.1:\(port)", extra: rollbackConfig(program: program))
        let shim = folder.path + "/faultfs.so"
        let cc = try await RipcordBinary.run(["-shared", "-fPIC", "-O2", "-o", shim, StorageFaultTests.shimSource, "-ldl"],
                                       in: folder.path, executable: StorageFaultTests.compiler!)
        try #require(cc.status == 0, "\(cc.stderr)")

        let flag = folder.path + "/fault-on"
        let server = Process()
        server.executableURL = URL(fileURLWithPath: RipcordBinary.path)
        server.arguments = ["serve"]
        server.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "RIPCORD_CONFIG")
        environment["LD_PRELOAD"] = shim
        environment["RIPCORD_FAULT_FLAG"] = flag
        environment["RIPCORD_FAULT_ERRNO"] = "ENOSPC"
        environment["RIPCORD_FAULT_MATCH"] = folder.path + "/data/"
        environment["ASAN_OPTIONS"] = "verify_asan_link_order=0"
        server.environment = environment
        let log = folder.path + "/serve.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let logHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        server.standardOutput = logHandle
        server.standardError = logHandle
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        try await eventually("ripcord to listen") { (try? RawConnection(port: port)) != nil }

        // Load: four threads posting unique deliveries until told to stop.
        let ledger = Ledger()
        let stop = Ledger()      // stop.active > 0 means "stop"
        let client = HTTPClient()
        for worker in 0..<4 {
            ledger.began()
            Thread.detachNewThread {
                var n = 0
                while stop.active == 0 && n < 400 {
                    n += 1
                    usleep(5_000)   // paced, so the suites running alongside keep their CPU
                    let body = Notifications.firing([(service: "svc-\(worker)", fingerprint: String(format: "%08x%08x", worker, n))],
                                                    startsAt: Timestamp.now().rfc3339)
                    ledger.record(StorageFaultTests.post(client, port: port, body), body: body)
                }
                ledger.ended()
            }
        }
        try await eventually("some deliveries stored before the fault") { ledger.acked.count >= 60 }
        _ = FileManager.default.createFile(atPath: flag, contents: nil)
        try await Task.sleep(for: .milliseconds(300))
        let duringFault = StorageFaultTests.post(client, port: port, try Captures.body("02-firing-group-grew"))
        #expect(duringFault?.status == 503, "\(duringFault?.bodyText ?? "no answer")")
        #expect(duringFault?.json["error"] as? String == "store_unavailable")
        let ready = try? client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/-/ready", timeout: 10))
        #expect(ready?.status == 503, "/-/ready while the disk is full")
        try await Task.sleep(for: .milliseconds(700))
        try FileManager.default.removeItem(atPath: flag)
        stop.began()
        try await eventually("the load to stop") { ledger.active == 0 }

        // Alertmanager retries what got a 5xx: every retry is stored now.
        let retries = ledger.refused
        #expect(!retries.isEmpty, "some deliveries were refused during the fault")
        var retried = 0
        for body in retries where StorageFaultTests.post(client, port: port, body)?.status == 200 { retried += 1 }
        #expect(retried == retries.count, "\(retried) of \(retries.count) retries stored after the fault")

        // Nothing acknowledged is lost; the audit chain verifies.
        let db = try Database(path: folder.path + "/data/ripcord.sqlite3", mode: .readOnly)
        var stored: [Int64: String] = [:]
        for row in try db.query("SELECT id, body_sha256 FROM deliveries") { stored[row.int("id")] = row.text("body_sha256") }
        let acked = ledger.acked
        let lost = acked.filter { stored[$0.key] != $0.value }
        #expect(lost.isEmpty, "acknowledged \(acked.count), lost \(lost.count): \(lost.keys.sorted().prefix(10))")
        let audit = try await RipcordBinary.run(["audit", "verify", "--db", folder.path + "/data/ripcord.sqlite3"], in: folder.path)
        #expect(audit.status == 0, "\(audit.stdout) \(audit.stderr)")

        // A delivery stored before the fault whose planning failed during it must still be planned
        // once the disk has room again, without a restart (the engine re-queues unplanned
        // deliveries after a planning failure, since db56e86).
        let planned = (try? await eventually("every stored delivery planned", timeout: 30) {
            ((try? db.queryOne("SELECT count(*) AS n FROM deliveries WHERE planned_at IS NULL")?.int("n")) ?? 1) == 0
        }) != nil
        #expect(planned, "unplanned deliveries remain after the fault cleared")

        kill(server.processIdentifier, SIGTERM)
        try await eventually("ripcord to exit", timeout: 15) { !server.isRunning }
        #expect(server.terminationStatus == 0)
    }
}
