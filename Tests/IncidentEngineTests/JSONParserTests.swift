import Foundation
import IncidentTesting
import IncidentWire
import Testing

/// `JSONValue.parse` reads what `JSONDecoder` read before it, to the same values, and refuses
/// what it refused: a table of edge cases, random values written and read back, and random
/// damage to valid texts, each held against Foundation's decoder.
@Suite struct JSONParserTests {
    /// What `JSONValue.parse` was: Foundation's decoder, through `JSONValue`'s `Codable` form.
    static func foundation(_ text: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text))
    }

    static let accepted: [String] = [
        "{}", "[]", "\"\"", "0", "-0", "1", "-12.5", "1.5e3", "1E-2", "2e+8", " true ", "false", "null", "\t\r\n[ 1 , 2 ]\n",
        #"{"a":[1,{"b":null}],"c":"\u00e9\ud83d\ude00\n\"\\\/\b\f\r\t","d":{"e":{}}}"#,
        #""caf\u00E9 \u0000 end""#, "[1,]", "{\"a\":1,}", "[ 1 , ]", "{\"a\":1,\"a\":2}", "1e-320", "-0.0", "\u{FEFF}{\"bom\":true}", "\"é 😀 ünïcödé\"", "123456789012345678901234567890", "1e308",
        String(repeating: "[", count: 500) + String(repeating: "]", count: 500),
    ]

    static let refused: [String] = [
        "", " ", "{,}", "[,]", "[1,,]", "{\"a\":1,,}", "01", "1e-707", "-1e-400", "-", "1.", ".5", "+1", "1e", "1e+", "--1", "-a", "\"\u{01}\"", #""\ud800""#,
        #""\udc00""#, #""\ud800\u0041""#, #""\u12""#, #""\x41""#, "\"abc", "tru", "nul", "1 2", "{\"a\" 1}", "{1:2}", "[1 2]",
        "'a'", "NaN", "Infinity", "-Infinity", "1e400", "-1e400", "{\"a\":1}}", "/*c*/1", "[", "{", "{\"a\":", "truex",
        String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
    ]

    @Test func edgeCasesAreReadAsFoundationReadsThem() {
        for text in Self.accepted {
            let parsed = JSONValue.parse(Array(text.utf8))
            #expect(parsed != nil, "refused: \(text.prefix(80))")
            #expect(parsed == Self.foundation(Array(text.utf8)), "differs from Foundation: \(text.prefix(80))")
        }
        for text in Self.refused {
            #expect(JSONValue.parse(Array(text.utf8)) == nil, "accepted: \(text.prefix(80))")
            #expect(Self.foundation(Array(text.utf8)) == nil, "Foundation accepts: \(text.prefix(80))")
        }
        // Valid JSON that Foundation's decoder refused: a zero with an exponent.
        for text in ["0e5", "0.000e5", "-0E+2"] {
            #expect(JSONValue.parse(Array(text.utf8)) == .number(0), "\(text)")
        }
        // Not UTF-8, in a string and outside one: a stray byte, a cut sequence, an encoded
        // surrogate, overlong forms, past U+10FFFF, a lone continuation byte, and bad bytes
        // after an escape.
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0xFF], [0x22, 0xED, 0xA0, 0x80, 0x22],
                               [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xE0, 0x80, 0xAF, 0x22], [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],
                               [0x22, 0x80, 0x22], [0x22, 0x5C, 0x6E, 0xFF, 0x22], [0x22, 0x5C, 0x6E, 0xC3, 0x22]] {
            #expect(JSONValue.parse(bytes) == nil, "accepted \(bytes)")
            #expect(Self.foundation(bytes) == nil, "Foundation accepts \(bytes)")
        }
    }

    @Test func bytesWithAndWithoutContiguousStorageReadAlike() {
        let text = #"{"ok":true,"ts":"1700000000.000100"}"#
        let expected: JSONValue = ["ok": true, "ts": "1700000000.000100"]
        #expect(JSONValue.parse(Array(text.utf8)) == expected)
        #expect(JSONValue.parse(ArraySlice(Array((" " + text).utf8)).dropFirst()) == expected)
        // No contiguous storage: copied first.
        #expect(text.utf8.lazy.map { $0 }.withContiguousStorageIfAvailable { _ in true } == nil)
        #expect(JSONValue.parse(text.utf8.lazy.map { $0 }) == expected)
    }

    @Test func nestingStopsAt512() {
        func nested(_ depth: Int) -> [UInt8] { Array((String(repeating: "[", count: depth) + String(repeating: "]", count: depth)).utf8) }
        #expect(JSONValue.parse(nested(512)) != nil)
        #expect(JSONValue.parse(nested(513)) == nil)
        #expect(JSONValue.parse(Array((String(repeating: "{\"a\":", count: 513) + "1" + String(repeating: "}", count: 513)).utf8)) == nil)
        // A hostile body far deeper than the limit is refused, not a crash.
        #expect(JSONValue.parse(Array(String(repeating: "[", count: 1_000_000).utf8)) == nil)
    }

    @Test func negativeZeroKeepsItsSign() {
        #expect(JSONValue.parse(Array("-0.0".utf8)).flatMap { if case .number(let n) = $0 { n.sign == .minus } else { nil } } == true)
    }

    @Test func randomValuesReadBackAsWritten() {
        var random = SeededRandom(state: 20261201)
        for _ in 0..<2_000 {
            let value = Self.randomValue(&random, depth: 0)
            let text = Array(value.text.utf8)
            #expect(JSONValue.parse(text) == value, "\(value.text)")
            #expect(JSONValue.parse(text) == Self.foundation(text), "\(value.text)")
        }
    }

    @Test func damagedTextsAreRefusedOrReadAsFoundationReadsThem() {
        var random = SeededRandom(state: 7)
        let alphabet = Array(#"{}[],:" \-+.eE0123456789tfnul\/"#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xFF]
        var disagreements: [String] = []
        var nulQuirks = 0
        for _ in 0..<20_000 {
            var text = Array(Self.randomValue(&random, depth: 0).text.utf8)
            for _ in 0...Int.random(in: 0..<3, using: &random) {
                let at = Int.random(in: 0...text.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: text.insert(alphabet[Int.random(in: 0..<alphabet.count, using: &random)], at: at)
                case 1 where at < text.count: text.remove(at: at)
                default: if at < text.count { text[at] = alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }
                }
            }
            // Foundation guesses UTF-16 from a NUL beside an ASCII byte (`1\0` is UTF-16 "1");
            // this parser reads UTF-8 only, where a NUL outside a string is not JSON.
            if text.contains(0), Self.foundation(text) != nil, Self.foundation(text.filter { $0 != 0 }) != nil {
                #expect(JSONValue.parse(text) == nil, "\(text)")
                nulQuirks += 1
                continue
            }
            if JSONValue.parse(text) != Self.foundation(text) { disagreements.append(String(decoding: text, as: UTF8.self)) }
        }
        #expect(nulQuirks > 0 && disagreements.isEmpty, "\(disagreements.count) texts read otherwise than Foundation reads them, such as \(disagreements.prefix(5))")
    }

    static func randomValue(_ random: inout SeededRandom, depth: Int) -> JSONValue {
        switch Int.random(in: 0..<(depth > 3 ? 4 : 6), using: &random) {
        case 0: return .null
        case 1: return .bool(Int.random(in: 0..<2, using: &random) == 0)
        case 2:
            let numbers: [Double] = [0, 1, -1, 42, 1700000000, 0.5, -2.25, 1e-7, 6.02e23, 123456.789]
            return .number(numbers[Int.random(in: 0..<numbers.count, using: &random)])
        case 3: return .string(randomString(&random))
        case 4: return .array((0..<Int.random(in: 0..<4, using: &random)).map { _ in randomValue(&random, depth: depth + 1) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int.random(in: 0..<4, using: &random) { members[randomString(&random)] = randomValue(&random, depth: depth + 1) }
            return .object(members)
        }
    }

    static func randomString(_ random: inout SeededRandom) -> String {
        let pieces = ["a", "ok", "ts", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "é", "😀", "<@U0ALICE01>", "\u{2028}", "x"]
        return (0..<Int.random(in: 0..<5, using: &random)).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &random)] }.joined()
    }
}
