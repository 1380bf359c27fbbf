import Foundation
import Testing
@testable import RipcordCore

/// Audit hashes cover the stored `data` text, so the intake's JSON writer must write exactly what
/// JSONEncoder (sorted keys, unescaped slashes) wrote before it.
@Suite("Canonical JSON")
struct CanonicalJSONTests {
    static func encoderText<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static let awkwardStrings: [String] = {
        var everyASCII = ""
        for value in 0..<0x80 { everyASCII.unicodeScalars.append(Unicode.Scalar(value)!) }
        return ["", "plain", "https://runbooks.example/a/b", "quote \" and backslash \\", everyASCII,
                "\u{2028}\u{2029}\u{7F}\u{80}\u{FFFF}é😀", "e\u{301}\"\u{301}", "tab\tnew\nline\r\u{0}\u{1F}"]
    }()

    @Test("a label set is written exactly as JSONEncoder writes it, keys in UTF-8 order")
    func labelSetsMatchJSONEncoder() throws {
        let keys = ["B", "a", "a10", "a2", "é", "Z", "_x", "ä", "a-b", "aB", "ab", "", "😀", "e\u{301}"]
        var labels: [String: String] = [:]
        for (index, key) in keys.enumerated() {
            labels[key] = CanonicalJSONTests.awkwardStrings[index % CanonicalJSONTests.awkwardStrings.count]
        }
        #expect(CanonicalJSON.string(labels) == (try CanonicalJSONTests.encoderText(labels)))
        #expect(CanonicalJSON.string([String: String]()) == "{}")
        for text in CanonicalJSONTests.awkwardStrings {
            #expect(CanonicalJSON.string(["k": text]) == (try CanonicalJSONTests.encoderText(["k": text])))
        }
    }

    @Test("audit data (nested values, numbers, null) is written exactly as JSONEncoder writes it")
    func valuesMatchJSONEncoder() throws {
        let value: JSONValue = .object([
            "fingerprints": .array(CanonicalJSONTests.awkwardStrings.map { .string($0) }),
            "count": .number(3), "negative": .number(-42), "ratio": .number(0.125), "tiny": .number(1e-7),
            "huge": .number(1e300), "flag": .bool(true), "off": .bool(false), "nothing": .null,
            "nested": .object(["z": .array([]), "a": .object([:]), "url": .string("http://x/y")]),
        ])
        #expect(CanonicalJSON.string(value) == (try CanonicalJSONTests.encoderText(value)))
        // And what it writes reads back as the same value.
        let back = try JSONDecoder().decode(JSONValue.self, from: Data(CanonicalJSON.string(value).utf8))
        #expect(back == value)
    }
}
