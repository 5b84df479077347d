import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// Action items through the engine and the real SQLite store: kept in the incident's record,
/// listed in its room and across incidents, and holding the close.
@Suite struct ActionItemEngineTests {
    static let room = ScenarioTests.room

    @Test func itemsAreKeptListedAndHoldTheClose() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.say("U0ERIN005", "/incident declare Search slow --sev P2 --ic @carol")
        try await bot.settle()
        try await bot.say("U0CAROL03", "/action @bob Add an alert on queue depth due: 2026-11-26", in: Self.room)
        try await bot.say("U0CAROL03", "/action INC-2 @bob Tune the search cache")
        try await bot.say("U0CAROL03", "/action INC-2 @alice Load-test search due: tomorrow")

        let here = try await bot.say("U0BOB0002", "/action list", in: Self.room)
        #expect(here.reply?.plainText() == "Action items of INC-1 (1)\nINC-1 A1 @bob Add an alert on queue depth · due 2026-11-26")
        let mine = try #require(try await bot.say("U0BOB0002", "/action list --mine").reply?.plainText())
        #expect(mine.hasPrefix("Your open action items (2)") && mine.contains("INC-2 A1 @bob Tune the search cache"), "\(mine)")

        try await bot.say("U0CAROL03", "/incident resolve fixed", in: Self.room)
        let refused = try await bot.say("U0CAROL03", "/incident close", in: Self.room)
        #expect(refused.disposition == .refused)
        #expect(refused.reply?.plainText().contains("1 open action item (A1)") == true)
        try await bot.say("U0BOB0002", "/action done A1", in: Self.room)
        let closed = try await bot.say("U0CAROL03", "/incident close", in: Self.room)
        #expect(closed.disposition == .handled)
        let stored = try #require(try await bot.store.read { try $0.incident(1) })
        #expect(stored.incident.phase == .closed && stored.incident.actionItems.first?.doneBy == "bob")
        // A closed incident's items leave the lists.
        let all = try #require(try await bot.say("U0BOB0002", "/action list").reply?.plainText())
        #expect(!all.contains("INC-1") && all.contains("INC-2 A2 @alice Load-test search"), "\(all)")
    }
}
