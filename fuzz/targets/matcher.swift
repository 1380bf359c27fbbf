// libFuzzer target: text through LabelMatcher(parsing:), as policies' `match:` lists are read. It must
// return a matcher or throw LabelMatcherError. A parsed matcher is also evaluated against a few
// label sets and its description must parse back to an equal matcher (the config check prints it).
import Foundation
import RipcordCore

let labelSets: [[String: String]] = [
    [:],
    ["alertname": "HighErrorRate", "service": "checkout", "namespace": "prod", "severity": "critical"],
    ["a": "", "b": "x\ny", "_": String(repeating: "a", count: 64)],
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMatcher(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let matcher = try LabelMatcher(parsing: text)
        for labels in labelSets { _ = matcher.matches(labels) }
        var probe = labelSets[1]
        probe[matcher.name] = matcher.value
        _ = matcher.matches(probe)
        let again: LabelMatcher
        do {
            again = try LabelMatcher(parsing: matcher.description)
        } catch {
            fatalError("round trip: '\(text)' parsed, but its description '\(matcher.description)' does not: \(error)")
        }
        if again != matcher {
            fatalError("round trip: '\(text)' -> '\(matcher.description)' -> '\(again.description)'")
        }
    } catch {
        _ = error.message
    }
    return 0
}
