import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// Answers that list things stay within what one message shows (`AnswerBudget`), and say how
/// many more there are: Slack cut their ends, and with them the line that said so and, for a
/// post-mortem, every section after a long timeline (docs/behaviour.md, "Record and reports").
@Suite struct LongAnswerTests {
    /// Slack shows 11,000 UTF-16 units of a message: each answer's plain text keeps well under.
    static func fits(_ reply: Message?) -> Bool { (reply?.plainText().utf16.count ?? 0) <= AnswerBudget.characters + 1_500 }

    @Test func aLongPostmortemKeepsItsSectionsAndSaysWhereTheRestIs() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        for n in 0..<60 {
            bot.clock.advance(by: .seconds(5))
            let note = try await bot.say("U0CAROL03", "/note INC-1 \(n) " + String(repeating: "log line & more ", count: 240))
            #expect(note.disposition == .handled)
        }
        try await bot.say("U0CAROL03", "/action INC-1 @carol Add an index on payments due: 2026-12-01")
        let draft = try await bot.say("U0CAROL03", "/incident postmortem INC-1").reply
        let text = draft?.plainText() ?? ""
        #expect(Self.fits(draft), "\(text.utf16.count)")
        for section in ["## Timeline", "## Root cause", "## What went well", "## What to improve", "## Action items", "Add an index on payments"] {
            #expect(text.contains(section), "\(section)")
        }
        #expect(text.contains("entries left out here: `incident-bot export INC-1` on the bot's host prints the whole draft"))
        // The first entry (the declaration) and the last are kept.
        #expect(text.contains("Declared") && text.contains("Note: 59 log line"), "\(text)")
    }

    @Test func aLongListCountsWhatItDoesNotShow() async throws {
        let bot = try TestBot()
        let long = String(repeating: "checkout service degraded in the eu region ", count: 3).prefix(140)
        for n in 0..<30 {
            bot.clock.advance(by: .seconds(5))
            try await bot.say(n % 2 == 0 ? "U0CAROL03" : "U0DAVE004", "/incident declare \(long) \(n) --sev P3")
        }
        let list = try await bot.say("U0CAROL03", "/incident list").reply
        let text = list?.plainText() ?? ""
        #expect(Self.fits(list) && text.contains("Open incidents (30)"), "\(text.utf16.count)")
        #expect(text.contains("… and ") && text.contains("more (0 resolved); /incident status INC-N shows one."), "\(text)")

        for n in 0..<40 {
            bot.clock.advance(by: .seconds(5))
            try await bot.say("U0CAROL03", "/action INC-1 @carol \(n) " + String(repeating: "follow up on the failover runbook ", count: 6))
        }
        let actions = try await bot.say("U0CAROL03", "/action list INC-1").reply
        let listed = actions?.plainText() ?? ""
        #expect(Self.fits(actions) && listed.contains("Action items of INC-1 (40)"), "\(listed.utf16.count)")
        #expect(listed.contains("more, past what one message shows."), "\(listed)")
    }
}
