import Foundation
import RipcordCore

/// One program an attempt ran.
struct StepResult: Sendable {
    /// Exactly what ran.
    var argv: [String]
    /// Its exit code, when it exited.
    var exitCode: Int32?
    /// It was stopped because the attempt's time was up.
    var timedOut: Bool
    /// Why it could not start, when it could not.
    var launchError: String?
    /// Its combined stdout and stderr (the tail, when long).
    var output: String

    /// Whether it exited 0.
    var succeeded: Bool { exitCode == 0 && !timedOut && launchError == nil }

    /// The program and its subcommand, for messages (`helm rollback`, `kubectl patch`).
    var title: String {
        let program = (argv.first.map { ($0 as NSString).lastPathComponent } ?? "?")
        return ([program] + argv.dropFirst().prefix(while: { !$0.hasPrefix("-") }).prefix(2)).joined(separator: " ")
    }

    /// The line of the output that says what went wrong (`Error: ...`), else its last line.
    var summaryLine: String {
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let line = lines.first { $0.lowercased().hasPrefix("error") } ?? lines.last ?? "(no output)"
        return String(line.prefix(300))
    }
}

/// Runs the programs of one attempt one after another within the attempt's timeout, and keeps a
/// transcript (each argv, its output and how it ended) that becomes the audit's output tail.
struct CommandSteps: AttemptSteps {
    /// The executor's timeout for the whole attempt.
    let timeout: Double
    /// Seconds between SIGTERM and SIGKILL when a program outlives the attempt.
    let killGrace: Double
    /// The engine's callbacks (process started, verifying).
    let context: ExecutionContext?
    let start = ContinuousClock.now
    var transcript = ""
    private(set) var lastExitCode: Int?
    private var verifyingSent = false

    init(timeout: Double, killGrace: Double, context: ExecutionContext?) {
        self.timeout = timeout
        self.killGrace = killGrace
        self.context = context
    }

    /// Runs one program with what is left of the timeout.
    mutating func run(_ argv: [String]) async -> StepResult {
        let left = remaining
        guard left > 0.05, !Task.isCancelled else {
            note("$ \(Self.display(argv))\n[not started: the attempt's time is up]")
            return StepResult(argv: argv, exitCode: nil, timedOut: true, launchError: nil, output: "")
        }
        let run = await CommandRunner.run(argv: argv, timeout: left, killGrace: killGrace, outputLimit: 8 * 1024,
                                          attempt: context)
        let result = StepResult(argv: argv, exitCode: run.exitCode, timedOut: run.timedOut, launchError: run.launchError,
                                output: run.outputTail)
        lastExitCode = run.exitCode.map(Int.init)
        var how: String
        if let launchError = run.launchError { how = launchError }
        else if run.timedOut { how = "stopped: the attempt's timeout of \(timeout.secondsText) passed" }
        else if let code = run.exitCode { how = "exit \(code)" }
        else { how = "ended by signal \(run.signal ?? 0)" }
        how += String(format: ", %.2fs", run.duration)
        var body = run.outputTail
        if !body.isEmpty && !body.hasSuffix("\n") { body += "\n" }
        note("$ \(Self.display(argv))\n\(body)[\(how)]")
        return result
    }


    /// Tells the engine the action is done and its effect is being checked (once).
    mutating func verifying() {
        guard !verifyingSent else { return }
        verifyingSent = true
        context?.verifying()
    }

    /// The attempt succeeded; `verification` says what was checked and what was found.
    func succeeded(_ verification: String) -> ExecutorOutcome {
        ExecutorOutcome(result: AttemptResult(outcome: .succeeded, exitCode: lastExitCode, durationSeconds: elapsed,
                                              outputTail: outputTail, verification: verification),
                        retryable: false)
    }

    /// The attempt failed for a reason the executor found (a check, a verification).
    func failed(_ error: String, verification: String = "", retryable: Bool) -> ExecutorOutcome {
        ExecutorOutcome(result: AttemptResult(outcome: remaining <= 0.1 ? .timedOut : .failed, exitCode: lastExitCode,
                                              durationSeconds: elapsed, outputTail: outputTail,
                                              verification: verification, error: error),
                        retryable: retryable)
    }

    /// The attempt failed because `step` did: a missing program and the `permanent` messages (errors no
    /// retry can fix) are not retryable; timeouts and other failures are.
    func failure(of step: StepResult, permanent: [String] = [], context text: String = "",
                 retryable: Bool? = nil) -> ExecutorOutcome {
        let suffix = text.isEmpty ? "" : "; " + text
        if let launchError = step.launchError {
            return ExecutorOutcome(result: AttemptResult(outcome: .failed, durationSeconds: elapsed, outputTail: outputTail,
                                                         error: launchError + suffix),
                                   retryable: false)
        }
        if step.timedOut {
            return ExecutorOutcome(result: AttemptResult(outcome: .timedOut, exitCode: step.exitCode.map(Int.init),
                                                         durationSeconds: elapsed, outputTail: outputTail,
                                                         error: "\(step.title) did not finish within the timeout of \(timeout.secondsText); stopped with SIGTERM, then SIGKILL after \(killGrace.secondsText)" + suffix),
                                   retryable: retryable ?? true)
        }
        let isPermanent = permanent.contains { step.output.localizedCaseInsensitiveContains($0) }
        let how = step.exitCode.map { "exited with status \($0)" } ?? "was ended by a signal"
        return ExecutorOutcome(result: AttemptResult(outcome: .failed, exitCode: step.exitCode.map(Int.init),
                                                     durationSeconds: elapsed, outputTail: outputTail,
                                                     error: "\(step.title) \(how): \(step.summaryLine)" + suffix),
                               retryable: retryable ?? !isPermanent)
    }

    /// An argv as a shell would show it (for reading, never for running).
    static func display(_ argv: [String]) -> String {
        argv.map { arg in
            let plain = !arg.isEmpty && arg.unicodeScalars.allSatisfy {
                ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || "-_./=:,@%+".unicodeScalars.contains($0)
            }
            return plain ? arg : "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
