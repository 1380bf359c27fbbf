/// What a credential may do.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// May post Alertmanager webhooks.
    case alertmanager
    /// May read the read APIs (deliveries, deployments, rollbacks, audit).
    case reader
    /// May record and promote deployments, and read (pipelines check what they recorded).
    case deployer
    /// May do everything.
    case admin

    /// Whether this role grants `permission`.
    public func grants(_ permission: Permission) -> Bool {
        switch (self, permission) {
        case (.admin, _): return true
        case (.alertmanager, .postWebhook): return true
        case (.reader, .read): return true
        case (.deployer, .recordDeployments), (.deployer, .read): return true
        default: return false
        }
    }
}

/// An action guarded by auth.
public enum Permission: String, Sendable {
    case postWebhook = "post webhooks"
    case read = "read"
    case recordDeployments = "record deployments"
    case administer = "administer"

    /// The roles that grant it, for error messages.
    public var roles: [Role] { Role.allCases.filter { $0.grants(self) } }
}
