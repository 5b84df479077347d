import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// A nudge posted in a room its IC has not joined (on Matrix an IC named from the lobby holds
/// only an invitation, and the homeserver tells them nothing of the room) reaches them
/// directly, through the outbox like any message.
@Suite struct UnseenNudgeTests {
    static let lobby = "!lobby:localhost"

    /// Frank (Matrix only) is named IC from the lobby and never joins. The P1's nudge at 30
    /// minutes is posted in the room and comes to him directly, saying where it was posted,
    /// with its command naming the incident; the next one too, until an update answers.
    @Test func aNudgeForAnICWhoHasNotJoinedTheRoomComesToThemDirectly() async throws {
        let bot = try TestBot()
        bot.matrix.behave(.notJoined(["frank"]))
        let declared = try await bot.say("@erin:example.org", "/incident declare Payment API errors --sev P1 --ic @frank",
                                         in: Self.lobby, platform: .matrix)
        #expect(declared.disposition == .handled, "\(declared.reply?.plainText() ?? "")")
        try await bot.settle()

        try await bot.run(toMinute: 31)

        let copies = bot.matrix.directMessages.filter { $0.message.kind == .nudge }
        #expect(copies.map(\.person) == ["frank"], "\(bot.matrix.directMessages.map { $0.message.plainText() })")
        let text = try #require(copies.first?.message.plainText())
        #expect(text.hasPrefix("📣 Posted in the room of INC-1 #incident-20261124-payment-api-errors, which you have not joined"), "\(text)")
        #expect(text.contains("@frank"), "\(text)")
        #expect(text.contains("/update INC-1"), "typed in a direct message, the command names the incident: \(text)")
        // Not on the timeline as a failure: the nudge itself went out.
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        #expect(!timeline.contains { $0.kind == .undelivered })

        try await bot.run(toMinute: 61)
        #expect(bot.matrix.directMessages.filter { $0.message.kind == .nudge }.count == 2)
    }

    /// Carol chats on Slack first, but the incident is Matrix's (no mirror): its room is the only
    /// one, and she has only been invited to it. Its nudge comes to her directly, on Slack,
    /// where her direct messages go. Filtered as a mirror room's is, she was copied nowhere.
    @Test func aHomeRoomNotJoinedCopiesWhateverPlatformTheirDirectMessagesGoTo() async throws {
        let bot = try TestBot()
        bot.matrix.behave(.notJoined(["carol"]))
        try await bot.say("@erin:example.org", "/incident declare Payment API errors --sev P1 --ic @carol", in: Self.lobby, platform: .matrix)
        try await bot.settle()
        try await bot.run(toMinute: 31)
        let copies = bot.slack.directMessages.filter { $0.message.kind == .nudge }
        #expect(copies.map(\.person) == ["carol"], "\(bot.slack.directMessages.map { $0.message.plainText() })")
    }

    /// An incident from Slack, mirrored on Matrix, where nobody has joined: carol (chat on
    /// Slack first) was nudged in the Slack room and gets no copy; bob, whose direct messages
    /// go to Matrix, gets one there, once.
    @Test func aMirrorRoomNotJoinedCopiesOnlyToThoseWhoseDirectMessagesGoThere() async throws {
        let bot = try TestBot(mirror: true)
        bot.matrix.behave(.notJoined(["carol", "bob"]))
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.settle()
        try await bot.run(toMinute: 31)
        #expect(bot.slack.directMessages.filter { $0.message.kind == .nudge }.isEmpty)
        #expect(bot.matrix.directMessages.filter { $0.message.kind == .nudge }.isEmpty)

        try await bot.say("U0CAROL03", "/ic @bob", in: ScenarioTests.room)
        try await bot.settle()
        try await bot.run(toMinute: 61)
        let copies = bot.matrix.directMessages.filter { $0.message.kind == .nudge }
        #expect(copies.map(\.person) == ["bob"], "\(copies.map { $0.message.plainText() })")
        #expect(bot.slack.directMessages.filter { $0.message.kind == .nudge }.isEmpty)
    }

    /// A note mentioning someone not in the room asks nothing of them: no copy.
    @Test func aNoticeMentioningSomeoneNotInTheRoomIsNotCopied() async throws {
        let bot = try TestBot()
        bot.matrix.behave(.notJoined(["frank"]))
        try await bot.say("@erin:example.org", "/incident declare Payment API errors --sev P1 --ic @frank", in: Self.lobby, platform: .matrix)
        try await bot.settle()
        let room = try #require(try await bot.store.read { try $0.roomID(.matrix, incident: 1) })
        try await bot.say("@erin:example.org", "/note asked @frank to look at the pool", in: room, platform: .matrix)
        try await bot.settle()
        #expect(bot.matrix.directMessages.filter { $0.message.plainText().contains("which you have not joined") }.isEmpty)
    }

    /// Frank chats on Matrix alone; the incident is Slack's, with no mirror, so its one room is
    /// on a platform he has no account on. Its nudges come to him directly, on Matrix. No
    /// platform told him of them, and his silence went on paging up the ladder.
    @Test func anICWithNoAccountWhereTheRoomIsGetsTheNudgeWhereTheyChat() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @frank")
        try await bot.settle()
        try await bot.run(toMinute: 31)
        let copies = bot.matrix.directMessages.filter { $0.message.kind == .nudge }
        #expect(copies.map(\.person) == ["frank"], "\(bot.matrix.directMessages.map { $0.message.plainText() })")
        #expect(copies.first?.message.plainText().contains("/update INC-1") == true)
        #expect(bot.slack.directMessages.filter { $0.message.kind == .nudge }.isEmpty)
    }

    /// With a mirror room on Matrix, which he has joined, he is nudged there: no copy besides.
    @Test func anICInAMirrorRoomOfTheirsGetsNoCopy() async throws {
        let bot = try TestBot(mirror: true)
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @frank")
        try await bot.settle()
        try await bot.run(toMinute: 31)
        #expect(bot.matrix.directMessages.filter { $0.message.kind == .nudge }.isEmpty,
                "\(bot.matrix.directMessages.map { $0.message.plainText() })")
        #expect(bot.slack.directMessages.filter { $0.message.kind == .nudge }.isEmpty)
    }

    /// A private incident's copy does not name its room: one made before it turned private is
    /// named after its title, and outside the room it is named by number and severity only.
    @Test func aPrivateIncidentsCopyDoesNotNameItsRoom() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @frank")
        try await bot.settle()
        try await bot.say("U0ERIN005", "/incident private INC-1")
        try await bot.settle()
        try await bot.run(toMinute: 31)
        let text = try #require(bot.matrix.directMessages.first { $0.message.kind == .nudge }?.message.plainText())
        #expect(text.hasPrefix("📣 Posted in the room of INC-1, which you have not joined"), "\(text)")
        #expect(!text.contains("payment"), "\(text)")
    }
}
