import RipcordCore

extension ExecutorOutcome {
    /// An attempt that could not start at all (no target block, an unsafe value, no program): no retry helps.
    static func unrunnable(_ failure: ExecutorFailure) -> ExecutorOutcome {
        ExecutorOutcome(result: AttemptResult(outcome: .failed, durationSeconds: 0, error: failure.message), retryable: false)
    }
}

/// The time `verifyOnly` may take: the executor's timeout, at most a minute (it only reads).
func verifyOnlyTimeout(_ config: ExecutorConfig) -> Double { min(config.timeoutSeconds, 60) }
