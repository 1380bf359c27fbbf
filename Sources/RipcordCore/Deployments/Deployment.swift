/// Where a deployment is in its life.
public enum DeploymentState: String, Sendable, Codable, CaseIterable {
    /// In its soak window: alerts may roll it back.
    case active
    /// Promoted, or its soak window passed without a rollback.
    case stable
    /// A rollback of it is running (or failed and waits for a human).
    case rollingBack = "rolling_back"
    /// A rollback of it succeeded.
    case rolledBack = "rolled_back"
    /// A newer deployment of the same service, namespace and cluster replaced it.
    case superseded
}

/// How a deployment shifts traffic.
public enum DeploymentStrategy: String, Sendable, Codable, CaseIterable {
    case rolling
    case blueGreen = "blue-green"
    case canary
}

/// A release CI/CD recorded: what was deployed where, what came before, and how to undo it.
public struct Deployment: Sendable, Hashable, Codable {
    public var id: Int64
    public var service: String
    public var namespace: String
    public var cluster: String
    public var environment: String
    public var version: String
    public var previousVersion: String
    public var strategy: DeploymentStrategy
    public var labels: [String: String]
    /// One block per executor kind (`helm`, `kubernetes`, ...), as the executors issue names them.
    public var target: [String: JSONValue]
    public var soakSeconds: Double
    public var idempotencyKey: String?
    public var state: DeploymentState
    public var deployedAt: Timestamp
    public var soakEndsAt: Timestamp
    public var promotedAt: Timestamp?
    public var supersededBy: Int64?
    public var recordedBy: String

    /// Creates a deployment.
    public init(id: Int64, service: String, namespace: String, cluster: String = "", environment: String = "",
                version: String, previousVersion: String = "", strategy: DeploymentStrategy = .rolling,
                labels: [String: String] = [:], target: [String: JSONValue] = [:], soakSeconds: Double,
                idempotencyKey: String? = nil, state: DeploymentState = .active, deployedAt: Timestamp,
                soakEndsAt: Timestamp, promotedAt: Timestamp? = nil, supersededBy: Int64? = nil, recordedBy: String = "") {
        self.id = id
        self.service = service
        self.namespace = namespace
        self.cluster = cluster
        self.environment = environment
        self.version = version
        self.previousVersion = previousVersion
        self.strategy = strategy
        self.labels = labels
        self.target = target
        self.soakSeconds = soakSeconds
        self.idempotencyKey = idempotencyKey
        self.state = state
        self.deployedAt = deployedAt
        self.soakEndsAt = soakEndsAt
        self.promotedAt = promotedAt
        self.supersededBy = supersededBy
        self.recordedBy = recordedBy
    }

    /// Whether it is in its soak window at `now` (only such deployments are rolled back).
    public func isSoaking(at now: Timestamp) -> Bool {
        state == .active && now < soakEndsAt
    }

    /// Whether alerts at `now` concern it: soaking, or being (or already) rolled back within its window.
    public func isInSoakWindow(at now: Timestamp) -> Bool {
        [.active, .rollingBack, .rolledBack].contains(state) && now < soakEndsAt
    }

    enum CodingKeys: String, CodingKey {
        case id, service, namespace, cluster, environment, version, strategy, labels, target, state
        case previousVersion = "previous_version"
        case soakSeconds = "soak_seconds"
        case soak
        case idempotencyKey = "idempotency_key"
        case deployedAt = "deployed_at"
        case soakEndsAt = "soak_ends_at"
        case promotedAt = "promoted_at"
        case supersededBy = "superseded_by"
        case recordedBy = "recorded_by"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(service, forKey: .service)
        try c.encode(namespace, forKey: .namespace)
        try c.encode(cluster, forKey: .cluster)
        try c.encode(environment, forKey: .environment)
        try c.encode(version, forKey: .version)
        try c.encode(previousVersion, forKey: .previousVersion)
        try c.encode(strategy, forKey: .strategy)
        try c.encode(labels, forKey: .labels)
        try c.encode(target, forKey: .target)
        try c.encode(DurationText.format(soakSeconds), forKey: .soak)
        try c.encode(soakSeconds, forKey: .soakSeconds)
        try c.encode(idempotencyKey, forKey: .idempotencyKey)
        try c.encode(state, forKey: .state)
        try c.encode(deployedAt.rfc3339, forKey: .deployedAt)
        try c.encode(soakEndsAt.rfc3339, forKey: .soakEndsAt)
        try c.encode(promotedAt?.rfc3339, forKey: .promotedAt)
        try c.encode(supersededBy, forKey: .supersededBy)
        try c.encode(recordedBy, forKey: .recordedBy)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(Int64.self, forKey: .id)
        service = try c.decode(String.self, forKey: .service)
        namespace = try c.decode(String.self, forKey: .namespace)
        cluster = try c.decodeIfPresent(String.self, forKey: .cluster) ?? ""
        environment = try c.decodeIfPresent(String.self, forKey: .environment) ?? ""
        version = try c.decode(String.self, forKey: .version)
        previousVersion = try c.decodeIfPresent(String.self, forKey: .previousVersion) ?? ""
        strategy = try c.decode(DeploymentStrategy.self, forKey: .strategy)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        target = try c.decodeIfPresent([String: JSONValue].self, forKey: .target) ?? [:]
        soakSeconds = try c.decode(Double.self, forKey: .soakSeconds)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        state = try c.decode(DeploymentState.self, forKey: .state)
        deployedAt = try c.decodeTimestamp(forKey: .deployedAt)
        soakEndsAt = try c.decodeTimestamp(forKey: .soakEndsAt)
        promotedAt = try c.decodeIfPresent(String.self, forKey: .promotedAt).flatMap { Timestamp(rfc3339: $0) }
        supersededBy = try c.decodeIfPresent(Int64.self, forKey: .supersededBy)
        recordedBy = try c.decodeIfPresent(String.self, forKey: .recordedBy) ?? ""
    }
}
