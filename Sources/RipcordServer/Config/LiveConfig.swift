import RipcordCore
import Synchronization

/// The config in force, replaced whole on reload. Each request takes one snapshot at its start, so
/// requests in flight finish under the config they began with.
public final class LiveConfig: Sendable {
    /// One consistent view: the config and what is derived from it.
    public struct Snapshot: Sendable {
        public let config: RipcordConfig
        public let authenticator: Authenticator
    }

    private let state: Mutex<Snapshot>

    /// Starts with `config`.
    public init(_ config: RipcordConfig) {
        state = Mutex(Snapshot(config: config, authenticator: Authenticator(credentials: config.credentials)))
    }

    /// The config in force now.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Puts a new (already validated) config in force.
    public func replace(with config: RipcordConfig) {
        let next = Snapshot(config: config, authenticator: Authenticator(credentials: config.credentials))
        state.withLock { $0 = next }
    }
}
