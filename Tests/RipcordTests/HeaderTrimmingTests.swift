import Foundation
import RipcordCore
@testable import RipcordServer
import Testing

/// Header values are trimmed and the webhook's answer is written without Foundation's general
/// machinery; both must give exactly what that machinery gave.
@Suite("Header trimming and the webhook's answer")
struct HeaderTrimmingTests {
    @Test("header values lose the same leading and trailing spaces as trimmingCharacters(in: .whitespaces)")
    func trimsWhatFoundationTrims() {
        let samples = ["", " ", "\t\t", "Bearer abc", "  Bearer abc  ", "\tBearer\tabc\t", "\u{00A0}token\u{3000}",
                       "\u{2003} a b \u{2009}", "x\n", "\ny", " \r\n ", "é\u{0301} ", " 🙂", "\u{200B}zero-width\u{200B}",
                       "application/json ", " application/json; charset=utf-8"]
        // Every scalar of the first two planes (all spaces are in the first) around a word.
        for value in 0...0x1FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let sample = "\(Character(scalar))a\(Character(scalar))"
            if sample.trimmingHorizontalWhitespace() != sample.trimmingCharacters(in: .whitespaces) {
                Issue.record("U+\(String(value, radix: 16)) is trimmed differently")
            }
        }
        for sample in samples {
            #expect(sample.trimmingHorizontalWhitespace() == sample.trimmingCharacters(in: .whitespaces), "\(Array(sample.unicodeScalars))")
            let sub = sample[...]
            #expect(sub.trimmingHorizontalWhitespace() == sub.trimmingCharacters(in: .whitespaces), "\(Array(sample.unicodeScalars))")
        }
    }

    @Test("the webhook's answer is the JSON the API documents, byte for byte as JSONEncoder wrote it")
    func answerMatchesTheEncoder() throws {
        struct Answer: Encodable {
            let deliveryID: Int64, duplicate: Bool, alerts: Int
            enum CodingKeys: String, CodingKey { case duplicate, alerts, deliveryID = "delivery_id" }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for (id, duplicate, alerts) in [(Int64(1), false, 3), (Int64.max, true, 0), (42, false, 1_000)] {
            let expected = Array(try encoder.encode(Answer(deliveryID: id, duplicate: duplicate, alerts: alerts))) + [0x0a]
            let response = WebhookHandler.answer(deliveryID: id, duplicate: duplicate, alerts: alerts)
            #expect(response.body == expected)
            #expect(response.status == 200)
        }
    }
}
