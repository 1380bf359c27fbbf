import Foundation
import RipcordCore
import Subprocess
import SystemPackage

/// How a child process ended.
public struct CommandResult: Sendable {
    /// The exit code, when it exited.
    public var exitCode: Int32?
    /// The signal that ended it, when one did.
    public var signal: Int32?
    /// It ran past its timeout and was stopped (SIGTERM, then SIGKILL after the grace period).
    public var timedOut: Bool
    /// The last bytes of its combined stdout and stderr.
    public var outputTail: String
    /// Seconds from start to end.
    public var duration: Double
    /// Why it could not be started, when it could not.
    public var launchError: String?

    /// Whether it exited 0.
    public var succeeded: Bool { exitCode == 0 && !timedOut && launchError == nil }
}

/// Runs an argv (never through a shell) with a timeout, in its own session so its children are
/// stopped with it, keeping the tail of its output.
public enum CommandRunner {
    /// Runs `argv` and waits for it (or for the timeout and teardown). For an `attempt`, the process
    /// also gets its `RIPCORD_ATTEMPT` marker and is reported (pid and start time) once it runs, so a
    /// restart after a crash can find and stop it.
    public static func run(argv: [String], environment: [String: String] = [:], workingDirectory: String? = nil,
                           timeout: Double, killGrace: Double = 5, outputLimit: Int = 16 * 1024,
                           attempt: ExecutionContext? = nil) async -> CommandResult {
        let clock = ContinuousClock()
        let begin = clock.now
        func elapsed() -> Double {
            let d = clock.now - begin
            return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        }
        guard let program = argv.first else {
            return CommandResult(exitCode: nil, signal: nil, timedOut: false, outputTail: "", duration: 0,
                                 launchError: "the command is empty")
        }
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true,
                                                      allowedDurationToNextStep: .milliseconds(Int64(killGrace * 1000)))]
        var env: [Environment.Key: String?] = [:]
        for (key, value) in environment.merging(attempt?.markerEnvironment ?? [:], uniquingKeysWith: { $1 }) {
            env[Environment.Key(stringLiteral: key)] = value
        }
        let configuration = Configuration(
            executable: program.hasPrefix("/") ? .path(FilePath(program)) : .name(program),
            arguments: Arguments(Array(argv.dropFirst())),
            environment: .inherit.updating(env),
            workingDirectory: workingDirectory.map { FilePath($0) },
            platformOptions: options)

        let timedOut = TimeoutFlag()
        do {
            let result = try await withThrowingTaskGroup(of: CommandResult?.self) { group in
                group.addTask {
                    let outcome = try await Subprocess.run(configuration, input: .none, output: .sequence,
                                                           error: .combinedWithOutput) { execution in
                        let pid = execution.processIdentifier.value
                        attempt?.processStarted(pid, ProcessTable.startTime(of: pid) ?? "")
                        var tail = TailBuffer(limit: outputLimit)
                        do {
                            for try await chunk in execution.standardOutput {
                                chunk.withUnsafeBytes { tail.append($0) }
                            }
                        } catch is CancellationError {
                        }
                        return tail.text
                    }
                    var result = CommandResult(exitCode: nil, signal: nil, timedOut: timedOut.isSet,
                                               outputTail: outcome.closureResult, duration: elapsed(), launchError: nil)
                    switch outcome.terminationStatus {
                    case .exited(let code): result.exitCode = code
                    case .signaled(let signal): result.signal = signal
                    }
                    return result
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(Int64(timeout * 1000)))
                    timedOut.set()
                    return nil
                }
                while let next = try await group.next() {
                    if let finished = next {
                        group.cancelAll()
                        return finished
                    }
                    // The timeout fired: cancelling the run tears the process group down.
                    group.cancelAll()
                }
                return CommandResult(exitCode: nil, signal: nil, timedOut: true, outputTail: "", duration: elapsed(),
                                     launchError: nil)
            }
            var final = result
            final.timedOut = final.timedOut || timedOut.isSet
            return final
        } catch {
            if timedOut.isSet {
                return CommandResult(exitCode: nil, signal: SIGKILL, timedOut: true, outputTail: "", duration: elapsed(),
                                     launchError: nil)
            }
            return CommandResult(exitCode: nil, signal: nil, timedOut: false, outputTail: "", duration: elapsed(),
                                 launchError: "could not start \(program): \(error)")
        }
    }
}

/// Set once, read from any task.
final class TimeoutFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}

/// Keeps the last `limit` bytes written to it.
struct TailBuffer {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var dropped = 0

    init(limit: Int) { self.limit = limit }

    mutating func append(_ buffer: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: buffer)
        if bytes.count > limit {
            dropped += bytes.count - limit
            bytes.removeFirst(bytes.count - limit)
        }
    }

    var text: String {
        let body = String(decoding: bytes, as: UTF8.self)
        return dropped > 0 ? "[\(dropped) earlier bytes not kept]\n" + body : body
    }
}
