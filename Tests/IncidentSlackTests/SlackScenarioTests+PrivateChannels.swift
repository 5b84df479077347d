import Foundation
import IncidentCore
import IncidentSlack
import IncidentTesting
import IncidentWire
import SlackFake
import Testing

/// A channel made, or half made, before its incident turned private: what is withdrawn, and what never is.
extension SlackScenarioTests {
    /// Slack made the channel but its answer was lost, and the incident turned private before
    /// the retry: the retry makes the private channel, and the public one, whose name tells
    /// the title to the whole workspace, is renamed to a name that tells nothing and archived.
    /// It was left as it was, named after the title, for anyone to find.
    @Test func aPublicChannelMadeBeforeTheIncidentTurnedPrivateIsRenamedAndArchived() async throws {
        let (bot, halfMade) = try await Self.declaredWithTheCreationsAnswerLost()
        defer { Task { await bot.stop() } }
        let privately = try await bot.slash("alice", "/incident private INC-1")
        #expect(privately.body.contains("INC-1 is private now."), "\(privately.body)")
        try await Self.expectPrivateChannelMade(bot, withdrawing: halfMade)
        #expect(bot.fake.messages(in: halfMade.id).isEmpty)
    }

    /// INC-1 declared, and its channel made by Slack with the answer lost: that channel.
    static func declaredWithTheCreationsAnswerLost() async throws -> (SlackHarness, FakeSlack.Channel) {
        let bot = try await SlackHarness.start()
        bot.fake.inject(.loseAnswer(method: "conversations.create"))
        try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        do {
            return (bot, try #require(bot.fake.channel(named: room)))
        } catch {
            await bot.stop()
            throw error
        }
    }

    /// After retries, INC-1's private channel is made and holds its messages, and `halfMade`
    /// is renamed after its id and archived.
    static func expectPrivateChannelMade(_ bot: SlackHarness, withdrawing halfMade: FakeSlack.Channel) async throws {
        for _ in 0..<10 {
            try await bot.settle()
            bot.clock.advance(by: .seconds(5))
        }
        let made = try #require(bot.fake.channel(named: "incident-20261124-private"))
        #expect(made.isPrivate && !made.isArchived && made.members.contains("U0ALICE01"))
        #expect(bot.fake.messages(in: made.id).contains { $0.text.contains("INC-1") })
        let withdrawn = try #require(bot.fake.channels.first { $0.id == halfMade.id })
        #expect(withdrawn.isArchived && withdrawn.name == "incident-withdrawn-" + halfMade.id.lowercased(), "\(withdrawn.name)")
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
    }

    /// The incident turns private while delivery is busy making its channel: the announcement
    /// queued with the declaration, read into that round before, is not posted to the
    /// broadcast channel. It was, with the title, while its record said it was withdrawn.
    @Test func anAnnouncementReadBeforeTheIncidentTurnedPrivateIsNotPosted() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.inject(.holdAnswer(method: "conversations.create"))
        try await bot.slash("alice", "/incident declare Leaked API keys on github --sev P1")
        let round = Task { try await bot.settle() }
        try await waitFor { bot.fake.heldAnswers == 1 }
        let privately = try await bot.slash("alice", "/incident private INC-1")
        #expect(privately.body.contains("INC-1 is private now."), "\(privately.body)")
        // Slack took seconds to make the channel.
        bot.clock.advance(by: .seconds(2))
        bot.fake.releaseHeldAnswers()
        try await round.value
        for _ in 0..<5 {
            try await bot.settle()
            bot.clock.advance(by: .seconds(5))
        }
        #expect(bot.fake.messages(in: bot.broadcast).isEmpty, "\(bot.fake.messages(in: bot.broadcast).map(\.text))")
        #expect(!bot.fake.posted.contains { $0.text.contains("Leaked") && $0.channel == bot.broadcast })
    }

    /// The channel was made but its topic failed (a 429 in a burst), and the incident turned
    /// private before the retry: the retry does not take that public channel for the private
    /// incident's room (it did, and archived it, leaving the incident a room nobody could post
    /// in); it makes the private channel and withdraws the public one.
    @Test func aPublicChannelWhoseTopicFailedIsNotThePrivateIncidentsRoom() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.inject(.fail(method: "conversations.setTopic", error: "internal_error"))
        try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let halfMade = try #require(bot.fake.channel(named: Self.room))
        try await bot.slash("alice", "/incident private INC-1")
        try await Self.expectPrivateChannelMade(bot, withdrawing: halfMade)
    }

    /// Another incident's room among the names the withdrawn channel could have (a title that
    /// ends in the number a suffix adds) is never renamed or archived, even made by the bot
    /// after the private incident's creation was queued.
    @Test func anotherIncidentsRoomIsNeverWithdrawn() async throws {
        let (bot, halfMade) = try await Self.declaredWithTheCreationsAnswerLost()
        defer { Task { await bot.stop() } }
        try await bot.slash("bob", "/incident declare Payment API errors 2 --sev P2")
        try await bot.settle()
        let other = try #require(bot.fake.channel(named: Self.room + "-2"))
        try await bot.slash("alice", "/incident private INC-1")
        for _ in 0..<10 {
            try await bot.settle()
            bot.clock.advance(by: .seconds(5))
        }
        #expect(bot.fake.channels.first { $0.id == other.id }.map { !$0.isArchived && $0.name == Self.room + "-2" } == true)
        #expect(bot.fake.channels.first { $0.id == halfMade.id }?.isArchived == true)
        #expect(bot.fake.channel(named: "incident-20261124-private")?.isPrivate == true)
    }
}
