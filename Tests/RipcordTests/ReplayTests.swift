import Foundation
import SQLiteDB
import Testing

@Suite("ripcord replay", .serialized)
struct ReplayTests {
    @Test("replay prints every decision and the exact commands that would run, and changes nothing")
    func replayChangesNothing() async throws {
        let folder = try TestFolder()
        let program = try FakeRollbackProgram.install(in: folder)
        _ = try folder.writeStandardConfig(extra: rollbackConfig(program: program, arguments: ["--fast"]))
        do {
            let setup = try EngineHarness(folder: folder)
            try setup.deploy()
            await setup.stop()
        }
        let capture = Captures.folder.appendingPathComponent("02-firing-group-grew.raw").path
        let db = try Database(path: folder.path + "/data/ripcord.sqlite3")
        func counts() throws -> [Int64] {
            try ["deliveries", "decisions", "rollbacks", "rollback_attempts"].map {
                try db.queryOne("SELECT count(*) AS n FROM \($0)")?.int("n") ?? -1
            }
        }
        let before = try counts()
        let result = try await RipcordBinary.run(["replay", capture, "--dry-run"], in: folder.path)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains("HighErrorRate") && $0.contains(": matched (policy slo-burn)") }.count == 1)
        #expect(lines.filter { $0.contains(": duplicate (policy slo-burn)") }.count == 1)
        #expect(lines.contains { $0.contains("would run rollback-script (command)") && $0.contains(#""argv":["\#(program)","--fast"]"#) })
        #expect(try counts() == before)
        #expect(FakeRollbackProgram.calls(in: folder).isEmpty)

        let withoutFlag = try await RipcordBinary.run(["replay", capture], in: folder.path)
        #expect(withoutFlag.status != 0)
        #expect(withoutFlag.stderr.contains("--dry-run"))
        let badFile = try await RipcordBinary.run(["replay", "/nonexistent.json", "--dry-run"], in: folder.path)
        #expect(badFile.status != 0)
        #expect(badFile.stderr.contains("/nonexistent.json: cannot be read"))
    }
}
