import Foundation
import IncidentTesting
import SlackFake
import Testing

/// A rotation handover during an open P1, through the real endpoint and store and the fake
/// Slack: the on-call rotation (dave, then alice) hands over at 10:20 UTC with alice's page
/// unanswered; dave is paged on Slack at 10:20 and the room is told.
@Suite struct SlackRotationHandoverTests {
    @Test func aHandoverDuringAnOpenP1MovesThePage() async throws {
        let roster = try TestConfig.text("roster.example.yaml")
            .replacingOccurrences(of: "people: [alice]             # add people to rotate, e.g. [alice, bob]", with: "people: [dave, alice]")
            .replacingOccurrences(of: "handover: 2026-01-05T09:00:00Z   # a Monday, 09:00 UTC\n    every: 1w",
                                  with: "handover: 2026-11-24T10:20:00Z\n    every: 1d")
        #expect(roster.contains("people: [dave, alice]") && roster.contains("2026-11-24T10:20:00Z"))
        let bot = try await SlackHarness.start(roster: roster)
        defer { Task { await bot.stop() } }
        try await bot.slash("erin", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 19)
        let dave = SlackHarness.users["dave"]!
        #expect(bot.fake.directMessages(to: SlackHarness.users["alice"]!).contains { $0.text.contains("INC-1") })
        #expect(bot.fake.directMessages(to: dave).isEmpty)

        try await bot.run(toMinute: 21)
        let pages = bot.fake.directMessages(to: dave).filter { $0.text.contains("INC-1") }
        #expect(pages.count == 1)
        #expect(pages.first?.text.contains("the level became yours while this page was unanswered") == true, "\(pages.first?.text ?? "")")
        let room = try #require(bot.fake.channel(named: SlackScenarioTests.room))
        #expect(bot.fake.messages(in: room.id).contains { $0.text.contains("is on call now as on-call engineer (engineering.L1)") })
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
    }

    /// Someone removed the bot from the incident channel: the team lead paged at 30 is still
    /// invited to the channel their page names (the bot joins back, as it does to post).
    @Test func aPageInvitesToTheChannelTheBotWasRemovedFrom() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await bot.slash("erin", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 29)
        let room = try #require(bot.fake.channel(named: SlackScenarioTests.room))
        bot.fake.removeBot(from: room.id)
        try await bot.run(toMinute: 31)
        let bob = SlackHarness.users["bob"]!
        #expect(bot.fake.directMessages(to: bob).contains { $0.text.contains("INC-1") })
        #expect(bot.fake.channel(named: SlackScenarioTests.room)?.members.contains(bob) == true)
    }
}
