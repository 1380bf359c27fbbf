// libFuzzer target: YAML text through ConfigLoader.parse(yaml:file:), as `ripcord serve` and
// `ripcord check-config` read ripcord.yml. It must return a RipcordConfig or throw ConfigError (whose
// issues name file, line and field). The file sits in a folder that does not exist, so relative
// secret files are never found; inputs naming /dev, /proc or /sys are skipped (the fuzzer must not
// read /dev/zero or /dev/stdin as a secret; an operator's config is trusted not to).
import Foundation
import RipcordCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if text.contains("/dev") || text.contains("/proc") || text.contains("/sys") { return 0 }
    do {
        let config = try ConfigLoader.parse(yaml: text, file: "/nonexistent-ripcord-fuzz/ripcord.yml")
        _ = (config.policies.count, config.executors.count, config.credentials.count)
    } catch {
        for issue in error.issues { _ = (issue.file, issue.line, issue.column, issue.field, issue.message) }
    }
    return 0
}
