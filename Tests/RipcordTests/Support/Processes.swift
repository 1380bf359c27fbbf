import Foundation

/// Finds and runs the built `ripcord` binary, as users run it.
enum RipcordBinary {
    /// The `ripcord` executable built next to this test bundle.
    static var path: String {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("ripcord").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("ripcord").path
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `ripcord ARGS` to completion in `directory`, on a thread of its own (see `offThePool`).
    static func run(_ arguments: [String], in directory: String, executable: String = path,
                    environment: [String: String] = [:]) async throws -> Result {
        try await offThePool { try runBlocking(arguments, in: directory, executable: executable, environment: environment) }
    }

    private static func runBlocking(_ arguments: [String], in directory: String, executable: String,
                                    environment: [String: String]) throws -> Result {
        let process = Process.forTest(executable, arguments, in: directory, environment: environment)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Starts `ripcord serve` in the background; its log goes to `log`.
    static func start(_ arguments: [String], in directory: String, log: String) throws -> Process {
        let process = Process.forTest(path, arguments, in: directory)
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }
}

extension Process {
    /// `executable ARGS` in `directory`, with this process's environment minus `RIPCORD_CONFIG` (a
    /// developer's setting must not reach a test) plus `environment`; not started.
    static func forTest(_ executable: String, _ arguments: [String], in directory: String,
                        environment: [String: String] = [:]) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "RIPCORD_CONFIG")
        environment.forEach { env[$0.key] = $0.value }
        process.environment = env
        return process
    }
}

/// Runs blocking work (a child process to its end, a synchronous wait) on a thread of its own and
/// awaits it. Swift Testing runs every test, synchronous ones too, on the concurrency pool, which
/// has one thread per core: on 2 cores, two tests blocked there (promtool, openssl, `ripcord`
/// subcommands) stalled every other test for seconds at the start of a parallel run.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

extension Process {
    /// Waits for the process to exit without holding a concurrency thread.
    func exited() async {
        _ = try? await offThePool { self.waitUntilExit() }
    }
}

/// Polls until `condition` holds or the deadline passes, sleeping without holding a thread (the
/// engine under test needs the concurrency threads to make progress). The default deadline is
/// generous: in the first seconds of a parallel run on 2 cores (servers, Prometheus and
/// Alertmanager starting, corpus replays) a step that takes milliseconds alone was seen to take 10 s.
func eventually(_ what: String, timeout: Double = 30, _ condition: () async -> Bool) async throws {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    throw WaitTimeout(what: what)
}

struct WaitTimeout: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// A free TCP port on 127.0.0.1 (bound and released).
func freePort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}

/// A raw TCP connection to 127.0.0.1, for requests a normal client will not make (slow bodies).
final class RawConnection {
    let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw WaitTimeout(what: "a connection to port \(port)") }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads until the peer closes or `Content-Length` bytes of body have arrived.
    func readResponse() -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
            let text = String(decoding: data, as: UTF8.self)
            if let split = text.range(of: "\r\n\r\n"),
               let lengthLine = text[..<split.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
               let length = Int(lengthLine.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)),
               text.utf8.count - text[..<split.upperBound].utf8.count >= length {
                break
            }
        }
        return String(decoding: data, as: UTF8.self)
    }
}
