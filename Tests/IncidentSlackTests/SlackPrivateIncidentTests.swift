import Foundation
import IncidentTesting
import SlackFake
import Testing

/// A private incident through the real endpoint and store and the fake Slack: its channel is a
/// private one, named for nothing, the broadcast channel hears nothing of it, and the pages
/// sent by direct message name it by number only.
@Suite struct SlackPrivateIncidentTests {
    @Test func aPrivateIncidentMakesAPrivateChannelAndKeepsItsTitleIn() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await bot.slash("erin", "/incident declare Customer records exposed --sev P1 --private")
        try await bot.run(toMinute: 1)
        let room = try #require(bot.fake.channel(named: "incident-20261124-private"))
        #expect(room.isPrivate)
        #expect(room.members.contains(SlackHarness.users["erin"]!))
        #expect(bot.fake.messages(in: room.id).contains { $0.text.contains("Customer records exposed") })
        #expect(bot.fake.messages(in: bot.broadcast).isEmpty)
        let pages = bot.fake.directMessages(to: SlackHarness.users["alice"]!)
        #expect(pages.contains { $0.text.contains("INC-1 (P1)") && $0.text.contains("a private incident") }, "\(pages.map(\.text))")
        #expect(!pages.contains { $0.text.contains("Customer") || $0.text.contains("#incident-") })
        // Someone not in it cannot read it from the lobby.
        let answer = try await bot.slash("bob", "/incident status INC-1")
        #expect(answer.text.contains("INC-1 is private: only its members and incident admins can see or change it."), "\(answer.text)")
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
    }
}
