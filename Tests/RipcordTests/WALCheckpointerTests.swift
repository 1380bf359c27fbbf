import Foundation
@testable import RipcordStore
import SQLiteDB
import Testing

/// The store's checkpointer: committed pages are copied from the WAL into the database file on
/// another thread while the writer goes on, and the WAL keeps its size bound.
@Suite("The WAL checkpointer")
struct WALCheckpointerTests {
    static let pageSize = 4096

    /// Commits `transactions` transactions of about 100 new pages each.
    static func writePages(_ store: SQLiteStore, transactions: Int) throws {
        for _ in 0..<transactions {
            try store.write("scratch") { db in
                try db.execute("INSERT INTO scratch (x) SELECT randomblob(4000) FROM generate_pages")
            }
        }
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("pages committed well below the writer's own autocheckpoint reach the database file")
    func committedPagesReachTheDatabaseFile() async throws {
        let folder = try TestFolder()
        let path = folder.path + "/data/ripcord.sqlite3"
        let store = try SQLiteStore(path: path)
        defer { store.close() }
        try store.write("scratch table") { db in
            try db.execute("""
                CREATE TABLE scratch (x BLOB);
                CREATE TEMP TABLE generate_pages (n INTEGER);
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
                INSERT INTO generate_pages SELECT i FROM n;
                """)
        }
        // 2,000 pages: half the writer's autocheckpoint, so only the checkpointer copies them.
        try Self.writePages(store, transactions: 20)
        #expect(2_000 < WALCheckpointer.writerAutocheckpointPages)
        try await eventually("the pages copied into the database file", timeout: 20) {
            Self.fileSize(path) >= 2_000 * Self.pageSize
        }

        // Steady writes beyond the bound (10,000 pages): the WAL stays near it instead of holding
        // everything. The bound is soft: while the checkpointer's checkpoint runs, the writer's own
        // is skipped (SQLITE_BUSY) and commits go on appending, so under a loaded parallel run the
        // WAL passed 4,000 pages by ~500 (one run in three). Twice the bound still tells a WAL that
        // starts over from one that keeps all 12,000 pages.
        try Self.writePages(store, transactions: 100)
        let walLimit = (2 * WALCheckpointer.writerAutocheckpointPages + 400) * (Self.pageSize + 24)
        #expect(Self.fileSize(path + "-wal") <= walLimit)
        try await eventually("all the pages copied into the database file", timeout: 20) {
            Self.fileSize(path) >= 12_000 * Self.pageSize
        }
    }
}
