/// What an executor gets for one attempt.
public struct ExecutionContext: Sendable {
    /// The rollback being carried out.
    public var job: RollbackJob
    /// 1 for the first attempt of this action.
    public var attempt: Int
    /// Called once a child process has started (pid and its /proc start time), so a crash can find it.
    public var processStarted: @Sendable (Int32, String) -> Void
    /// Called when the action is done and its effect is being verified.
    public var verifying: @Sendable () -> Void
    /// Given to every process the attempt starts as `RIPCORD_ATTEMPT`, so a restart finds them even
    /// when `processStarted` never reached the database (a crash right after the spawn).
    public var processMarker: String?

    /// Creates a context.
    public init(job: RollbackJob, attempt: Int, processStarted: @escaping @Sendable (Int32, String) -> Void = { _, _ in },
                verifying: @escaping @Sendable () -> Void = {}, processMarker: String? = nil) {
        self.job = job
        self.attempt = attempt
        self.processStarted = processStarted
        self.verifying = verifying
        self.processMarker = processMarker
    }

    /// `processMarker` as the environment entry to add.
    public var markerEnvironment: [String: String] {
        processMarker.map { [ProcessMarker.variable: $0] } ?? [:]
    }
}

/// How an attempt went, and whether trying the same action again may help.
public struct ExecutorOutcome: Sendable {
    /// What is recorded in the audit.
    public var result: AttemptResult
    /// True for failures a retry may fix (timeouts, 5xx, a non-zero exit); false for ones it cannot
    /// (a missing target block, a missing program, a 4xx).
    public var retryable: Bool

    /// Creates an outcome.
    public init(result: AttemptResult, retryable: Bool) {
        self.result = result
        self.retryable = retryable
    }
}

/// Carries out one rollback action. One type per `kind`; the engine knows only this protocol.
public protocol Executor: Sendable {
    /// The configured name (what policies list in `actions`).
    var name: String { get }
    /// The kind, e.g. `command`.
    var kind: String { get }
    /// The exact request this executor would make for a job, secrets redacted, as JSON text; or why it cannot run.
    func describe(_ job: RollbackJob) -> Result<String, ExecutorFailure>
    /// Runs the action and verifies it took effect.
    func execute(_ context: ExecutionContext) async -> ExecutorOutcome
    /// Checks, without changing anything, whether the rollback already took effect (after a crash):
    /// true or false, or nil when this kind cannot tell.
    func verifyOnly(_ job: RollbackJob) async -> Bool?
    /// The objects an attempt for this job changes, as lock keys (`helm:CONTEXT/NS/RELEASE`,
    /// `service:CONTEXT/NS/NAME`, ...): two attempts with a key in common never run at once.
    func lockKeys(_ job: RollbackJob) -> [String]
}

extension Executor {
    /// Kinds that cannot check on their own say nothing.
    public func verifyOnly(_ job: RollbackJob) async -> Bool? { nil }
    /// Kinds that do not name the objects they change take no locks.
    public func lockKeys(_ job: RollbackJob) -> [String] { [] }
}

/// Why an executor cannot run for a job at all.
public struct ExecutorFailure: Error, Sendable, CustomStringConvertible {
    /// One readable line.
    public var message: String
    /// Creates a failure.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
