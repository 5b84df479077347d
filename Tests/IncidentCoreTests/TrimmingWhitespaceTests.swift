import IncidentCore
import Testing

/// Whitespace is trimmed by Unicode's White_Space property at both ends, whatever is inside.
@Suite struct TrimmingWhitespaceTests {
    @Test(arguments: [
        ("INC-1 still looking", "INC-1 still looking"),
        ("  padded\t", "padded"),
        ("\n\r\u{0B}\u{0C} text \u{85}\u{A0}\u{2003}", "text"),
        ("\u{3000}全角", "全角"),
        ("x", "x"),
        ("   ", ""),
        ("", ""),
        ("a b\u{200B}", "a b\u{200B}"),
        ("\u{1}control\u{7F}", "\u{1}control\u{7F}"),
    ])
    func trimsBothEnds(_ text: String, _ trimmed: String) {
        #expect(text.trimmingWhitespace() == trimmed)
        #expect(text[...].trimmingWhitespace() == trimmed)
    }
}
