import CMicroHTTPD
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Closes connections whose request headers do not arrive within the connection timeout.
///
/// libmicrohttpd's timeout only notices silence, and its access handler runs only once the headers
/// are complete, so a client sending a header byte a second (slowloris) kept its connection for as
/// long as its headers lasted. This clock starts when a connection opens and again after each
/// answered request, stops when the headers are in, and a sweeper shuts down (`shutdown(2)`; the
/// server still closes and frees it) any connection whose clock ran past the timeout.
final class HeaderWatch: @unchecked Sendable {
    private struct Entry {
        let socket: Int32
        let inode: UInt
        var waitingSince: ContinuousClock.Instant?
    }
    private let lock = NSLock()
    private var entries: [UInt: Entry] = [:]
    private let timeout: Duration
    private let log: @Sendable (String) -> Void
    private var sweeper: Thread?
    private var stopped = false

    init(timeoutSeconds: Int, log: @escaping @Sendable (String) -> Void) {
        self.timeout = .seconds(timeoutSeconds)
        self.log = log
    }

    private static func key(_ connection: OpaquePointer) -> UInt { UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(connection))) }

    func opened(_ connection: OpaquePointer) {
        let socket = cmhd_connection_fd(connection)
        let inode = socket >= 0 ? UInt(cmhd_socket_inode(socket)) : 0
        lock.lock()
        entries[HeaderWatch.key(connection)] = Entry(socket: socket, inode: inode, waitingSince: .now)
        lock.unlock()
    }

    /// libmicrohttpd reports a close before it closes the socket, so a sweep never shuts a reused one.
    func closed(_ connection: OpaquePointer) {
        lock.lock()
        entries[HeaderWatch.key(connection)] = nil
        lock.unlock()
    }

    func headersComplete(_ connection: OpaquePointer) { set(connection, nil) }

    func requestAnswered(_ connection: OpaquePointer) { set(connection, .now) }

    private func set(_ connection: OpaquePointer, _ value: ContinuousClock.Instant?) {
        lock.lock()
        entries[HeaderWatch.key(connection)]?.waitingSince = value
        lock.unlock()
    }

    func start() {
        let thread = Thread { [weak self] in
            while let self, self.sweep() { usleep(250_000) }
        }
        thread.name = "ripcord-header-watch"
        sweeper = thread
        thread.start()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
    }

    /// One pass; false once stopped.
    private func sweep() -> Bool {
        let now = ContinuousClock.now
        var shut = 0
        lock.lock()
        defer {
            lock.unlock()
            if shut > 0 { log("closed \(shut) connection(s) whose request headers took longer than \(timeout)") }
        }
        if stopped { return false }
        for (key, entry) in entries {
            guard let since = entry.waitingSince, now - since > timeout, entry.socket >= 0 else { continue }
            // The same socket still (not a later one given the same number): then cut it off.
            if UInt(cmhd_socket_inode(entry.socket)) == entry.inode {
                _ = shutdown(entry.socket, Int32(SHUT_RDWR))
            }
            entries[key]?.waitingSince = nil
            shut += 1
        }
        return true
    }
}
