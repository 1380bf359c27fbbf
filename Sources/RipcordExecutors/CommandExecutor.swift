import Foundation
import RipcordCore

/// `kind: command`: runs a configured argv with the rollback's facts as `RIPCORD_*` environment
/// variables. Exit 0 is success. Alert label values reach it only as environment data, never argv.
public struct CommandExecutor: Executor {
    public let config: ExecutorConfig
    public var name: String { config.name }
    public var kind: String { "command" }

    /// Creates the executor.
    public init(config: ExecutorConfig) {
        self.config = config
    }

    /// The environment the command gets.
    func environment(_ job: RollbackJob, dryRun: Bool = false) -> [String: String] {
        let d = job.deployment
        return [
            "RIPCORD_ROLLBACK_ID": String(job.id),
            "RIPCORD_DEPLOYMENT_ID": String(d.id),
            "RIPCORD_SERVICE": d.service,
            "RIPCORD_NAMESPACE": d.namespace,
            "RIPCORD_CLUSTER": d.cluster,
            "RIPCORD_VERSION": d.version,
            "RIPCORD_PREVIOUS_VERSION": d.previousVersion,
            "RIPCORD_POLICY": job.policy,
            "RIPCORD_ALERTNAME": job.triggers.first?.alertname ?? "",
            "RIPCORD_ALERT_FINGERPRINTS": job.triggers.map(\.key.fingerprint).joined(separator: ","),
            "RIPCORD_DRY_RUN": dryRun ? "true" : "false",
        ]
    }

    public func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure> {
        .success(RequestRecord.json(["argv": config.command, "env": environment(job), "timeout": config.timeoutSeconds]))
    }

    public func execute(_ context: ExecutionContext) async -> ExecutorOutcome {
        let run = await CommandRunner.run(
            argv: config.command, environment: environment(context.job), workingDirectory: config.workingDirectory,
            timeout: config.timeoutSeconds, killGrace: config.killGraceSeconds, attempt: context)
        if let launchError = run.launchError {
            return ExecutorOutcome(result: AttemptResult(outcome: .failed, durationSeconds: run.duration, error: launchError),
                                   retryable: false)
        }
        if run.timedOut {
            return ExecutorOutcome(result: AttemptResult(outcome: .timedOut, exitCode: run.exitCode.map(Int.init),
                                                         durationSeconds: run.duration, outputTail: run.outputTail,
                                                         error: "timed out after \(config.timeoutSeconds.secondsText); stopped with SIGTERM, then SIGKILL after \(config.killGraceSeconds.secondsText)"),
                                   retryable: true)
        }
        if run.succeeded {
            return ExecutorOutcome(result: AttemptResult(outcome: .succeeded, exitCode: 0, durationSeconds: run.duration,
                                                         outputTail: run.outputTail, verification: "exit status 0"),
                                   retryable: false)
        }
        let how = run.exitCode.map { "exited with status \($0)" } ?? "ended by signal \(run.signal ?? 0)"
        return ExecutorOutcome(result: AttemptResult(outcome: .failed, exitCode: run.exitCode.map(Int.init),
                                                     durationSeconds: run.duration, outputTail: run.outputTail,
                                                     error: "\(config.command.first ?? "command") \(how)"),
                               retryable: true)
    }
}
