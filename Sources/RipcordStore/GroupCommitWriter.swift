import Foundation
import SQLiteDB

/// Runs writes on one connection and thread, committing whatever arrived together in one transaction.
///
/// Each caller blocks until the transaction holding its write is durable (synchronous=FULL), so many
/// concurrent deliveries share one fsync instead of paying one each.
final class GroupCommitWriter: @unchecked Sendable {
    private final class Pending {
        let work: (Database) throws -> Any
        /// Set by the writer before it signals `done`.
        var result: Result<Any, Error>?
        /// Each caller waits on its own semaphore, so a commit wakes only the callers it finished.
        let done = DispatchSemaphore(value: 0)
        /// For a write nobody waits for: called with its outcome once its transaction ended.
        let completion: ((Error?) -> Void)?
        init(work: @escaping (Database) throws -> Any, completion: ((Error?) -> Void)? = nil) {
            self.work = work
            self.completion = completion
        }
    }

    private let database: Database
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var stopped = false
    private var thread: Thread?
    private let maxBatch: Int
    /// `PRAGMA data_version` when the last transaction began (only the writer thread uses it).
    private var dataVersion: Int64 = -1

    init(database: Database, maxBatch: Int = 256) {
        self.database = database
        self.maxBatch = maxBatch
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "ripcord-sqlite-writer"
        self.thread = thread
        thread.start()
    }

    /// Runs `work` inside a transaction and returns once that transaction is committed.
    func write<T>(_ work: @escaping (Database) throws -> T) throws -> T {
        let pending = Pending { try work($0) }
        guard enqueue(pending) else { throw GroupCommitWriter.closed }
        pending.done.wait()
        return try pending.result!.get() as! T
    }

    /// Queues `work` without waiting for it. Writes commit in the order they were queued, so a
    /// later `write` returns only once this one is committed too (or has failed: `completion`).
    func submit(_ work: @escaping (Database) throws -> Void, completion: @escaping (Error?) -> Void) {
        if !enqueue(Pending(work: { try work($0) }, completion: completion)) { completion(GroupCommitWriter.closed) }
    }

    private static let closed = SQLiteError(code: 21, message: "the database is closed")

    /// Hands a write to the writer thread; false once stopped.
    private func enqueue(_ pending: Pending) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else { return false }
        queue.append(pending)
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
            let batch = Array(queue.prefix(maxBatch))
            queue.removeFirst(batch.count)
            condition.unlock()

            commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) {
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
            for pending in batch {
                // A savepoint per write: one failing write does not undo the others.
                do {
                    results.append(.success(try database.savepoint("write") { try pending.work(database) }))
                } catch let error as SavepointRollbackFailed {
                    throw error.failure
                } catch {
                    results.append(.failure(error))
                }
            }
            try database.run("COMMIT")
        } catch {
            database.kept.removeAll()
            try? database.execute("ROLLBACK")
            results = batch.map { _ in .failure(error) }
        }
        for (pending, result) in zip(batch, results) {
            if let completion = pending.completion {
                if case .failure(let error) = result { completion(error) } else { completion(nil) }
            } else {
                pending.result = result
                pending.done.signal()
            }
        }
    }
}
