import IncidentCore
import IncidentEngine
@testable import IncidentMatrix
@testable import IncidentSlack
import IncidentWire
import Testing

/// A block (`Span.block`) is shown exactly as written, so a post-mortem draft copied out of
/// chat is the Markdown it was: Slack's mrkdwn read `_What happened…_` as italics and a typed
/// `*title*` as bold, and a copy lost the marks. Fenced on Slack in every section it spans,
/// `<pre>` on Matrix; nothing in it links, pings or closes the block early.
@Suite struct PreformattedBlockTests {
    static let draft = """
        # Post-mortem: INC-1 *db* <!channel> & `x`
        | Severity | P1 |
        _What happened, in two or three sentences._
        a ``` fence typed ```` in a title
        """

    static func sections(_ message: Message) -> [String] {
        SlackFormat.blocks(message, people: [:], incident: 1).compactMap { $0["text"]?["text"]?.string }
    }

    /// The block's text inside a section's fences: what a reader copies.
    static func inside(_ section: String) -> [String] {
        let lines = section.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var shown: [String] = []
        var fenced = false
        for line in lines {
            if line == SlackFormat.fence { fenced.toggle(); continue }
            if fenced { shown.append(line) }
        }
        return shown
    }

    @Test func slackShowsTheBlockFencedAndEscaped() {
        let message = Message(lines: [[.strong("Post-mortem draft")], [.block(Self.draft)]])
        let sections = Self.sections(message)
        #expect(sections.count == 1)
        let lines = sections[0].split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "*Post-mortem draft*")
        #expect(lines.filter { $0 == SlackFormat.fence }.count == 2 && lines.last == SlackFormat.fence)
        // Escaped as everywhere in mrkdwn: no tag, no broadcast, no entity of the text's own.
        #expect(!sections[0].contains("<!channel>") && sections[0].contains("&lt;!channel&gt;") && sections[0].contains("&amp;"))
        // A typed run of backticks cannot close the block early.
        let body = Self.inside(sections[0])
        #expect(body.count == 4 && body.allSatisfy { !$0.contains("```") })
        #expect(body[3].replacingOccurrences(of: "\u{200B}", with: "") == "a ``` fence typed ```` in a title")
        #expect(SlackFormat.text(message, people: [:]) == sections[0])
    }

    /// A block longer than a section goes on in the next, closed and opened again, so every
    /// section is a whole code block of its own and each stays within Slack's limits; a line
    /// longer than a section is cut across blocks the same way.
    static let longBlocks = [
        (0..<150).map { "| 10:\($0 % 60) | @alice | note \($0) with an & and a < |" }.joined(separator: "\n"),
        "short first line\n" + String(repeating: "x&y<", count: 400) + "\nlast line",
        String(repeating: "x&y<", count: 400) + "\nlast line",
    ]

    @Test(arguments: longBlocks.indices)
    func aLongBlockIsFencedInEverySection(index: Int) {
        let text = Self.longBlocks[index]
        let message = Message(lines: [[.text("Draft:")], [.block(text)], [.text("after")]])
        let sections = Self.sections(message)
        #expect(sections.count > 1 && !sections.joined().contains("… (cut"))
        #expect(sections.allSatisfy { $0.utf16.count <= SlackFormat.sectionLimit })
        for section in sections {
            let fences = section.split(separator: "\n", omittingEmptySubsequences: false).filter { $0 == SlackFormat.fence }.count
            #expect(fences % 2 == 0, "a section left a block open: \(section.suffix(80))")
        }
        // Nothing lost or added: the fenced text, joined, is the block escaped.
        let shown = sections.flatMap(Self.inside).joined(separator: "\n")
        #expect(shown.replacingOccurrences(of: "\n", with: "") == SlackFormat.escape(text).replacingOccurrences(of: "\n", with: ""))
        #expect(sections.first?.hasPrefix("Draft:") == true && sections.last?.hasSuffix("\nafter") == true)
    }

    @Test func matrixShowsTheBlockPreformattedAndEscaped() {
        let message = Message(lines: [[.strong("Post-mortem draft")], [.block(Self.draft)], [.text("after")]])
        let html = MatrixFormat.html(message, people: [:])
        #expect(html.hasPrefix("<strong>Post-mortem draft</strong><pre><code>"))
        #expect(html.hasSuffix("</code></pre>after"))
        #expect(html.contains("&lt;!channel&gt; &amp; `x`\n| Severity | P1 |"))
        // The plain body is the draft itself, as typed into a Markdown document.
        #expect(MatrixFormat.body(message, people: [:]) == "Post-mortem draft\n" + Self.draft + "\nafter")
    }

    @Test func aBroadcastInTheBlockPingsNobody() {
        let message = Message(lines: [[.block("ping @room and @channel")]])
        #expect(!message.plainText().contains("@room") && !MatrixFormat.html(message, people: [:]).contains("@room"))
        #expect(!SlackFormat.text(message, people: [:]).contains("@channel"))
    }

    /// Through the endpoint: `/incident postmortem` answers with the draft fenced, and a title
    /// typed with mrkdwn's marks reaches the answer as typed, inside the block.
    @Test func thePostmortemAnswerIsTheDraftInABlock() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await bot.slash("alice", "/incident declare *Payment* API _errors_ --sev P1")
        try await bot.settle()
        let answer = try await bot.slash("alice", "/incident postmortem INC-1")
        #expect(answer.status == 200)
        let sections = answer.json?["blocks"]?.array?.compactMap { $0["text"]?["text"]?.string } ?? []
        #expect(sections.first?.hasPrefix("The post-mortem draft of INC-1, in Markdown:\n```\n# Post-mortem: INC-1 *Payment* API _errors_") == true,
                "\(sections)")
        #expect(sections.last?.hasSuffix("\n```") == true)
        #expect(sections.allSatisfy { $0.split(separator: "\n", omittingEmptySubsequences: false).count { $0 == "```" } % 2 == 0 })
    }
}
