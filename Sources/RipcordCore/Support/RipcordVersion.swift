/// Ripcord's version, as `ripcord --version` and `ripcord_build_info` report it.
public enum RipcordVersion {
    /// The current version.
    public static let current = "0.1.0"
}
