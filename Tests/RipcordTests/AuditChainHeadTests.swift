import Foundation
import RipcordCore
@testable import RipcordStore
import SQLiteDB
import Testing

/// The writer remembers the audit chain's last event between appends; these check it never
/// remembers one that is not there.
@Suite("The audit chain's remembered head")
struct AuditChainHeadTests {
    struct Abandoned: Error {}

    @Test("an append undone by a failed write, and appends by another process, leave the chain whole")
    func chainStaysWholeAcrossRollbacksAndOtherWriters() throws {
        let folder = try TestFolder()
        let path = folder.path + "/data/ripcord.sqlite3"
        let store = try SQLiteStore(path: path)
        defer { store.close() }
        let now = Timestamp.now()
        try store.appendAudit(AuditRecord(kind: "test.first", actor: "test", summary: "first"), now: now)

        // A write that appends and then fails: its event is rolled back with it.
        #expect(throws: StoreError.self) {
            try store.write("abandoning an append") { db in
                try AuditRows.append(AuditRecord(kind: "test.undone", actor: "test", summary: "undone"), db, now: now)
                throw Abandoned()
            }
        }
        try store.appendAudit(AuditRecord(kind: "test.second", actor: "test", summary: "second"), now: now)

        // Another connection (a CLI command, another process) appends between two of ours.
        let other = try SQLiteStore(path: path)
        try other.appendAudit(AuditRecord(kind: "test.other", actor: "cli", summary: "from elsewhere"), now: now)
        other.close()
        try store.appendAudit(AuditRecord(kind: "test.third", actor: "test", summary: "third"), now: now)

        let events = try store.auditEvents(AuditQuery()).reversed()
        #expect(events.map(\.kind) == ["test.first", "test.second", "test.other", "test.third"])
        #expect(events.map(\.id) == [1, 2, 3, 4])
        let verification = try store.verifyAudit()
        #expect(verification.firstBrokenID == nil, "\(verification.problem ?? "")")
        #expect(verification.checked == 4)
    }
}
