import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock next to the database (`PATH.lock`), held while `ripcord serve` runs, so two
/// servers never run rollbacks from one database. The kernel releases it when the process dies,
/// even by kill -9, which is how the next start knows running jobs were interrupted.
final class DatabaseLock: @unchecked Sendable {
    private let fd: Int32
    let path: String

    init(databasePath: String) throws {
        path = databasePath + ".lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw StartupError(message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(fd)
            throw StartupError(message: "another ripcord serve is using \(databasePath) (\(holder)); stop it first")
        }
        ftruncate(fd, 0)
        let text = "pid \(getpid())\n"
        _ = text.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
