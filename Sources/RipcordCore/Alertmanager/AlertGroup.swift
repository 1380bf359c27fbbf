/// Whether an alert (or a whole group) is firing or resolved.
public enum AlertStatus: String, Sendable, Codable, Hashable {
    case firing
    case resolved
}

/// One alert as Alertmanager's webhook (version 4) sends it.
public struct Alert: Sendable, Hashable {
    /// `firing` or `resolved`; may differ from the group's status.
    public var status: AlertStatus
    /// The alert's identifying labels (`alertname`, `service`, ...).
    public var labels: [String: String]
    /// Descriptive annotations (`summary`, `runbook_url`, ...).
    public var annotations: [String: String]
    /// When the alert started firing.
    public var startsAt: Timestamp
    /// When it stopped; nil while it still fires (Alertmanager's zero time).
    public var endsAt: Timestamp?
    /// Link back to the expression in Prometheus.
    public var generatorURL: String
    /// 16 hex characters hashing the label set.
    public var fingerprint: String

    /// Creates an alert.
    public init(status: AlertStatus, labels: [String: String], annotations: [String: String] = [:],
                startsAt: Timestamp, endsAt: Timestamp? = nil, generatorURL: String = "", fingerprint: String) {
        self.status = status
        self.labels = labels
        self.annotations = annotations
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.generatorURL = generatorURL
        self.fingerprint = fingerprint
    }

    /// The `alertname` label, or "".
    public var alertname: String { labels["alertname"] ?? "" }
}

/// One Alertmanager notification: a group of alerts sent to a receiver (webhook version 4).
public struct AlertGroup: Sendable, Hashable {
    /// Always "4".
    public var version: String
    /// Identifies the aggregation group.
    public var groupKey: String
    /// Alerts left out because of the receiver's `max_alerts`.
    public var truncatedAlerts: Int
    /// `firing` while any alert of the group fires.
    public var status: AlertStatus
    /// The receiver's name (regexp-escaped by Alertmanager).
    public var receiver: String
    /// The labels the group was formed by.
    public var groupLabels: [String: String]
    /// Labels all alerts share.
    public var commonLabels: [String: String]
    /// Annotations all alerts share.
    public var commonAnnotations: [String: String]
    /// Link back to Alertmanager.
    public var externalURL: String
    /// The alerts, in the order sent.
    public var alerts: [Alert]

    /// Creates a notification.
    public init(version: String = "4", groupKey: String, truncatedAlerts: Int = 0, status: AlertStatus,
                receiver: String, groupLabels: [String: String] = [:], commonLabels: [String: String] = [:],
                commonAnnotations: [String: String] = [:], externalURL: String = "", alerts: [Alert]) {
        self.version = version
        self.groupKey = groupKey
        self.truncatedAlerts = truncatedAlerts
        self.status = status
        self.receiver = receiver
        self.groupLabels = groupLabels
        self.commonLabels = commonLabels
        self.commonAnnotations = commonAnnotations
        self.externalURL = externalURL
        self.alerts = alerts
    }
}
