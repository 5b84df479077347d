import GRDB
import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// A stored incident this version cannot read, when its reminders and pages fall due.
@Suite struct UnreadableIncidentTests {
    /// One incident's row in a format a newer version wrote (an older replica leading during a
    /// rolling update, or a damaged row) does not stop the scheduler: the other incidents'
    /// pages go on time, and the unreadable one is left out instead of failing every round.
    @Test func oneUnreadableRowDoesNotStopTheOtherIncidentsPages() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.say("U0REPORTER", "/incident declare Search is slow --sev P1")
        try await bot.settle()
        try await bot.sqlite.writer.write { db in try db.execute(sql: "UPDATE incident SET format = 99 WHERE number = 1") }

        bot.clock.advance(to: TestConfig.at(30))
        try await bot.engine.fireDue()
        let second = try await bot.store.read { try $0.timeline(incident: 2) }.map(\.text)
        #expect(second.contains { $0.hasPrefix("Paged @bob as team lead") }, "\(second)")
        // The scheduler's next wake is the readable incident's, not the unreadable one's, past.
        let next = try #require(try await bot.engine.nextDue())
        #expect(next > TestConfig.at(30))
    }

    /// `/incident list` names the open incidents it cannot read: it left them out, and the
    /// list is where people look first.
    @Test func theListNamesTheIncidentsItCannotRead() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.say("U0REPORTER", "/incident declare Search is slow --sev P1")
        try await bot.sqlite.writer.write { db in try db.execute(sql: "UPDATE incident SET format = 99 WHERE number = 1") }
        let listed = try await bot.say("U0REPORTER", "/incident list").reply?.plainText() ?? ""
        #expect(listed.contains("INC-2"), "\(listed)")
        #expect(listed.contains("⚠️ And 1 open this version of the bot cannot read (INC-1)"), "\(listed)")
        try await bot.sqlite.writer.write { db in try db.execute(sql: "UPDATE incident SET format = 99 WHERE number = 2") }
        let none = try await bot.say("U0REPORTER", "/incident list").reply?.plainText() ?? ""
        #expect(none.hasPrefix("⚠️ No open incidents this version can read, and 2 open"), "\(none)")
    }

    /// Delivery read the unreadable incident to ask whether its page was still wanted, failed,
    /// and ended the round: every later round tried that page first, and the other incident's
    /// room and page, queued behind it, never went out. A page whose incident cannot be read is
    /// sent (a missed page is the worse mistake), and the rest go on.
    @Test func oneUnreadableRowHoldsUpNoOtherDelivery() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.say("U0REPORTER", "/incident declare Search is slow --sev P1")
        try await bot.sqlite.writer.write { db in try db.execute(sql: "UPDATE incident SET format = 99 WHERE number = 1") }
        await bot.delivery.drain()
        let made = bot.slack.delivered.compactMap { item -> String? in
            guard case .createRoom(let name, _, _, _) = item.job.action else { return nil }
            return name
        }
        #expect(made.contains("incident-20261124-search-is-slow"), "\(made)")
        #expect(bot.pages == ["0 alice", "0 alice", "0 erin", "0 erin"], "\(bot.pages)")
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
    }

    /// A Matrix sync batch is decided in one transaction: one command that read the unreadable
    /// incident failed the whole batch, its token never moved, and the same batch failed again
    /// and again, so nobody's command on Matrix was ever run. That command is refused now, and
    /// the rest of the batch is run and its token kept.
    @Test func oneUnreadableRowFailsOnlyTheCommandThatNeedsIt() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.say("U0REPORTER", "/incident declare Search is slow --sev P1")
        try await bot.settle()
        try await bot.sqlite.writer.write { db in try db.execute(sql: "UPDATE incident SET format = 99 WHERE number = 1") }
        let events = [
            ChatEvent(platform: .matrix, id: "$status", room: "!lobby:localhost", user: "@bob:example.org", text: "!incident status INC-1",
                      reply: .outboxToRoom),
            ChatEvent(platform: .matrix, id: "$list", room: "!lobby:localhost", user: "@bob:example.org", text: "!incident list",
                      reply: .outboxToRoom),
            ChatEvent(platform: .matrix, id: "$note", room: "!lobby:localhost", user: "@bob:example.org", text: "!note INC-2 failover done",
                      reply: .outboxToRoom),
        ]
        let outcomes = try await bot.engine.handle(events, checkpoint: SyncCheckpoint(platform: .matrix, token: "t2"))
        #expect(outcomes.map(\.disposition) == [.refused, .answered, .handled])
        #expect(outcomes[0].reply?.plainText().contains("cannot be read by this version") == true)
        #expect(outcomes[1].reply?.plainText().contains("INC-2") == true)
        #expect(try await bot.store.read { try $0.timeline(incident: 2) }.contains { $0.text.contains("failover done") })
        #expect(try await bot.store.read { try $0.syncToken(.matrix) } == "t2")
        // A bare SMS "ACK" means the incident that paged them last, which cannot be known while
        // one cannot be read (it threw before): it is refused with how to name it, and that goes.
        let bare = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM1", person: "alice", incident: nil, how: "SMS reply"))
        #expect(bare.disposition == .refused && bare.reply?.plainText().contains("name it, as in ACK INC-4") == true)
        // So is a bare `/ack` in the page's direct messages, with the command as typed in chat.
        let typed = try await bot.say("U0ALICE01", "/ack", in: "D0ALICE")
        #expect(typed.disposition == .refused && typed.reply?.plainText().contains("name it, as in /ack INC-4.") == true,
                "\(String(describing: typed.reply?.plainText()))")
        let named = try await bot.engine.acknowledge(PageAnswer(method: .sms, id: "SM2", person: "alice", incident: 2, how: "SMS reply"))
        #expect(named.disposition == .handled && named.incident == 2)
        // A command typed in the unreadable incident's room about another one still goes.
        let unreadableRoom = try #require(try await bot.store.read { try $0.roomID(.slack, incident: 1) })
        let elsewhere = try await bot.say("U0BOB0002", "/note INC-2 checked the replica", in: unreadableRoom)
        #expect(elsewhere.disposition == .handled, "\(String(describing: elsewhere.reply?.plainText()))")
    }
}
