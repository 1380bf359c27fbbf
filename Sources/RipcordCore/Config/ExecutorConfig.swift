/// The kinds of executor, as `executors[].kind` names them (a contract).
public enum ExecutorKind: String, Sendable, CaseIterable, Hashable {
    case command
    case webhook
    case helmRollback = "helm-rollback"
    case kubectlRolloutUndo = "kubectl-rollout-undo"
    case serviceSelectorSwitch = "service-selector-switch"
    case ingressSwitch = "ingress-switch"
    case canaryWeightZero = "canary-weight-zero"
    case argoRolloutsAbort = "argo-rollouts-abort"
    case argocdRollback = "argocd-rollback"
    case fluxSuspendHelmRollback = "flux-suspend-helm-rollback"

    /// Keys an executor of this kind may have besides `name`, `kind` and `timeout`.
    var optionKeys: [String] {
        switch self {
        case .command: return ["command", "kill_grace", "working_directory"]
        case .webhook: return ["url", "token_file", "headers", "ca_file"]
        case .helmRollback: return ["helm_path", "kill_grace"]
        case .kubectlRolloutUndo, .serviceSelectorSwitch, .ingressSwitch, .canaryWeightZero, .argoRolloutsAbort:
            return ["kubectl_path", "kill_grace"]
        case .fluxSuspendHelmRollback: return ["helm_path", "kubectl_path", "kill_grace"]
        case .argocdRollback: return ["server", "token_file", "ca_file"]
        }
    }

    /// How long one attempt may take when `timeout` is not given.
    var defaultTimeoutSeconds: Double {
        switch self {
        case .webhook: return 30
        default: return 300
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
    /// `command` and the CLI kinds: seconds between SIGTERM and SIGKILL on timeout.
    public var killGraceSeconds: Double = 5
    /// `command`: the folder it runs in (absolute), or nil for the server's.
    public var workingDirectory: String?
    /// `webhook`: where to POST.
    public var url: String = ""
    /// `webhook`, `argocd-rollback`: the bearer token file (absolute).
    public var tokenFile: String?
    /// The token read from `token_file` (never logged).
    public var token: String?
    /// `webhook`: extra headers.
    public var headers: [String: String] = [:]
    /// `webhook`, `argocd-rollback`: a CA bundle to verify the server with (absolute).
    public var caFile: String?
    /// `helm-rollback`, `flux-suspend-helm-rollback`: the helm binary (absolute), or nil to find `helm` on PATH.
    public var helmPath: String?
    /// Kubernetes kinds and `flux-suspend-helm-rollback`: the kubectl binary (absolute), or nil to find `kubectl` on PATH.
    public var kubectlPath: String?
    /// `argocd-rollback`: the Argo CD API server's base URL, e.g. `https://argocd.example.com`.
    public var server: String = ""

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
    /// Where to post a chat message when a rollback of this policy starts and ends (`notify:`), if anywhere.
    public var notify: NotifyConfig?

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

/// `policies[].notify`: a Slack-compatible incoming webhook told when a rollback starts and ends.
public struct NotifyConfig: Sendable, Hashable {
    /// The incoming-webhook URL the `{"text": ...}` message is POSTed to.
    public var url: String
    /// A bearer token file (absolute), for receivers that want one.
    public var tokenFile: String?
    /// The token read from `token_file` (never logged).
    public var token: String?
    /// Ripcord's own base URL as people reach it (e.g. `https://ripcord.example.com`), for the link to
    /// the rollback's audit entry (`LINK_BASE/api/v1/rollbacks/ID`); nil to give the path only.
    public var linkBase: String?

    /// Creates a notify target.
    public init(url: String, tokenFile: String? = nil, token: String? = nil, linkBase: String? = nil) {
        self.url = url
        self.tokenFile = tokenFile
        self.token = token
        self.linkBase = linkBase
    }
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
