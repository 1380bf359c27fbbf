import Foundation
import RipcordCore

/// Finds the program a CLI executor runs: the configured absolute path (`helm_path`, `kubectl_path`),
/// or the first executable file of that name in an absolute PATH folder.
public enum ToolLocator {
    /// The program's absolute path, or why there is none. `path` is a PATH value (`/usr/local/bin:/usr/bin`);
    /// empty and relative entries are skipped, so the server's working folder never supplies a program.
    public static func locate(_ name: String, configured: String?,
                              path: String? = ProcessInfo.processInfo.environment["PATH"]) -> Result<String, ExecutorFailure> {
        if let configured {
            guard FileManager.default.isExecutableFile(atPath: configured) else {
                return .failure(ExecutorFailure("\(configured) (configured for \(name)) is not an executable file"))
            }
            return .success(configured)
        }
        let folders = (path ?? "").split(separator: ":").map(String.init).filter { $0.hasPrefix("/") }
        for folder in folders {
            let candidate = (folder as NSString).appendingPathComponent(name)
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return .success(candidate)
            }
        }
        return .failure(ExecutorFailure("\(name) was not found on PATH (\(folders.isEmpty ? "empty" : folders.joined(separator: ":"))); install it or set \(name)_path"))
    }
}
