import Foundation
import IncidentCore
import Testing

/// Message spans are stored in the outbox: the compact form round-trips every kind, and the
/// older synthesized form (rows queued by earlier versions) still reads.
@Suite struct SpanCodingTests {
    static let message = Message(lines: [[.text("a "), .strong("b"), .userText("@room c"), .mention("alice"), .room("incident-1"),
                                          .code("x"), .command("ack INC-1"), .link(url: "https://e.example", label: "e")]],
                                 actions: [.acknowledge], kind: .page)

    @Test func everyKindOfSpanRoundTrips() throws {
        let data = try JSONEncoder().encode(Self.message)
        #expect(try JSONDecoder().decode(Message.self, from: data) == Self.message)
        #expect(String(decoding: data, as: UTF8.self).contains(#"["l","https:\/\/e.example","e"]"#))
    }

    /// A block (added later than the synthesized form, so never stored in it) in its compact form.
    @Test func aBlockRoundTrips() throws {
        let message = Message(lines: [[.text("draft:")], [.block("# Title\n| a | b |\n")]])
        let data = try JSONEncoder().encode(message)
        #expect(String(decoding: data, as: UTF8.self).contains(##"["b","# Title\n| a | b |\n"]"##))
        #expect(try JSONDecoder().decode(Message.self, from: data) == message)
    }

    @Test func theOlderSynthesizedFormStillReads() throws {
        let old = #"""
            {"lines":[[{"text":{"_0":"a "}},{"strong":{"_0":"b"}},{"userText":{"_0":"@room c"}},{"mention":{"_0":"alice"}},
            {"room":{"_0":"incident-1"}},{"code":{"_0":"x"}},{"command":{"_0":"ack INC-1"}},
            {"link":{"url":"https://e.example","label":"e"}}]],"actions":["acknowledge"],"kind":"page"}
            """#
        #expect(try JSONDecoder().decode(Message.self, from: Data(old.utf8)) == Self.message)
    }

    @Test func anUnknownKindIsRefused() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Span.self, from: Data(#"["z","?"]"#.utf8)) }
    }
}
