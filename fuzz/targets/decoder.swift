// libFuzzer target: a webhook body through NotificationDecoder.decode, as POST /api/v1/alertmanager
// does. It must return an AlertGroup or throw NotificationError; anything else (a trap, an overflow,
// a leak under ASan) is a finding. It also holds the intake's fast path to the Codable path: where
// the fast path decodes a body, JSONDecoder must decode it to the same notification (a difference
// traps, so the fuzzer saves it).
import Foundation
import RipcordCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let group = try NotificationDecoder.decode(body)
        _ = group.alerts.map { ($0.alertname, $0.fingerprint, $0.status) }
    } catch {
        _ = (error.field, error.message)
    }
    if let fast = NotificationDecoder.decodeWithFastPath(body) {
        let codable = try? NotificationDecoder.decodeWithCodable(body)
        precondition(codable == fast, "the fast path and JSONDecoder disagree")
    }
    return 0
}
