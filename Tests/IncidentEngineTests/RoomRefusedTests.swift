import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// The incident's room refuses the bot's posts (archived after the resolution, deleted, the
/// bot removed): what asks someone to act still reaches them.
@Suite struct RoomRefusedTests {
    static let room = ScenarioTests.room

    /// The channel is archived once the P1 is resolved. Its post-mortem reminder, two days
    /// later, is refused there and comes to its owner directly, saying why; the room's
    /// "could not be delivered" notice, refused as well, is not sent again and again.
    @Test func aReminderTheArchivedRoomRefusesReachesItsPersonDirectly() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.settle()
        try await bot.say("U0CAROL03", "/incident resolve fixed the pool size", in: Self.room)
        try await bot.settle()
        bot.slack.behave(.refusingPosts(in: Self.room, reason: "is_archived"))
        let directBefore = bot.slack.directMessages.count

        try await bot.run(toMinute: 49 * 60)

        let direct = bot.slack.directMessages.dropFirst(directBefore)
        let reminders = direct.filter { $0.message.kind == .reminder }
        #expect(reminders.map(\.person) == ["carol"], "\(direct.map { $0.message.plainText() })")
        let text = try #require(reminders.first?.message.plainText())
        #expect(text.hasPrefix("⚠️ The room of INC-1 #incident-20261124-payment-api-errors refused this message (is_archived)"), "\(text)")
        #expect(text.contains("the post-mortem for INC-1 is due"), "\(text)")
        // Typed in a direct message, a command must say which incident it is for.
        #expect(text.contains("/incident postmortem INC-1, then /incident close INC-1 when"), "\(text)")
        // The reminder and one notice about it were tried in the room; both are dead letters.
        let failed = try await bot.store.read { try $0.finishedOutbox(limit: 100) }.filter { $0.1 == .failed }.map(\.0)
        #expect(failed.count == 2, "\(failed.map(\.key))")
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        #expect(timeline.filter { $0.kind == .undelivered }.count == 2)

        // The next day's reminder comes directly too; the room is not told again.
        try await bot.run(toMinute: 73 * 60)
        #expect(bot.slack.directMessages.dropFirst(directBefore).filter { $0.message.kind == .reminder }.count == 2)
        #expect(try await bot.store.read { try $0.finishedOutbox(limit: 100) }.filter { $0.1 == .failed }.count == 3)
    }

    /// Mirrored on Matrix, whose room refuses the reminder while the home room on Slack takes
    /// it: nobody is messaged about a room that reached them.
    @Test func aMirrorsRoomRefusingAReminderTheHomeRoomTookMessagesNobody() async throws {
        let bot = try TestBot(mirror: true)
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.settle()
        try await bot.say("U0CAROL03", "/incident resolve fixed the pool size", in: Self.room)
        try await bot.settle()
        let matrixRoom = try #require(try await bot.store.read { try $0.roomID(.matrix, incident: 1) })
        bot.matrix.behave(.refusingPosts(in: matrixRoom, reason: "M_FORBIDDEN"))
        let direct = (bot.slack.directMessages.count, bot.matrix.directMessages.count)

        try await bot.run(toMinute: 49 * 60)

        #expect(bot.slack.posts(in: Self.room).contains { $0.contains("the post-mortem for INC-1 is due") })
        #expect(bot.slack.directMessages.count == direct.0 && bot.matrix.directMessages.count == direct.1)
        let failed = try await bot.store.read { try $0.finishedOutbox(limit: 100) }.filter { $0.1 == .failed }.map(\.0)
        #expect(failed.contains { $0.method == .matrix }, "the Matrix room refused it: \(failed.map(\.key))")
    }

    /// Dave (the VP, Slack only) cannot be paged, and the room refuses the warning that says
    /// so: it goes to the IC directly, never to dave, whom nothing reaches. It went to nobody,
    /// and the room was warned once per person, so nobody ever heard.
    @Test func aWarningThatSomeoneCannotBePagedReachesTheICWhenTheRoomRefusesIt() async throws {
        let bot = try TestBot()
        bot.slack.behave(.refusingPeopleAndRoom(["dave"], room: Self.room, reason: "is_archived"))
        let declared = try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P0 --ic @carol")
        #expect(declared.disposition == .handled, "\(declared.reply?.plainText() ?? "")")
        for _ in 0..<5 { try await bot.settle() }
        let warnings = bot.slack.directMessages.filter { $0.message.plainText().contains("Could not page @dave") }
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        #expect(warnings.map(\.person) == ["carol"], "\(timeline.map(\.text))")
        #expect(warnings.first?.message.plainText().hasPrefix("⚠️ The room of INC-1") == true)
        // Not even tried for dave, whom nothing reaches (his direct messages are refused here,
        // so only the outbox can show it was never queued).
        let finished = try await bot.store.read { try $0.finishedOutbox(limit: 500) }.map(\.0)
        let pending = try await bot.store.read { try $0.pendingOutbox(limit: 500) }
        #expect(!(finished + pending).contains { item in
            if case .effect(.directMessage(let message, "dave")) = item.job { message.plainText().contains("Could not page") } else { false }
        })
    }

    /// The room's creation is refused for good (Slack's `restricted_action`): the declarer,
    /// answered with the room's name, hears that there is none. Nobody did, a P3 having no
    /// nudges to find it out with, and the room's own notice of it had no room to go to.
    /// Named at the declaration, the IC is told instead, though a P3 nudges nobody.
    @Test(arguments: [("", "erin"), (" --ic @carol", "carol")])
    func aRoomThatCannotBeMadeIsToldToTheDeclarerDirectly(ic: String, told person: String) async throws {
        let bot = try TestBot()
        bot.slack.behave(.refusingRoomCreation(reason: "restricted_action"))
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P3" + ic)
        for _ in 0..<5 { try await bot.settle() }
        let told = bot.slack.directMessages.filter { $0.message.plainText().contains("could not be made") }
        #expect(told.map(\.person) == [PersonID(person)], "\(bot.slack.directMessages.map { $0.message.plainText() })")
        let text = try #require(told.first?.message.plainText())
        #expect(text.hasPrefix("⚠️ The room of INC-1 (P3) could not be made (restricted_action)"), "\(text)")
        #expect(text.contains("incident-bot outbox retry INC-1/1@slack"), "\(text)")
        // Not told again by each post that then has no room to go to.
        try await bot.say("U0ERIN005", "/note INC-1 checking the pool")
        for _ in 0..<3 { try await bot.settle() }
        #expect(bot.slack.directMessages.filter { $0.message.plainText().contains("could not be made") }.count == 1)
    }

    /// A note the room refuses asks nobody to act: it is a dead letter, and the room's notice,
    /// not a direct message, tells of it.
    @Test func aNoticeTheRoomRefusesIsNotSentToAnyoneDirectly() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.settle()
        let directBefore = bot.slack.directMessages.count
        bot.slack.behave(.refusingPosts(in: Self.room, reason: "is_archived"))
        try await bot.say("U0CAROL03", "/incident resolve fixed the pool size", in: Self.room)
        try await bot.settle()
        #expect(bot.slack.directMessages.count == directBefore)
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        #expect(timeline.contains { $0.kind == .undelivered })
    }
}
