import Synchronization

/// Keeps two rollbacks from touching the same object at once: an attempt takes the lock keys of the
/// objects it changes (`Executor.lockKeys`) all together or not at all, so overlapping key sets never
/// deadlock, and waiters are served first come, first served (a later waiter never overtakes an
/// earlier one that wants any of the same keys).
public final class TargetLocks: Sendable {
    /// Keys held now, what waits, and the next ticket number.
    private struct State {
        var held: Set<String> = []
        var waiting: [Waiter] = []
        var nextTicket: UInt64 = 0
    }

    private struct Waiter {
        let ticket: UInt64
        let keys: Set<String>
        let continuation: CheckedContinuation<Void, any Error>
    }

    /// Keys taken together; give it back to `release`.
    public struct Lease: Sendable, Hashable {
        /// The keys held.
        public let keys: Set<String>
    }

    private let state = Mutex(State())

    /// Creates an empty lock table.
    public init() {}

    /// Waits until every key is free and no earlier waiter wants one of them, then holds them all.
    /// Throws `CancellationError` (holding nothing) when the task is cancelled while waiting.
    public func acquire(_ keys: [String]) async throws -> Lease {
        let wanted = Set(keys)
        guard !wanted.isEmpty else { return Lease(keys: []) }
        try Task.checkCancellation()
        let ticket = state.withLock { state -> UInt64 in
            state.nextTicket += 1
            return state.nextTicket
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Decided under the lock, so the continuation is resumed exactly once: here, by `release`,
                // or by the cancellation handler (which only resumes waiters it removes).
                enum Decision { case granted, cancelled, queued }
                let decision = state.withLock { state -> Decision in
                    if Task.isCancelled { return .cancelled }
                    let blocked = !state.held.isDisjoint(with: wanted)
                        || state.waiting.contains { !$0.keys.isDisjoint(with: wanted) }
                    if blocked {
                        state.waiting.append(Waiter(ticket: ticket, keys: wanted, continuation: continuation))
                        return .queued
                    }
                    state.held.formUnion(wanted)
                    return .granted
                }
                switch decision {
                case .granted: continuation.resume()
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .queued: break
                }
            }
        } onCancel: {
            cancel(ticket)
        }
        return Lease(keys: wanted)
    }

    /// Gives the keys back and wakes the waiters that can now have theirs.
    public func release(_ lease: Lease) {
        guard !lease.keys.isEmpty else { return }
        let woken = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.held.subtract(lease.keys)
            return Self.grant(&state)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Runs `body` holding `keys`, and releases them however it ends.
    public func withLocks<T: Sendable>(_ keys: [String], _ body: () async throws -> T) async throws -> T {
        let lease = try await acquire(keys)
        defer { release(lease) }
        return try await body()
    }

    /// Keys held now (for tests and diagnostics).
    public var heldKeys: Set<String> { state.withLock { $0.held } }

    /// How many acquisitions wait.
    public var waitingCount: Int { state.withLock { $0.waiting.count } }

    private func cancel(_ ticket: UInt64) {
        let (cancelled, woken) = state.withLock { state -> (CheckedContinuation<Void, any Error>?, [CheckedContinuation<Void, any Error>]) in
            guard let index = state.waiting.firstIndex(where: { $0.ticket == ticket }) else { return (nil, []) }
            let waiter = state.waiting.remove(at: index)
            // Its leaving may unblock later waiters that only waited behind it.
            return (waiter.continuation, Self.grant(&state))
        }
        cancelled?.resume(throwing: CancellationError())
        for continuation in woken { continuation.resume() }
    }

    /// Grants waiters in arrival order whose keys are free and wanted by no earlier waiter still waiting.
    private static func grant(_ state: inout State) -> [CheckedContinuation<Void, any Error>] {
        var woken: [CheckedContinuation<Void, any Error>] = []
        var blockedByEarlier: Set<String> = []
        var still: [Waiter] = []
        for waiter in state.waiting {
            if state.held.isDisjoint(with: waiter.keys) && blockedByEarlier.isDisjoint(with: waiter.keys) {
                state.held.formUnion(waiter.keys)
                woken.append(waiter.continuation)
            } else {
                blockedByEarlier.formUnion(waiter.keys)
                still.append(waiter)
            }
        }
        state.waiting = still
        return woken
    }
}
