/// The `RIPCORD_ATTEMPT` environment entry each process of an attempt is started with: the attempt's
/// id and the ripcord process that ran it (unique across instances on one host, since each records
/// its pid, host and start time). A restart after a crash finds that attempt's processes by it.
public enum ProcessMarker {
    /// The variable's name.
    public static let variable = "RIPCORD_ATTEMPT"

    /// The value for an attempt run by `owner`.
    public static func value(attemptID: Int64, owner: String) -> String {
        "\(attemptID) \(owner)"
    }
}
