import IncidentCore
import IncidentEngine
@testable import IncidentMatrix
@testable import IncidentSlack
import IncidentTesting
import IncidentWire
import SlackFake
import Testing

/// Every message fits its platform, counted in the platform's own units: Slack's UTF-16
/// "characters" (3,000 a section, 50 blocks, 40,000 text), Matrix's 65,536-byte events. Long
/// text is split or cut with a visible marker, never rejected.
@Suite struct MessageLimitTests {
    static let family = "👨‍👩‍👧‍👦"  // one Character, 11 UTF-16 units, 25 UTF-8 bytes
    static let marks = "a" + String(repeating: "\u{301}", count: 30_000)  // one Character, 30,001 units

    static let hostile: [(String, String)] = [
        ("400 family emoji", String(repeating: family, count: 400)),
        ("30,000 combining marks", marks),
        ("3,000 short lines", (0..<3_000).map { "line \($0) of a long post-mortem" }.joined(separator: "\n")),
    ]

    @Test(arguments: hostile.map(\.0))
    func slackBlocksAndTextStayWithinSlacksLimits(name: String) {
        let text = Self.hostile.first { $0.0 == name }!.1
        var message = Message(actions: [.acknowledge])
        for line in text.split(separator: "\n") { message.line(.userText(String(line))) }
        let blocks = SlackFormat.blocks(message, people: [:], incident: 4)
        #expect(blocks.count <= 50)
        #expect(blocks.allSatisfy { ($0["text"]?["text"]?.string?.utf16.count ?? 0) <= 3_000 })
        // Slack also refuses blocks whose text passes about 12,000 together (msg_blocks_too_long).
        #expect(blocks.reduce(0) { $0 + ($1["text"]?["text"]?.string?.utf16.count ?? 0) } <= 12_000, "\(name)")
        #expect(blocks.last?["type"]?.string == "actions")
        let fallback = SlackFormat.text(message, people: [:])
        #expect(fallback.utf16.count <= 40_000)
        // Nothing is dropped silently: either all of it is there, or the marker says it was cut.
        let shown = blocks.compactMap { $0["text"]?["text"]?.string }.joined()
        let whole = SlackFormat.escape(text).replacingOccurrences(of: "\n", with: "")
        #expect(shown.replacingOccurrences(of: "\n", with: "").unicodeScalars.count >= whole.unicodeScalars.count
                || shown.hasSuffix(SlackFormat.cutMarker), "\(name)")
    }

    @Test(arguments: hostile.map(\.0))
    func matrixNoticesStayWithinTheEventLimit(name: String) {
        let text = Self.hostile.first { $0.0 == name }!.1 + String(repeating: "<&>\u{0}", count: 20_000)
        let content = MatrixFormat.notice(Message(.userText(text)), people: [:])
        #expect(content.text.utf8.count <= 60_000, "\(name)")
        #expect(content["body"]?.string?.hasSuffix(MatrixFormat.cutMarker) == true)
        #expect(MatrixFormat.topic(Message(.userText(text)), people: [:]).utf8.count <= 1_000)
    }

    /// A message longer than Slack shows is cut near what the blocks may hold together, not
    /// after its first section: every section once kept room for the marker, so lines that
    /// filled whole sections were cut at 3,000 characters of 11,000.
    @Test func aLongMessageIsCutNearTheBlocksLimitNotAfterItsFirstSection() {
        var message = Message(lines: [])
        for n in 0..<8 { message.line(Span.userText(String(repeating: "\(n)", count: 4_000))) }
        let shown = SlackFormat.blocks(message, people: [:], incident: nil).compactMap { $0["text"]?["text"]?.string }
        let total = shown.reduce(0) { $0 + $1.utf16.count }
        #expect(total > 10_000 && total <= SlackFormat.blocksTextLimit, "\(shown.map { $0.utf16.count })")
        #expect(shown.last?.hasSuffix(SlackFormat.cutMarker) == true)
    }

    /// A long line of `&` and mentions is split between sections, never inside an entity or a
    /// tag: Slack showed a stray `&amp` and `;`.
    @Test func sectionsAreNeverSplitInsideAnEntityOrATag() {
        var spans: [Span] = []
        for _ in 0..<700 { spans += [.text("a & b "), .mention("bob"), .text(" ")] }
        var message = Message(lines: [spans])
        message.line(.userText(String(repeating: "x&", count: 4_000)))
        let people: [PersonID: Contact] = ["bob": Contact(person: "bob", handle: "@bob", account: "U0BOB0002")]
        let sections = SlackFormat.sections(SlackFormat.fullText(message, people: people))
        #expect(sections.count > 3)
        let blocks = SlackFormat.blocks(message, people: people, incident: nil).compactMap { $0["text"]?["text"]?.string }
        for text in sections + blocks {
            let body = text.hasSuffix(SlackFormat.cutMarker) ? String(text.dropLast(SlackFormat.cutMarker.count)) : text
            let entitiesOut = ["&amp;", "&lt;", "&gt;"].reduce(body) { $0.replacingOccurrences(of: $1, with: "") }
            #expect(!entitiesOut.contains("&"), "\(body.suffix(20))")
            // Quoted typed lines start with `> `: not a tag's end.
            let unquoted = body.components(separatedBy: "\n").map { $0.hasPrefix(SlackFormat.quoteMark) ? String($0.dropFirst(2)) : $0 }
                .joined(separator: "\n")
            #expect(unquoted.components(separatedBy: "<").count == unquoted.components(separatedBy: ">").count, "\(body.suffix(20))")
            #expect(text.utf16.count <= SlackFormat.sectionLimit)
        }
    }

    @Test func cuttingNeverBreaksText() {
        #expect("abc".clipped(to: 3, in: .utf16) == "abc")
        #expect("abcd".clipped(to: 3, in: .utf16) == "ab…")
        #expect(String(repeating: Self.family, count: 3).clipped(to: 23, in: .utf16) == Self.family + Self.family + "…")
        let pieces = Self.marks.pieces(of: 3_000, in: .utf16)
        #expect(pieces.count == 11)
        #expect(pieces.allSatisfy { $0.utf16.count <= 3_000 })
        #expect(pieces.joined() == Self.marks)
    }

    /// Slack refuses a message's blocks for their size below where the bot keeps them (the
    /// limit is not published): the message goes again as its text alone, not given up.
    @Test func blocksRefusedForTheirSizeGoAsTextAlone() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        bot.fake.refuseBlocks(over: 2_000)
        let answer = try await bot.slash("alice", "/update INC-1 " + String(repeating: "rolled back & ", count: 280))
        #expect(answer.status == 200)
        try await bot.settle()
        let channel = try #require(bot.fake.channel(named: "incident-20261124-payment-api-errors"))
        let update = bot.fake.messages(in: channel.id).filter { $0.text.contains("INC-1 update") }
        #expect(update.count == 1 && update.first?.blocks == nil, "\(update)")
        #expect(bot.fake.messages(in: bot.broadcast).filter { $0.text.contains("INC-1 update") }.count == 1)
        #expect(bot.fake.calls.contains { $0.error == "msg_blocks_too_long" })
    }

    /// A topic past Slack's 250 characters leaves out its last whole fields (the call link,
    /// which cut short is another meeting's), never the time of the next update.
    @Test func aLongTopicLeavesOutWholeFieldsFromTheEnd() {
        let call = "https://meet.example.com/j/" + String(repeating: "4", count: 100)
        let topic = Message(lines: [[.text("SEV P1 | IC "), .mention("alexandra"), .text(" | status: "),
                                     .userText(String(repeating: "s", count: 40)), .text(" | next update 2026-11-30 11:00 UTC"),
                                     .text(" | call: " + call)]])
        let people: [PersonID: Contact] = ["alexandra": Contact(person: "alexandra", handle: "@" + String(repeating: "a", count: 70), account: nil)]
        let shown = SlackFormat.topic(topic, people: people)
        #expect(shown.utf16.count <= SlackFormat.topicLimit && shown.hasSuffix(" | next update 2026-11-30 11:00 UTC"), "\(shown)")
        // Within the limit with a long link, the link is kept whole.
        let short = Message(lines: [[.text("SEV P1 | IC "), .mention("bob"), .text(" | status: investigating | next update 11:00 UTC"),
                                     .text(" | call: " + call + String(repeating: "4", count: 30))]])
        let kept = SlackFormat.topic(short, people: [:])
        #expect(kept.utf16.count > 200 && kept.utf16.count <= SlackFormat.topicLimit && kept.hasSuffix(call + String(repeating: "4", count: 30)))
    }

    /// A typed status with Slack's markup reaches the topic as text: no `<!channel>` nor `<@U…>`
    /// for Slack's "set the channel topic" line to read.
    @Test func aTopicCarriesNoMarkup() {
        let topic = Message(lines: [[.text("SEV P1 | IC "), .mention("bob"), .text(" | status: "),
                                     .userText("<!channel> <@U0BOB0002> <https://evil.example|docs>")]])
        let shown = SlackFormat.topic(topic, people: [:])
        #expect(shown == "SEV P1 | IC @bob | status: ‹!channel› ‹@U0BOB0002› ‹https://evil.example|docs›", "\(shown)")
    }

    /// A list whose titles are full of `&` (each `&amp;` to Slack) still fits one message with
    /// its closing count: the answer's budget counts Slack's escapes.
    @Test func aListOfEscapedTitlesKeepsItsClosingCount() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        let title = String(String(repeating: "db&cache&queue ", count: 10).prefix(140))
        for n in 0..<30 {
            bot.clock.advance(by: .seconds(5))
            try await bot.slash(n % 2 == 0 ? "carol" : "dave", "/incident declare \(title) \(n) --sev P3")
        }
        let list = try await bot.slash("carol", "/incident list")
        let shown = list.json?["blocks"]?.array?.compactMap { $0["text"]?["text"]?.string } ?? []
        #expect(!shown.isEmpty && shown.reduce(0) { $0 + $1.utf16.count } <= SlackFormat.blocksTextLimit)
        #expect(!shown.joined().contains(SlackFormat.cutMarker) && shown.joined().contains("… and "), "\(shown.last ?? "")")
    }

    /// Rendered lines just at Slack's 40,000 with more after them are cut with the marker.
    @Test func textJustAtTheLimitWithMoreAfterItShowsTheMarker() {
        let message = Message(lines: [[.text(String(repeating: "a", count: SlackFormat.textLimit))], [.text("b")]])
        #expect(SlackFormat.text(message, people: [:]).hasSuffix(SlackFormat.cutMarker))
    }

    /// Pieces asked for at most a few are the first of all the pieces, and a clip is the
    /// first piece: stopping early (the rest of a long record not read) changes no answer.
    @Test(arguments: hostile.map(\.1) + [String(repeating: "a&b\n", count: 5_000)])
    func stoppingEarlyGivesTheSamePieces(text: String) {
        for unit in [TextUnit.utf16, .utf8] {
            let all = text.pieces(of: 1_000, in: unit)
            for count in [1, 2, 5] { #expect(text.pieces(of: 1_000, in: unit, atMost: count) == Array(all.prefix(count))) }
            #expect(text.clipped(to: 1_000, in: unit, marker: "…") == (text.pieces(of: 1_000 - unit.count("…"), in: unit).first ?? "") + "…")
        }
    }

    /// The record of a long incident (1,300 notes of 4,000 characters, about 5 MB) fits both
    /// platforms, cut with the marker, its beginning kept.
    @Test func aRecordOfMegabytesIsCutToOneMessage() {
        var message = Message(.strong("Post-mortem draft for INC-1"))
        for n in 0..<1_300 { message.line(.text("10:\(n % 60) "), .userText("note \(n) " + String(repeating: "x&", count: 2_000))) }
        let blocks = SlackFormat.blocks(message, people: [:], incident: 1).compactMap { $0["text"]?["text"]?.string }
        #expect(blocks.count <= SlackFormat.blockLimit && blocks.reduce(0) { $0 + $1.utf16.count } <= SlackFormat.blocksTextLimit)
        #expect(blocks.first?.hasPrefix("*Post-mortem draft for INC-1*") == true && blocks.last?.hasSuffix(SlackFormat.cutMarker) == true)
        #expect(SlackFormat.text(message, people: [:]).utf16.count <= SlackFormat.textLimit)
        let notice = MatrixFormat.notice(message, people: [:])
        #expect(notice.text.utf8.count <= MatrixFormat.contentLimit && notice["body"]?.string?.hasSuffix(MatrixFormat.cutMarker) == true)
        #expect(notice["body"]?.string?.hasPrefix("Post-mortem draft for INC-1") == true)
    }

    /// Through the endpoint and the fake Slack, which counts as Slack does: the update is
    /// posted, not refused.
    @Test(arguments: [String(repeating: family, count: 400), "a" + String(repeating: "\u{301}", count: 3_900)])
    func aHugeStatusUpdateIsPostedNotRefused(text: String) async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let answer = try await bot.slash("alice", "/update INC-1 " + text)
        #expect(answer.status == 200)
        try await bot.settle()
        let refused = bot.fake.calls.filter {
            ["invalid_blocks", "msg_blocks_too_long", "msg_too_long", "too_long", "invalid_arguments"].contains($0.error ?? "")
        }
        #expect(refused.isEmpty, "\(refused)")
        let channel = try #require(bot.fake.channel(named: "incident-20261124-payment-api-errors"))
        #expect(bot.fake.messages(in: channel.id).contains { $0.text.contains("INC-1 update") })
        #expect(bot.fake.messages(in: bot.broadcast).count == 2)
    }
}
