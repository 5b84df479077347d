import Foundation
import IncidentCore
import IncidentSlack
import IncidentTesting
import IncidentWire
import SlackFake
import Testing

/// The P1 drill of behaviour.md through the real endpoint, the real SQLite store and the fake Slack, with
/// requests signed by Slack's own SDK and by the project's signer.
@Suite struct SlackScenarioTests {
    static let room = "incident-20261124-payment-api-errors"

    @Test func declareP1CreatesTheChannelInvitesSetsTopicPostsAndPages() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        let answer = try await bot.slash("alice", "/incident declare Payment API errors --sev P1", signer: .slackSDK)
        #expect(answer.status == 200)
        #expect(answer.json?["response_type"]?.string == "ephemeral")
        #expect(answer.text.contains("INC-1"), "\(answer.body)")
        try await bot.settle()
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
        let channel = try #require(bot.fake.channel(named: Self.room), "\(bot.fake.calls)")
        #expect(channel.members.contains("U0ALICE01"))
        #expect(channel.topic.contains("SEV P1"), "\(channel.topic)")
        let kickoff = try #require(bot.fake.messages(in: channel.id).first)
        #expect(kickoff.text.hasPrefix("*🚨 INC-1:* Payment API errors"), "\(kickoff.text)")
        #expect(kickoff.blocks?.array?.last?["elements"]?[0]?["action_id"]?.string == SlackFormat.postUpdateAction)
        // The broadcast channel: the bot was not in it, so it joined and posted.
        #expect(bot.fake.messages(in: bot.broadcast).count == 1)
        #expect(bot.fake.calls.contains { $0.method == "conversations.join" })
        // Pages at minute 0 as DMs, with the Acknowledge button naming the incident.
        let page = try #require(bot.fake.directMessages(to: "U0ERIN005").first)
        #expect(page.text.contains("You are paged as operations manager"))
        #expect(bot.fake.directMessages(to: "U0ALICE01").first?.blocks?.array?.last?["elements"]?[0]?["value"]?.string == "INC-1")
        // The page and the announcement link the channel (Slack shows its name and opens it),
        // the page's in its text and its blocks: made in the same round, before it was recorded.
        let alicesPage = try #require(bot.fake.directMessages(to: "U0ALICE01").first)
        #expect(alicesPage.text.contains("room <#\(channel.id)>") && !alicesPage.text.contains("#\(Self.room)"), "\(alicesPage.text)")
        #expect(alicesPage.blocks?.text.contains("<#\(channel.id)>") == true)
        let announced = try #require(bot.fake.messages(in: bot.broadcast).first)
        #expect(announced.text.contains("<#\(channel.id)>"), "\(announced.text)")
    }

    @Test func theWholeDrillSlashCommandsButtonsAndPagesOnTheMinute() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        let declared = try await bot.slash("U0OUTSIDER", "/incident declare Payment API errors --sev P1", signer: .slackSDK)
        #expect(declared.text.contains("INC-1"))
        try await bot.run(toMinute: 29)
        #expect(bot.fake.directMessages(to: "U0ALICE01").count == 1)
        #expect(bot.fake.directMessages(to: "U0BOB0002").isEmpty)
        try await bot.run(toMinute: 30)
        #expect(bot.fake.directMessages(to: "U0BOB0002").count == 1, "a P1's team lead is paged at minute 30")
        let room = try #require(bot.fake.channel(named: Self.room)).id

        // Bob acknowledges with the button on his page.
        try await bot.run(toMinute: 31)
        let page = try #require(bot.fake.directMessages(to: "U0BOB0002").first)
        let click = try await bot.click("bob", SlackFormat.acknowledgeAction, on: page)
        #expect(click.status == 200 && click.body.isEmpty)
        try await bot.settle()
        let ackReply = try #require(bot.fake.posted.last { $0.method == "chat.postEphemeral" && $0.user == "U0BOB0002" })
        #expect(ackReply.text.contains("INC-1"), "\(ackReply.text)")
        try await waitFor { bot.fake.calls.contains { $0.method == "chat.update" && $0.error == nil } }
        #expect(bot.fake.directMessages(to: "U0BOB0002").first?.blocks?.array?.contains { $0["type"]?.string == "actions" } == false)

        // The rest as slash commands in the incident channel, one of them signed by slack-sdk.
        #expect(try await bot.slash("bob", "/ic @carol", in: room, signer: .slackSDK).status == 200)
        #expect(try await bot.slash("carol", "/sev P2 contained to one region", in: room).text.contains("P2"))
        let update = try await bot.slash("carol", "/update rolled back the deploy status: monitoring", in: room)
        #expect(update.status == 200)
        try await bot.settle()
        let posts = bot.fake.messages(in: room).map(\.text)
        #expect(posts.contains { $0.contains("rolled back the deploy") }, "\(posts)")
        #expect(posts.contains { $0.contains("P2") })
        let resolved = try await bot.slash("carol", "/incident resolve rollback fixed it", in: room)
        #expect(resolved.status == 200)
        try await bot.run(toMinute: 240)
        let pagesAfterAck = bot.fake.directMessages(to: "U0CAROL03").count
        #expect(pagesAfterAck == 0, "the engineering ladder stopped at bob's ack")
        #expect(bot.fake.channel(named: Self.room)?.topic.lowercased().contains("resolved") == true)
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
    }

    @Test func anAppMentionIsACommandAndARetriedEventIsIgnored() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await bot.slash("alice", "/incident declare Payment API errors --sev P2")
        try await bot.settle()
        let room = try #require(bot.fake.channel(named: Self.room)).id
        let first = try await bot.mention("alice", "update cache warmed, errors falling", in: room, eventID: "Ev0MENTION1")
        #expect(first.status == 200)
        // Slack retries with a new timestamp and signature; the event id is what repeats.
        bot.clock.advance(by: .seconds(3))
        let retry = try await bot.mention("alice", "update cache warmed, errors falling", in: room, eventID: "Ev0MENTION1", retry: 1)
        #expect(retry.status == 200)
        try await bot.settle()
        let updates = bot.fake.messages(in: room).filter { $0.text.contains("cache warmed") }
        #expect(updates.count == 1, "\(bot.fake.messages(in: room).map(\.text))")
        // Plain messages are not commands; the bot's answer to a mention is ephemeral.
        #expect(bot.fake.posted.contains { $0.method == "chat.postEphemeral" && $0.user == "U0ALICE01" })
    }

    /// Slack sends an edited message's mention again, with a new event id and `edited`: a
    /// declaration with its typo fixed declared a second incident and paged everyone twice.
    /// The edit is not run, and its author is told so.
    @Test func anEditedMentionIsNotRunAgainAndItsAuthorIsTold() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        let typo = "<@\(FakeSlack.botUserID)> incident declare Checkout erorrs --sev P1"
        let mention: JSONValue = ["type": "app_mention", "user": "U0ALICE01", "channel": .string(SlackHarness.lobby),
                                  "text": .string(typo), "ts": "1764000000.000100"]
        try await bot.event(mention)
        try await bot.settle()
        func pages() -> Int { bot.fake.directMessages(to: "U0ALICE01").filter { $0.text.contains("🔔") }.count }
        let pagesAfterOne = pages()
        var edited = mention
        if case .object(var fields) = mention {
            fields["text"] = .string(typo.replacing("erorrs", with: "errors"))
            fields["edited"] = ["user": "U0ALICE01", "ts": "1764000010.000000"]
            edited = .object(fields)
        }
        #expect(try await bot.event(edited).status == 200)
        try await bot.settle()
        #expect(try await bot.storeCounts()["incident"] == 1)
        #expect(pages() == pagesAfterOne)
        // The answer to a mention comes as the declaration's did: directly.
        let told = bot.fake.directMessages(to: "U0ALICE01").filter { $0.text.contains("edited message") }
        #expect(told.count == 1, "\(bot.fake.directMessages(to: "U0ALICE01").map(\.text))")
        #expect(told.first?.text.contains("/incident declare Checkout errors --sev P1") == true)
    }

    @Test func aTakenChannelNameMovesToTheNextSuffix() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.addChannel(Self.room)
        bot.fake.addChannel(Self.room + "-2")
        try await bot.slash("alice", "/incident declare Payment API errors --sev P2")
        try await bot.settle()
        let channel = try #require(bot.fake.channel(named: Self.room + "-3"))
        #expect(channel.members.contains("U0ALICE01"))
        #expect(bot.fake.messages(in: channel.id).first?.text.contains("INC-1") == true)
        #expect(bot.fake.calls.filter { $0.method == "conversations.create" }.map(\.error) == ["name_taken", "name_taken", nil])
    }

    /// Someone in the workspace makes the incident's channel name and the next 19 (easy to
    /// guess from the date, a private incident's above all): the incident still gets its
    /// channel, under a name nobody can guess. It had none: the creation was given up.
    @Test func anIncidentWhoseNamesAreAllTakenStillGetsItsChannel() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        for n in 1...20 { bot.fake.addChannel(n == 1 ? Self.room : "\(Self.room)-\(n)") }
        try await bot.slash("alice", "/incident declare Payment API errors --sev P2")
        try await bot.settle()
        let creations = bot.fake.calls.filter { $0.method == "conversations.create" }
        #expect(creations.count == 21 && creations.dropLast().allSatisfy { $0.error == "name_taken" } && creations.last?.error == nil)
        let made = try #require(creations.last?.arguments["name"])
        #expect(made.hasPrefix(Self.room + "-") && made.count == Self.room.count + 13 && made.count <= 80, "\(made)")
        let channel = try #require(bot.fake.channel(named: made))
        #expect(channel.members.contains("U0ALICE01"))
        #expect(bot.fake.messages(in: channel.id).first?.text.contains("INC-1") == true)
        // The answers a slash command shows itself send people to the channel made, too: the
        // update's author, and someone off the roster told where a change may be typed.
        let update = try await bot.slash("alice", "/update INC-1 Rolled back the deploy")
        #expect(update.body.contains("Update posted to #\(made) "), "\(update.body)")
        let outsider = try await bot.slash("U0OUTSIDER", "/sev INC-1 P2")
        #expect(outsider.body.contains("type it in #\(made)."), "\(outsider.body)")
    }

    /// A creation cut short after some names were found taken (Slack allows about 20 creations
    /// a minute) goes on from the next name when tried again, instead of asking for the taken
    /// ones first and never reaching the last.
    @Test func aRetriedCreationGoesOnFromTheNextName() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        for _ in 0..<5 { bot.fake.inject(.fail(method: "conversations.create", error: "name_taken")) }
        bot.fake.inject(.fail(method: "conversations.create", error: "internal_error"))
        try await bot.slash("alice", "/incident declare Payment API errors --sev P2")
        try await bot.settle()
        for _ in 0..<10 where bot.fake.channel(named: Self.room + "-6") == nil {
            bot.clock.advance(by: .seconds(30))
            try await bot.settle()
        }
        let creations = bot.fake.calls.filter { $0.method == "conversations.create" }
        #expect(creations.map(\.error) == Array(repeating: "name_taken", count: 5) + ["internal_error", nil], "\(creations)")
        #expect(bot.fake.channel(named: Self.room + "-6") != nil && bot.fake.channel(named: Self.room) == nil)
    }

    /// The channel name was taken (by anyone: a squatter can make a public channel under a
    /// name the bot will ask for), so the incident's channel is `-2`. What the bot sends once
    /// it has made the channel names that one, not the one someone else holds, and the name
    /// finds the incident, and so do the answers the bot shows itself. (What went out before
    /// the channel was made, racing it, names the name asked for.)
    @Test func messagesAfterTheChannelIsMadeNameTheChannelItMade() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.addChannel(Self.room)
        try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let channel = try #require(bot.fake.channel(named: Self.room + "-2"))
        // The team lead's page at minute 30 links the channel made, not the squatter's.
        bot.clock.advance(by: .minutes(30))
        try await bot.settle()
        let pages = bot.fake.posted.filter { $0.text.contains("team lead") }
        #expect(pages.count == 1 && pages.allSatisfy { $0.text.contains("<#\(channel.id)>") }, "\(pages.map(\.text))")
        let status = try await bot.slash("alice", "/incident status #\(Self.room)-2")
        #expect(status.body.contains("INC-1"), "\(status.body)")
        #expect(bot.fake.messages(in: channel.id).first?.text.contains("INC-1") == true)
        let update = try await bot.slash("alice", "/update INC-1 Rolled back the deploy")
        #expect(update.body.contains("Update posted to #\(Self.room)-2 "), "\(update.body)")
        let outsider = try await bot.slash("U0OUTSIDER", "/sev INC-1 P2")
        #expect(outsider.body.contains("type it in #\(Self.room)-2."), "\(outsider.body)")
    }

    /// Slack carries out a call but its answer is lost (as when the bot dies mid-call): the
    /// retry finds the channel it made and the messages it posted, by the outbox key in their
    /// metadata, and makes and posts nothing twice.
    @Test(arguments: ["conversations.create", "chat.postMessage"])
    func aCallWhoseAnswerWasLostIsNotRepeated(method: String) async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.inject(.loseAnswer(method: method))
        if method == "chat.postMessage" { bot.fake.inject(.loseAnswer(method: method)) }
        try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        for _ in 0..<10 {
            try await bot.settle()
            bot.clock.advance(by: .seconds(5))
        }
        #expect(bot.fake.calls.contains { $0.method == method && $0.status == 502 })
        try Self.expectDeclarationDeliveredOnce(bot)
        #expect(bot.fake.channel(named: Self.room + "-2") == nil)
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
        // Every post carries its outbox key.
        #expect(bot.fake.posted.filter { $0.method == "chat.postMessage" }.allSatisfy {
            $0.metadata?["event_payload"]?["key"]?.string?.hasPrefix("INC-1/") == true
        })
    }

    /// A channel of the same name that someone else made, or that an incident already has, is
    /// never adopted: the declaration moves to the next suffix as before.
    @Test func aTakenChannelTheBotDidNotMakeForThisJobIsNotAdopted() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.addChannel(Self.room, botIsMember: true)
        bot.fake.inject(.loseAnswer(method: "conversations.create"))
        try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        for _ in 0..<10 {
            try await bot.settle()
            bot.clock.advance(by: .seconds(5))
        }
        // The first "-2" was made (answer lost), then adopted on the retry; the human's channel never.
        let made = try #require(bot.fake.channel(named: Self.room + "-2"))
        #expect(bot.fake.messages(in: made.id).filter { $0.text.contains("🚨 INC-1:") }.count == 1)
        #expect(bot.fake.channel(named: Self.room + "-3") == nil)
        #expect(bot.fake.messages(in: try #require(bot.fake.channel(named: Self.room)).id).isEmpty)
    }

    @Test func a429StormIsWaitedOutAsSlackAsksAndNothingIsLostOrDoubled() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.inject(.rateLimit(calls: 12, retryAfter: 7))
        try await bot.slash("alice", "/incident declare Payment API errors --sev P1")
        for _ in 0..<20 {
            try await bot.settle()
            bot.clock.advance(by: .seconds(7))
        }
        let limited = bot.fake.calls.filter { $0.status == 429 }.count
        #expect(limited == 12)
        try Self.expectDeclarationDeliveredOnce(bot)
    }

    @Test func aSlackOutageOfSeveralMinutesLosesNothingAndDeliversOnce() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.inject(.outage)
        // Commands keep being taken during the outage: they only need the store.
        #expect(try await bot.slash("alice", "/incident declare Payment API errors --sev P1").text.contains("INC-1"))
        try await bot.run(toMinute: 3)
        #expect(try await bot.slash("alice", "/note INC-1 Slack API is down for us too").status == 200)
        try await bot.run(toMinute: 6)
        #expect(bot.fake.posted.isEmpty)
        #expect(bot.fake.calls.allSatisfy { $0.status == 503 })
        bot.fake.endOutage()
        try await bot.run(toMinute: 12)
        try Self.expectDeclarationDeliveredOnce(bot)
    }
}

extension SlackScenarioTests {
    /// One channel, one kickoff, one broadcast line and one page each for the minute-0 pages.
    static func expectDeclarationDeliveredOnce(_ bot: SlackHarness) throws {
        let channel = try #require(bot.fake.channel(named: room))
        #expect(bot.fake.messages(in: channel.id).filter { $0.text.contains("🚨 INC-1:") }.count == 1)
        #expect(bot.fake.messages(in: bot.broadcast).count == 1)
        #expect(bot.fake.directMessages(to: "U0ALICE01").count == 1)
        #expect(bot.fake.directMessages(to: "U0ERIN005").count == 1)
        #expect(bot.fake.channels.filter { $0.name.hasPrefix(room) }.count == 1)
    }
}

/// Waits (in real time) for something a background call does: only for the best-effort Web
/// API touches that run after an answer, never for the clock. It returns as soon as the
/// condition holds; by default it gives up after `TestTools.patience`.
func waitFor(seconds: Double = TestTools.patience.fractionalSeconds, _ condition: @Sendable () -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !condition() {
        guard Date() < deadline else {
            Issue.record("condition not met within \(seconds) s")
            return
        }
        try await Task.sleep(for: .milliseconds(20))
    }
}
