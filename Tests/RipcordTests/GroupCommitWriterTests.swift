import Foundation
@testable import RipcordStore
import SQLiteDB
import Synchronization
import Testing

/// The store's single writer: writes queued together share a transaction; an urgent one (a claim, an
/// attempt record: a rollback waits for it to start) goes ahead of writes queued before it.
@Suite("The group-commit writer")
struct GroupCommitWriterTests {
    @Test("an urgent write runs and commits before the ordinary writes queued ahead of it")
    func urgentWritesGoFirst() throws {
        let folder = try TestFolder()
        let store = try SQLiteStore(path: folder.path + "/data/ripcord.sqlite3")
        defer { store.close() }
        let order = Mutex<[String]>([])
        // A write holds the writer until everything below is queued behind it.
        let running = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        store.writer.submit({ _ in
            running.signal()
            _ = release.wait(timeout: .now() + 10)
            order.withLock { $0.append("first") }
        }, completion: { _ in })
        running.wait()
        // The first queued write waits for the urgent write's commit: if the urgent write had joined
        // its transaction instead of committing before it, this would wait out its timeout.
        let urgentCommitted = DispatchSemaphore(value: 0)
        let waitedOut = Mutex(false)
        let finished = DispatchGroup()
        for index in 0..<20 {
            finished.enter()
            store.writer.submit({ _ in
                if index == 0 && urgentCommitted.wait(timeout: .now() + 3) == .timedOut { waitedOut.withLock { $0 = true } }
                order.withLock { $0.append("queued \(index)") }
            }, completion: { error in
                #expect(error == nil)
                finished.leave()
            })
        }
        finished.enter()
        store.writer.submit(urgent: true, { _ in order.withLock { $0.append("urgent") } }, completion: { error in
            #expect(error == nil)
            urgentCommitted.signal()
            finished.leave()
        })
        release.signal()
        #expect(finished.wait(timeout: .now() + 20) == .success)

        #expect(order.withLock { $0 } == ["first", "urgent"] + (0..<20).map { "queued \($0)" })
        #expect(waitedOut.withLock { $0 } == false)
    }
}
