import Foundation

/// Runs the engine's tasks on a pool of its own threads instead of Swift's cooperative pool.
///
/// The engine's store calls block until their commit is on disk. On the cooperative pool (one
/// thread per core) that starved every other task in the process, and it limited the whole engine
/// to as many store writes at once as there are cores: with 8 rollbacks running, each waiting on
/// a few commits, an alert storm started only about 20 rollbacks a second. With a thread per
/// concurrently blocked task, waits overlap and share commits.
final class BlockingWorkExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var idle = 0
    private var threads = 0
    private let maxThreads: Int
    private let name: String

    /// A pool that grows to `maxThreads` threads as tasks block, and keeps them.
    init(name: String, maxThreads: Int) {
        self.name = name
        self.maxThreads = maxThreads
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        if jobs.count > idle && threads < maxThreads {
            threads += 1
            let thread = Thread { [unowned self] in self.work() }
            thread.name = "\(name)-\(threads)"
            thread.start()
        } else {
            condition.signal()
        }
        condition.unlock()
    }

    private func work() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            idle += 1
            while jobs.isEmpty { condition.wait() }
            idle -= 1
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: executor)
        }
    }
}
