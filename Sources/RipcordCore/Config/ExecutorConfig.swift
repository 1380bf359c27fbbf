/// The kinds of executor, as `executors[].kind` names them (a contract).
public enum ExecutorKind: String, Sendable, CaseIterable, Hashable {
    case command
    case webhook

    /// Keys an executor of this kind may have besides `name`, `kind` and `timeout`.
    var optionKeys: [String] {
        switch self {
        case .command: return ["command", "kill_grace", "working_directory"]
        case .webhook: return ["url", "token_file", "headers", "ca_file"]
        }
    }
}

/// One configured executor: how a rollback action is carried out.
public struct ExecutorConfig: Sendable, Hashable {
    /// The name policies refer to in `actions`.
    public var name: String
    /// What it does.
    public var kind: ExecutorKind
    /// How long one attempt may take.
    public var timeoutSeconds: Double
    /// `command`: the argv (never a shell string).
    public var command: [String] = []
    /// `command`: seconds between SIGTERM and SIGKILL on timeout.
    public var killGraceSeconds: Double = 5
    /// `command`: the folder it runs in (absolute), or nil for the server's.
    public var workingDirectory: String?
    /// `webhook`: where to POST.
    public var url: String = ""
    /// `webhook`: the bearer token file (absolute) and its content.
    public var tokenFile: String?
    /// The token read from `token_file` (never logged).
    public var token: String?
    /// `webhook`: extra headers.
    public var headers: [String: String] = [:]
    /// `webhook`: a CA bundle to verify the server with (absolute).
    public var caFile: String?

    /// Creates an executor config.
    public init(name: String, kind: ExecutorKind, timeoutSeconds: Double) {
        self.name = name
        self.kind = kind
        self.timeoutSeconds = timeoutSeconds
    }
}

/// One rollback policy: which alerts, which deployment, and what to do.
public struct PolicyConfig: Sendable, Hashable {
    /// The policy's name, recorded with every decision it takes.
    public var name: String
    /// All must match the alert's labels.
    public var matchers: [LabelMatcher]
    /// Deployment field (`service`, `namespace`, `cluster`, `environment`) → alert label.
    public var deployment: [String: String]
    /// The alert must have fired this long (from `startsAt`) before acting.
    public var forSeconds: Double = 0
    /// Wait this long after planning; a resolution meanwhile cancels the plan.
    public var delaySeconds: Double = 0
    /// Cancel a planned (not yet started) rollback when its alerts resolve.
    public var cancelOnResolve: Bool = true
    /// Executor names, tried in order (the escalation ladder).
    public var actions: [String]
    /// Retries of a failing action before escalating to the next one.
    public var retries: Int = 0
    /// First wait between retries; doubles each time, at most 60 s.
    public var retryBackoffSeconds: Double = 1
    /// Decide and record, but run nothing.
    public var dryRun: Bool = false
    /// After a rollback of a service, no other rollback of it for this long.
    public var cooldownSeconds: Double = 0
    /// Also blame alerts that started before the deployment.
    public var blamePreexisting: Bool = false
    /// A rollback interrupted by a crash is re-run at the next start (else left for a human).
    public var resumeInterrupted: Bool = true

    /// Creates a policy.
    public init(name: String, matchers: [LabelMatcher], deployment: [String: String], actions: [String]) {
        self.name = name
        self.matchers = matchers
        self.deployment = deployment
        self.actions = actions
    }

    /// The deployment fields a policy may map.
    public static let deploymentFields = ["service", "namespace", "cluster", "environment"]
}

/// Safety limits that hold across all services and across restarts.
public struct RollbackLimits: Sendable, Hashable {
    /// At most this many rollbacks in `windowSeconds` (the circuit breaker).
    public var maxRollbacks: Int = 5
    /// The circuit breaker's window.
    public var windowSeconds: Double = 3600
    /// Rollbacks running at once.
    public var concurrency: Int = 2

    /// The defaults.
    public init() {}
}
