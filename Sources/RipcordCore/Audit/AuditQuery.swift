/// Filters for reading the audit log, newest first.
public struct AuditQuery: Sendable, Hashable {
    public var service: String?
    public var namespace: String?
    public var deploymentID: Int64?
    public var rollbackID: Int64?
    public var kind: String?
    public var since: Timestamp?
    public var until: Timestamp?
    public var limit: Int = 50
    /// Only events with a smaller id (the cursor).
    public var before: Int64?

    /// An unfiltered query.
    public init() {}
}

/// Filters for reading rollbacks, newest first.
public struct RollbackQuery: Sendable, Hashable {
    public var service: String?
    public var namespace: String?
    public var status: RollbackStatus?
    public var since: Timestamp?
    public var until: Timestamp?
    public var limit: Int = 50
    public var before: Int64?

    /// An unfiltered query.
    public init() {}
}

/// What `audit verify` found.
public struct AuditVerification: Sendable, Hashable {
    /// Events checked.
    public var checked: Int
    /// The first event whose hash does not follow, or nil when the chain holds.
    public var firstBrokenID: Int64?
    /// Why it is broken.
    public var problem: String?

    /// Creates a result.
    public init(checked: Int, firstBrokenID: Int64?, problem: String?) {
        self.checked = checked
        self.firstBrokenID = firstBrokenID
        self.problem = problem
    }
}

/// Relative (`24h`, `7d`) or RFC 3339 times, as the API and CLI accept them.
public enum TimeFilter {
    /// Parses `since`/`until`; relative durations count back from `now`.
    public static func parse(_ text: String, now: Timestamp) -> Timestamp? {
        if let absolute = Timestamp(rfc3339: text) { return absolute }
        if let seconds = DurationText.seconds(text), seconds > 0 { return now.adding(seconds: -seconds) }
        return nil
    }
}

/// Where the audit log is kept.
public protocol AuditStore: Sendable {
    /// Appends one event to the chain (in its own transaction).
    func appendAudit(_ record: AuditRecord, now: Timestamp) throws(StoreError)
    /// Events newest first.
    func auditEvents(_ query: AuditQuery) throws(StoreError) -> [AuditEvent]
    /// Walks the chain.
    func verifyAudit() throws(StoreError) -> AuditVerification
    /// Deletes events older than `cutoff`, keeping the rest verifiable; returns how many.
    func pruneAudit(olderThan cutoff: Timestamp, now: Timestamp) throws(StoreError) -> Int
}
