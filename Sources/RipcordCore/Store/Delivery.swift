/// A webhook delivery as it arrived, ready to be stored.
public struct IncomingDelivery: Sendable {
    /// The body exactly as received.
    public var rawBody: [UInt8]
    /// The decoded notification.
    public var group: AlertGroup
    /// When it arrived.
    public var receivedAt: Timestamp
    /// The peer's address.
    public var remoteAddress: String
    /// The name of the credential that sent it.
    public var credential: String

    /// Creates an incoming delivery.
    public init(rawBody: [UInt8], group: AlertGroup, receivedAt: Timestamp, remoteAddress: String, credential: String) {
        self.rawBody = rawBody
        self.group = group
        self.receivedAt = receivedAt
        self.remoteAddress = remoteAddress
        self.credential = credential
    }
}

/// What storing a delivery did.
public struct RecordedDelivery: Sendable, Equatable {
    /// The stored delivery's id (the first one's, for a duplicate).
    public var id: Int64
    /// True when the same body was stored before; this arrival was recorded as its duplicate.
    public var duplicate: Bool
    /// Alerts in the delivery.
    public var alertCount: Int

    /// Creates a result.
    public init(id: Int64, duplicate: Bool, alertCount: Int) {
        self.id = id
        self.duplicate = duplicate
        self.alertCount = alertCount
    }
}

/// One stored delivery as listed for on-call.
public struct DeliverySummary: Sendable, Codable, Equatable {
    public var id: Int64
    public var receivedAt: String
    public var receiver: String
    public var status: AlertStatus
    public var groupKey: String
    public var alertCount: Int
    public var firingCount: Int
    public var truncatedAlerts: Int
    public var duplicates: Int
    public var remoteAddress: String
    public var credential: String
    public var alertnames: [String]

    enum CodingKeys: String, CodingKey {
        case id, receiver, status, duplicates, credential, alertnames
        case receivedAt = "received_at"
        case groupKey = "group_key"
        case alertCount = "alert_count"
        case firingCount = "firing_count"
        case truncatedAlerts = "truncated_alerts"
        case remoteAddress = "remote_address"
    }

    /// Creates a summary.
    public init(id: Int64, receivedAt: String, receiver: String, status: AlertStatus, groupKey: String,
                alertCount: Int, firingCount: Int, truncatedAlerts: Int, duplicates: Int,
                remoteAddress: String, credential: String, alertnames: [String]) {
        self.id = id
        self.receivedAt = receivedAt
        self.receiver = receiver
        self.status = status
        self.groupKey = groupKey
        self.alertCount = alertCount
        self.firingCount = firingCount
        self.truncatedAlerts = truncatedAlerts
        self.duplicates = duplicates
        self.remoteAddress = remoteAddress
        self.credential = credential
        self.alertnames = alertnames
    }
}

/// A later arrival of a delivery already stored.
public struct DuplicateArrival: Sendable, Codable, Equatable {
    public var receivedAt: String
    public var remoteAddress: String
    public var credential: String

    enum CodingKeys: String, CodingKey {
        case credential
        case receivedAt = "received_at"
        case remoteAddress = "remote_address"
    }

    /// Creates an arrival.
    public init(receivedAt: String, remoteAddress: String, credential: String) {
        self.receivedAt = receivedAt
        self.remoteAddress = remoteAddress
        self.credential = credential
    }
}

/// One stored delivery in full: what Alertmanager sent and every time it was sent again.
public struct DeliveryDetail: Sendable, Codable {
    public var summary: DeliverySummary
    public var notification: AlertGroup
    public var rawBody: String
    public var bodySHA256: String
    public var duplicatesSeen: [DuplicateArrival]
    /// What the planner decided for each alert (empty until it has run).
    public var decisions: [Decision] = []

    enum CodingKeys: String, CodingKey {
        case notification, decisions
        case rawBody = "raw_body"
        case bodySHA256 = "body_sha256"
        case duplicatesSeen = "duplicates_seen"
    }

    /// Creates a detail.
    public init(summary: DeliverySummary, notification: AlertGroup, rawBody: String, bodySHA256: String,
                duplicatesSeen: [DuplicateArrival]) {
        self.summary = summary
        self.notification = notification
        self.rawBody = rawBody
        self.bodySHA256 = bodySHA256
        self.duplicatesSeen = duplicatesSeen
    }

    public func encode(to encoder: Encoder) throws {
        try summary.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(notification, forKey: .notification)
        try c.encode(rawBody, forKey: .rawBody)
        try c.encode(bodySHA256, forKey: .bodySHA256)
        try c.encode(duplicatesSeen, forKey: .duplicatesSeen)
        try c.encode(decisions, forKey: .decisions)
    }

    public init(from decoder: Decoder) throws {
        summary = try DeliverySummary(from: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        notification = try c.decode(AlertGroup.self, forKey: .notification)
        rawBody = try c.decode(String.self, forKey: .rawBody)
        bodySHA256 = try c.decode(String.self, forKey: .bodySHA256)
        duplicatesSeen = try c.decode([DuplicateArrival].self, forKey: .duplicatesSeen)
        decisions = try c.decodeIfPresent([Decision].self, forKey: .decisions) ?? []
    }
}

/// Where Alertmanager's deliveries are kept. SQLite today; a PostgreSQL store can follow behind it.
public protocol DeliveryStore: Sendable {
    /// Stores a delivery durably (on disk when this returns), or records it as a duplicate of the first.
    func recordDelivery(_ delivery: IncomingDelivery) throws(StoreError) -> RecordedDelivery
    /// Deliveries newest first, starting below `before` (an id) when given.
    func listDeliveries(limit: Int, before: Int64?) throws(StoreError) -> [DeliverySummary]
    /// One delivery in full, or nil.
    func delivery(id: Int64) throws(StoreError) -> DeliveryDetail?
    /// Succeeds when the database is open, migrated and takes writes.
    func checkReady() throws(StoreError)
}
