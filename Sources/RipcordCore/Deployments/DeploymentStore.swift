/// A deployment as a pipeline submits it, validated, before it has an id.
public struct NewDeployment: Sendable, Hashable {
    public var service: String
    public var namespace: String
    public var cluster: String
    public var environment: String
    public var version: String
    public var previousVersion: String
    public var strategy: DeploymentStrategy
    public var labels: [String: String]
    public var target: [String: JSONValue]
    /// nil: the config's `deployments.default_soak`.
    public var soakSeconds: Double?
    public var idempotencyKey: String?

    /// Creates a submission.
    public init(service: String, namespace: String, cluster: String = "", environment: String = "", version: String,
                previousVersion: String = "", strategy: DeploymentStrategy = .rolling, labels: [String: String] = [:],
                target: [String: JSONValue] = [:], soakSeconds: Double? = nil, idempotencyKey: String? = nil) {
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
    }
}

/// Where deployments are kept.
public protocol DeploymentStore: Sendable {
    /// Stores a deployment (superseding the active one of the same service, namespace and cluster);
    /// with an idempotency key seen before, returns the first record and `created: false`.
    func recordDeployment(_ new: NewDeployment, soakSeconds: Double, by credential: String,
                          now: Timestamp) throws(StoreError) -> (deployment: Deployment, created: Bool)
    /// Deployments newest first, optionally filtered.
    func deployments(service: String?, state: DeploymentState?, limit: Int, now: Timestamp) throws(StoreError) -> [Deployment]
    /// One deployment, or nil.
    func deployment(id: Int64, now: Timestamp) throws(StoreError) -> Deployment?
    /// Ends an active deployment's soak: it becomes stable. Nil when there is no such deployment.
    func promoteDeployment(id: Int64, by credential: String, now: Timestamp) throws(StoreError) -> Deployment?
    /// Makes active deployments whose soak window passed stable; returns how many.
    @discardableResult
    func stabilizeExpiredDeployments(now: Timestamp) throws(StoreError) -> Int
}
