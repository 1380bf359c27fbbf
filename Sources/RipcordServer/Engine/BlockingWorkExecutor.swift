import Dispatch

/// Runs the engine's tasks on Dispatch threads instead of Swift's cooperative pool.
///
/// The engine's store calls block until their commit is on disk. On the cooperative pool (one
/// thread per core) that starved every other task in the process, such as the subprocess
/// monitoring that executors rely on; Dispatch adds threads when its workers block.
final class BlockingWorkExecutor: TaskExecutor {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, attributes: .concurrent)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
