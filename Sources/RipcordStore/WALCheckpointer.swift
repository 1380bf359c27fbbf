import Foundation
import SQLiteDB

/// Copies committed WAL pages into the database file on its own connection and thread, so the
/// writer's thread mostly appends to the WAL instead of also doing the checkpoint's reads, writes
/// and fsync.
///
/// The writer calls `committed()` after each commit; the checkpointer then runs a PASSIVE checkpoint
/// (it never blocks the writer), at most once per `interval`. A PASSIVE checkpoint cannot copy the
/// frames committed while it runs, so under steady writes it never quite catches up and the WAL
/// could not start over: the writer keeps its own autocheckpoint (`writerAutocheckpointPages`) as
/// the bound, which then finds most pages already copied. Nothing is lost when a checkpoint fails
/// (a full disk): the pages stay in the WAL for the next one.
final class WALCheckpointer: Sendable {
    /// The writer's own autocheckpoint, in pages: the WAL's size bound (16 MB with 4 KB pages).
    static let writerAutocheckpointPages = 4_000

    private let worker: Worker

    /// Opens the checkpointer's connection to `path` and starts its thread.
    init(path: String, intervalMilliseconds: UInt32 = 25) throws(SQLiteError) {
        let database = try Database(path: path)
        try database.execute("PRAGMA synchronous = FULL")
        worker = Worker(database: database, interval: intervalMilliseconds * 1000)
        let worker = self.worker
        let thread = Thread { worker.run() }
        thread.name = "ripcord-sqlite-checkpoint"
        thread.start()
    }

    /// A store dropped without `close()` (tests) still ends the thread and its connection.
    deinit { worker.stop() }

    /// A transaction was committed: its pages are waiting in the WAL.
    func committed() { worker.committed() }

    /// Stops the thread after the checkpoint running now, if any.
    func stop() { worker.stop() }

    /// The thread's state; the thread holds this, not the checkpointer.
    private final class Worker: @unchecked Sendable {
        private let database: Database
        private let interval: UInt32
        private let condition = NSCondition()
        private var wanted = false
        private var stopped = false
        private var running = true

        init(database: Database, interval: UInt32) {
            self.database = database
            self.interval = interval
        }

        func committed() {
            condition.lock()
            if !wanted {
                wanted = true
                condition.signal()
            }
            condition.unlock()
        }

        func stop() {
            condition.lock()
            stopped = true
            condition.broadcast()
            while running { condition.wait() }
            condition.unlock()
        }

        func run() {
            while true {
                condition.lock()
                while !wanted && !stopped { condition.wait() }
                if stopped {
                    running = false
                    condition.broadcast()
                    condition.unlock()
                    return
                }
                wanted = false
                condition.unlock()
                // A failure (full disk, read-only file) leaves the frames in the WAL; the writer reports it.
                try? database.execute("PRAGMA wal_checkpoint(PASSIVE)")
                usleep(interval)
            }
        }
    }
}
