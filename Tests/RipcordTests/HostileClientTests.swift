import CurlClient
import Foundation
import Testing

/// Hostile clients, bounded (scripts/hostile is the full-size version: 1,000 idle connections).
/// Every source address is a loopback alias (127.0.0.2, ...): the server listens on 127.0.0.1 only.
@Suite("Hostile clients", .serialized)
struct HostileClientTests {
    /// A non-blocking TCP connection from a chosen loopback source address.
    final class HostileSocket {
        let fd: Int32
        private(set) var closedByServer = false

        init?(from source: String, port: UInt16) {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            var remote = sockaddr_in()
            remote.sin_family = sa_family_t(AF_INET)
            remote.sin_addr.s_addr = inet_addr("127.0.0.1")
            remote.sin_port = port.bigEndian
            let size = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) } }
            let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, size) } }
            guard bound == 0, connected == 0 else { close(fd); return nil }
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }

        deinit { close(fd) }

        func send(_ bytes: [UInt8]) {
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// Whether the server has closed the connection (reads without blocking).
        func poll() -> Bool {
            if closedByServer { return true }
            var buffer = [UInt8](repeating: 0, count: 512)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n > 0 { continue }
                if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { closedByServer = true }
                return closedByServer
            }
        }
    }

    /// Sends the next body byte (never the last) to each connection every 0.5 s until stopped.
    final class Drip: @unchecked Sendable {
        private let lock = NSLock()
        private var stopped = false
        private var sent = 0
        let connections: [HostileSocket]
        let body: [UInt8]

        init(connections: [HostileSocket], body: [UInt8]) {
            self.connections = connections
            self.body = body
        }

        func run() {
            for index in 0..<min(120, body.count - 1) {
                lock.lock()
                if stopped { lock.unlock(); return }
                for connection in connections { connection.send([body[index]]) }
                sent = index + 1
                lock.unlock()
                usleep(500_000)
            }
        }

        /// Stops the drip; returns how many bytes each connection was sent.
        @discardableResult
        func stop() -> Int {
            lock.lock(); defer { lock.unlock() }
            stopped = true
            return sent
        }
    }

    static let configLimits = "limits:\n  max_connections: 4096\n  max_connections_per_ip: 64\n  connection_timeout: 2s\n"

    static func server() throws -> RunningServer {
        let folder = try TestFolder()
        let path = try folder.writeStandardConfig()
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "limits:\n", with: configLimits)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try RunningServer(folder: folder)
    }

    static func readyMilliseconds(_ server: RunningServer) -> (status: Int, milliseconds: Double) {
        let started = ContinuousClock.now
        let status = (try? server.send("GET", "/-/ready"))?.status ?? 0
        let elapsed = ContinuousClock.now - started
        return (status, Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
    }

    @Test("200 idle connections, slow bodies and slow headers: /-/ready stays fast, deliveries still succeed, all are cut off")
    func idleAndSlowClients() async throws {
        let server = try HostileClientTests.server()
        defer { server.stop() }
        let port = server.application.server.port
        // 200 idle connections from four addresses (50 each, under the per-IP limit of 64).
        let idle = (0..<200).compactMap { HostileSocket(from: "127.0.0.\(2 + $0 / 50)", port: port) }
        #expect(idle.count == 200)
        // Five slow-body clients: headers, then one byte per second of a body that never completes.
        let body = try Captures.body("01-firing-first")
        let head = "POST /api/v1/alertmanager HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Secrets.alertmanagerToken)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
        let slow = (0..<5).compactMap { _ in HostileSocket(from: "127.0.0.6", port: port) }
        for connection in slow { connection.send(Array(head.utf8)) }
        // One byte every half second on each (well inside the 2 s timeout), on a thread of its own
        // so the drip keeps time however slow the probes below are; it stops after 60 s at most.
        let drip = Drip(connections: slow, body: body)
        Thread.detachNewThread { drip.run() }
        defer { drip.stop() }
        // Five slowloris clients: a request line, then one header byte every half second, so the
        // headers never complete and the connection is never idle.
        let slowHeaders = (0..<5).compactMap { _ in HostileSocket(from: "127.0.0.7", port: port) }
        for connection in slowHeaders { connection.send(Array("POST /api/v1/alertmanager HTTP/1.1\r\nHost: x\r\n".utf8)) }
        let headerDrip = Drip(connections: slowHeaders, body: Array(("X-Slow: " + String(repeating: "a", count: 200) + "\r\n").utf8))
        Thread.detachNewThread { headerDrip.run() }
        defer { headerDrip.stop() }

        var ready: [Double] = []
        var statuses: [Int] = []
        var delivered = 0
        for second in 0..<5 {
            for _ in 0..<5 {
                let probe = HostileClientTests.readyMilliseconds(server)
                ready.append(probe.milliseconds)
                statuses.append(probe.status)
                try await Task.sleep(for: .milliseconds(100))
            }
            let unique = Notifications.firing([(service: "hostile", fingerprint: String(format: "%016x", second))])
            if (try? server.postWebhook(unique))?.status == 200 { delivered += 1 }
            try await Task.sleep(for: .milliseconds(400))
        }
        ready.sort()
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)")
        // The target is 100 ms; the median is held to it, the worst probe to a bound that survives
        // sanitizer builds and a busy machine.
        #expect(ready[ready.count / 2] < 100, "median /-/ready \(ready[ready.count / 2]) ms")
        #expect(ready.last! < 1_000, "slowest /-/ready \(ready.last!) ms")
        #expect(delivered == 5)
        // connection_timeout 2s: the idle connections were closed by the server.
        let closed = idle.filter { $0.poll() }.count
        #expect(closed >= 190, "\(closed) of 200 idle connections closed after 2 s of idleness")
        // A client trickling bytes is never idle for 2 s, so libmicrohttpd's inactivity timeout never
        // fires; the body timeout (the whole body within connection_timeout) closes it instead.
        let trickled = drip.stop()
        #expect(trickled >= 4, "the drip sent \(trickled) bytes per connection")
        #expect(slow.allSatisfy { $0.poll() }, "slow-body connections still open after \(trickled) bytes at 2 bytes/s with connection_timeout 2s")
        // Headers are not seen by the application until complete; the header watch cuts them off.
        let headerBytes = headerDrip.stop()
        #expect(headerBytes >= 4, "the header drip sent \(headerBytes) bytes per connection")
        #expect(slowHeaders.allSatisfy { $0.poll() },
                "slow-header connections still open after \(headerBytes) header bytes at 2 bytes/s with connection_timeout 2s")
    }

    @Test("one address opening more than max_connections_per_ip keeps at most the limit open")
    func perAddressLimit() async throws {
        let server = try HostileClientTests.server()
        defer { server.stop() }
        let port = server.application.server.port
        let flood = (0..<100).compactMap { _ in HostileSocket(from: "127.0.0.7", port: port) }
        try await Task.sleep(for: .milliseconds(500))
        let open = flood.filter { !$0.poll() }.count
        #expect(open <= 64, "\(open) connections from one address stayed open (limit 64)")
        #expect(open >= 32, "\(open): the limit should still let a busy client in")
        // Another address (and the health check) is not affected.
        #expect(HostileClientTests.readyMilliseconds(server).status == 200)
        #expect(try server.postWebhook(try Captures.body("01-firing-first")).status == 200)
    }
}
