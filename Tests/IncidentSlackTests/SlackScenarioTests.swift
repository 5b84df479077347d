import Foundation
import IncidentCore
import IncidentSlack
import SlackFake
import Testing

/// SPEC's P1 drill through the real endpoint, the real SQLite store and the fake Slack.
@Suite struct SlackScenarioTests {
    @Test func declareP1CreatesTheChannelInvitesSetsTopicPostsAndPages() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        let answer = try await bot.slash("alice", "/incident declare Payment API errors --sev P1", signer: .slackSDK)
        #expect(answer.status == 200)
        #expect(answer.json?["response_type"]?.string == "ephemeral")
        #expect(answer.text.contains("INC-1"), "\(answer.body)")
        try await bot.settle()
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
        let channel = try #require(bot.fake.channel(named: "incident-20261122-payment-api-errors"), "\(bot.fake.calls)")
        #expect(channel.members.contains("U0ALICE01"))
        #expect(channel.topic.contains("P1"), "\(channel.topic)")
        let kickoff = try #require(bot.fake.messages(in: channel.id).first)
        #expect(kickoff.text.contains("Payment API errors"), "\(kickoff.text)")
        #expect(!bot.fake.messages(in: bot.broadcast).isEmpty, "declaration broadcast")
        print(bot.fake.calls.map(\.description).joined(separator: "\n"))
    }
}
