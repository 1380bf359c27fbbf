/// When the engine's retention passes (`audit.retention`, `deliveries.retention`) run.
public struct RetentionSchedule: Sendable {
    /// How long after the engine starts the first pass runs.
    public var firstPass: Duration
    /// Between passes that left nothing to delete.
    public var interval: Duration
    /// After a delivery pass that stopped at its bound with more to delete.
    public var catchUp: Duration

    /// Creates a schedule.
    public init(firstPass: Duration, interval: Duration, catchUp: Duration) {
        self.firstPass = firstPass
        self.interval = interval
        self.catchUp = catchUp
    }

    /// What `ripcord serve` uses: a minute after start, then hourly, or each minute while behind.
    public static let standard = RetentionSchedule(firstPass: .seconds(60), interval: .seconds(3600), catchUp: .seconds(60))
}
