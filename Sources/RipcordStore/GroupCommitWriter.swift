import Foundation
import SQLiteDB

/// Runs writes on one connection and thread, committing whatever arrived together in one transaction.
///
/// Each caller blocks until the transaction holding its write is durable (synchronous=FULL), so many
/// concurrent deliveries share one fsync instead of paying one each.
final class GroupCommitWriter: @unchecked Sendable {
    private final class Pending {
        let work: (Database) throws -> Any
        /// Called on the writer thread once the write's transaction ended.
        let completion: (Result<Any, Error>) -> Void
        /// Runs before the other writes queued ahead of it; see `write(urgent:_:)`.
        let urgent: Bool
        init(work: @escaping (Database) throws -> Any, urgent: Bool, completion: @escaping (Result<Any, Error>) -> Void) {
            self.work = work
            self.urgent = urgent
            self.completion = completion
        }
    }

    private let database: Database
    private let condition = NSCondition()
    private var queue: [Pending] = []
    /// How many of `queue` are urgent.
    private var urgentQueued = 0
    private var stopped = false
    private var thread: Thread?
    private let maxBatch: Int
    /// `PRAGMA data_version` when the last transaction began (only the writer thread uses it).
    private var dataVersion: Int64 = -1

    /// Called on the writer thread after each commit.
    private let afterCommit: @Sendable () -> Void

    init(database: Database, maxBatch: Int = 256, afterCommit: @escaping @Sendable () -> Void = {}) {
        self.database = database
        self.maxBatch = maxBatch
        self.afterCommit = afterCommit
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "ripcord-sqlite-writer"
        self.thread = thread
        thread.start()
    }

    /// Runs `work` inside a transaction and returns once that transaction is committed. An `urgent`
    /// write (a rollback about to start waits for it) runs before the other writes queued ahead of it
    /// (urgent ones keep their order) and its transaction commits once no urgent write is left, so
    /// it waits for at most the one write already running.
    func write<T>(urgent: Bool = false, _ work: @escaping (Database) throws -> T) throws -> T {
        // Each caller waits on its own semaphore, so a commit wakes only the callers it finished.
        let done = DispatchSemaphore(value: 0)
        var result: Result<Any, Error>?
        let pending = Pending(work: { try work($0) }, urgent: urgent) { outcome in
            result = outcome
            done.signal()
        }
        guard enqueue(pending) else { throw GroupCommitWriter.closed }
        done.wait()
        return try result!.get() as! T
    }

    /// Queues `work` without waiting for it. Writes commit in the order they were queued (urgent ones
    /// aside), so a later `write` returns only once this one is committed too (or has failed).
    func submit(urgent: Bool = false, _ work: @escaping (Database) throws -> Void, completion: @escaping (Error?) -> Void) {
        submit(urgent: urgent, work) { (result: Result<Void, Error>) in
            if case .failure(let error) = result { completion(error) } else { completion(nil) }
        }
    }

    /// `submit` for a write with a result; `completion` runs on the writer thread, so keep it short.
    func submit<T>(urgent: Bool = false, _ work: @escaping (Database) throws -> T,
                   completion: @escaping (Result<T, Error>) -> Void) {
        let pending = Pending(work: { try work($0) }, urgent: urgent, completion: { result in completion(result.map { $0 as! T }) })
        if !enqueue(pending) { completion(.failure(GroupCommitWriter.closed)) }
    }

    private static let closed = SQLiteError(code: 21, message: "the database is closed")

    /// Hands a write to the writer thread; false once stopped.
    private func enqueue(_ pending: Pending) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        queue.append(pending)
        if pending.urgent { urgentQueued += 1 }
        condition.signal()   // only the writer thread waits on the condition
        return true
    }

    /// Finishes queued writes, then stops the thread.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        while true {
            condition.lock()
            let done = thread == nil
            condition.unlock()
            if done { return }
            usleep(1000)
        }
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty && stopped {
                thread = nil
                condition.unlock()
                return
            }
            // The writes queued now make this transaction; an urgent one arriving meanwhile joins it.
            let available = min(queue.count, maxBatch)
            condition.unlock()
            commit(available: available)
        }
    }

    /// The next write of the transaction: an urgent one first, wherever it is queued.
    private func next() -> Pending? {
        condition.lock()
        defer { condition.unlock() }
        guard !queue.isEmpty else { return nil }
        guard urgentQueued > 0, let index = queue.firstIndex(where: \.urgent) else { return queue.removeFirst() }
        urgentQueued -= 1
        return queue.remove(at: index)
    }

    private func commit(available: Int) {
        var taken: [Pending] = []
        var results: [Result<Any, Error>] = []
        do {
            try database.run("BEGIN IMMEDIATE")
            // What the writes keep between transactions (`Database.kept`) holds only while this
            // connection is the database's only writer; another one (a CLI command) clears it.
            let version = try database.dataVersion()
            if version != dataVersion {
                database.kept.removeAll()
                dataVersion = version
            }
            while taken.count < available || taken.last?.urgent == false && hasUrgent() {
                guard let pending = next() else { break }
                taken.append(pending)
                // A savepoint per write: one failing write does not undo the others.
                do {
                    results.append(.success(try database.savepoint("write") { try pending.work(database) }))
                } catch let error as SavepointRollbackFailed {
                    throw error.failure
                } catch {
                    results.append(.failure(error))
                }
                if pending.urgent && !hasUrgent() { break }
            }
            try database.run("COMMIT")
            afterCommit()
        } catch {
            database.kept.removeAll()
            try? database.execute("ROLLBACK")
            // A transaction that could not even begin fails the writes it was for (not retried in a loop).
            while taken.count < available, let pending = next() { taken.append(pending) }
            results = taken.map { _ in .failure(error) }
        }
        for (pending, result) in zip(taken, results) { pending.completion(result) }
    }

    private func hasUrgent() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return urgentQueued > 0
    }
}
