@testable import IncidentCommands
import Testing

/// The punctuation a phone or a hurried hand puts after a word (`--private.`, `P1!`) is cut
/// off, and only that: a mark inside a word stays, and a word of marks alone is nothing.
@Suite struct TrailingMarksTests {
    @Test(arguments: [
        ("P1", "P1"), ("P1.", "P1"), ("--private!?", "--private"), ("sev…", "sev"), ("a.b", "a.b"), ("a.b;", "a.b"),
        ("…", ""), ("?!.", ""), ("", ""), ("cafe\u{301}.", "cafe\u{301}"), ("🚨!", "🚨"), ("x .", "x "),
    ])
    func trailingMarksAreCutOff(text: String, expected: String) {
        #expect(DashedOption.withoutTrailingMarks(text) == expected)
    }
}
