import Foundation
@testable import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentSlack
import IncidentSQLite
import IncidentTesting
import Logging
import SlackFake
import Testing

/// Delivery sends several items of a room's lane before recording them together. When it dies
/// in between, the next delivery finds what was posted, by the outbox key in each message's
/// metadata, with one read of the channel's history, and posts nothing twice.
@Suite struct SlackUnrecordedSendsTests {
    /// A delivery of its own, as a process started now has. `running`: it has run past
    /// `Delivery.landingWindow` since (the clock moved on), so what it finds queued it sends
    /// without waiting for a send of an earlier process to land.
    func delivery(_ bot: SlackHarness, store: any IncidentStore, running: Bool = false) -> Delivery<ManualClock> {
        var logger = Logger(label: "unrecorded-sends-test")
        logger.logLevel = .critical
        let delivery = Delivery(store: store, clock: bot.clock, transports: bot.runtime.transports, router: bot.engine.router,
                                wake: WakeSignal(), logger: logger)
        if running { bot.clock.advance(by: Delivery<ManualClock>.landingWindow) }
        return delivery
    }

    /// A P2 whose room is made, and `notes` notes on it queued for that room, not yet sent.
    static func incidentWithNotes(_ notes: Int) async throws -> (SlackHarness, FakeSlack.Channel) {
        let bot = try await SlackHarness.start()
        try await bot.slash("alice", "/incident declare Payment API errors --sev P2 --ic @alice")
        try await bot.settle()
        let room = try #require(bot.fake.channel(named: SlackScenarioTests.room))
        for n in 1...notes { try await bot.slash("alice", "/note INC-1 finding \(n)") }
        return (bot, room)
    }

    @Test func postsSentButNotRecordedAreNotPostedAgainByTheNextDelivery() async throws {
        let notes = 6
        let (bot, room) = try await Self.incidentWithNotes(notes)
        defer { Task { await bot.stop() } }

        // The first delivery posts every note, in order, and dies before recording any.
        await delivery(bot, store: FailingWrites(bot.runtime.store), running: true).drain()
        let findings = { bot.fake.messages(in: room.id).filter { $0.text.contains("finding ") }.map(\.text) }
        #expect(findings().count == notes)
        let pending = try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.lane.contains("INC-1") }
        #expect(pending.count == notes, "the notes were sent but none recorded")

        // The next one checks the room's history once and finds every note there.
        let historyReadsBefore = bot.fake.calls.filter { $0.method == "conversations.history" }.count
        await delivery(bot, store: bot.runtime.store).drain()
        #expect(findings().count == notes, "\(findings())")
        #expect(zip(findings(), 1...notes).allSatisfy { text, n in text.contains("finding \(n)") })
        let historyReads = bot.fake.calls.filter { $0.method == "conversations.history" }.dropFirst(historyReadsBefore)
        #expect(historyReads.filter { $0.arguments["channel"] == room.id }.count == 1)
        #expect(try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
    }

    /// Killed while Slack still worked on its post: the next delivery, looking at once, does
    /// not find the note, and looks again once an earlier send would have landed
    /// (`Delivery.landingWindow`) rather than post it. It posted at once, and the room showed
    /// the note twice. A post that never lands goes then, once.
    @Test func aPostStillLandingAfterARestartIsLookedForAgainNotSentTwice() async throws {
        for lands in [true, false] {
            let (bot, room) = try await Self.incidentWithNotes(1)
            bot.fake.inject(.carryOutLater(method: "chat.postMessage"))
            await delivery(bot, store: FailingWrites(bot.runtime.store), running: true).drain()
            let findings = { bot.fake.messages(in: room.id).filter { $0.text.contains("finding ") } }
            #expect(findings().isEmpty)

            let next = delivery(bot, store: bot.runtime.store)
            await next.drain()
            #expect(findings().isEmpty, "posted while the killed delivery's post may still land")
            if lands { bot.fake.carryOutDeferredCalls() }
            bot.clock.advance(by: Delivery<ManualClock>.landingWindow)
            await next.drain()
            #expect(findings().count == 1, "lands: \(lands), \(findings().map(\.text))")
            #expect(try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
            #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
            await bot.stop()
        }
    }

    /// A busy room while the bot was down: 250 messages came after the notes the dead delivery
    /// sent. The next one reads back through them, a page at a time, and posts nothing twice.
    @Test func postsBuriedUnderABusyRoomAreFoundAndNotPostedAgain() async throws {
        let notes = 3
        let (bot, room) = try await Self.incidentWithNotes(notes)
        defer { Task { await bot.stop() } }
        await delivery(bot, store: FailingWrites(bot.runtime.store), running: true).drain()
        for n in 1...250 { bot.fake.say("U0BOB0002", "still broken \(n)", in: room.id) }
        await delivery(bot, store: bot.runtime.store).drain()
        let findings = bot.fake.messages(in: room.id).filter { $0.text.contains("finding ") }
        #expect(findings.count == notes, "\(findings.map(\.text))")
        #expect(try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
    }

    /// The same delivery, after its own record failed: what it sent is recorded at its next
    /// turn, neither sent again nor looked for.
    @Test func sendsWhoseRecordFailedAreRecordedNotSentAgain() async throws {
        let notes = 4
        let (bot, room) = try await Self.incidentWithNotes(notes)
        defer { Task { await bot.stop() } }
        let delivery = delivery(bot, store: FailingWrites(bot.runtime.store, failing: 1), running: true)
        await delivery.drain()
        let historyReads = bot.fake.calls.filter { $0.method == "conversations.history" }.count
        await delivery.drain()
        #expect(bot.fake.calls.filter { $0.method == "conversations.history" }.count == historyReads)
        let findings = bot.fake.messages(in: room.id).filter { $0.text.contains("finding ") }
        #expect(findings.count == notes, "\(findings.map(\.text))")
        #expect(try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
    }
    /// Pages in one person's direct messages go ahead of their records as posts do: a delivery
    /// that sends several and dies before recording them leaves them for the next delivery,
    /// which finds each in the conversation's history, pages nobody twice and records where
    /// every one landed. One the person acknowledged meanwhile is not sent again, and its
    /// timeline says it may have gone out.
    @Test func pagesSentButNotRecordedAreNotSentAgainAndTheirLandingIsRecorded() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        let incidents = 3
        for n in 1...incidents { try await bot.slash("carol", "/incident declare Checkout down \(n) --sev P1") }
        try await bot.settle()
        let bob = try #require(SlackHarness.users["bob"])
        #expect(bot.fake.directMessages(to: bob).isEmpty, "the team lead is paged only when the on-call leaves it unanswered")

        // Half an hour unanswered: each P1 pages the team lead, three pages in one lane.
        bot.clock.advance(by: .minutes(30))
        try await bot.engine.fireDue()
        let pages = { bot.fake.directMessages(to: bob).filter { $0.text.contains("INC-") } }
        await delivery(bot, store: FailingWrites(bot.runtime.store), running: true).drain()
        #expect(pages().count == incidents, "all three went before any record: \(pages().map(\.text))")
        try await bot.slash("bob", "/ack INC-3")

        await delivery(bot, store: bot.runtime.store).drain()
        #expect(pages().count == incidents, "\(pages().map(\.text))")
        for n in 1...incidents {
            #expect(pages().filter { $0.text.contains("INC-\(n) ") }.count == 1)
            let timeline = try await bot.runtime.store.read { try $0.timeline(incident: n) }.map(\.text).filter { $0.hasPrefix("Page to @bob") }
            if n == 3 {
                #expect(timeline.count == 1 && timeline[0].contains(" not sent again: ")
                        && timeline[0].hasSuffix("It may have gone out before a restart, unrecorded."), "\(timeline)")
            } else {
                #expect(timeline == ["Page to @bob (team lead, engineering L2) delivered by slack."], "\(timeline)")
            }
        }
        #expect(try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
    }

    /// A database restored from a backup numbers its next incident as the lost one did, and
    /// its outbox keys are the lost incident's: a post in doubt must not be taken as sent
    /// because the lost incident's post of the same key is in the room. The metadata carries
    /// the send key (the outbox key and when it was queued).
    @Test func anotherDatabasesPostOfTheSameKeyIsNotTakenForThisOne() async throws {
        let (bot, room) = try await Self.incidentWithNotes(1)
        defer { Task { await bot.stop() } }
        await delivery(bot, store: bot.runtime.store).drain()
        let slack = try #require(bot.runtime.transports.first { $0.method == .slack })
        func job(queuedAt minute: Int) -> TransportJob {
            var job = TransportJob(key: "INC-9/4@slack", action: .post(room: room.id, Message(.text("restored INC-9 note"))), people: [:],
                                   incident: 9, doubt: .earlierAttempt)
            job.queuedAt = TestConfig.at(minute)
            return job
        }
        _ = try await slack.deliver(job(queuedAt: 1))  // the lost database's
        _ = try await slack.deliver(job(queuedAt: 1))  // its retry: found, not posted again
        _ = try await slack.deliver(job(queuedAt: 30))  // the restored database's, in doubt
        #expect(bot.fake.messages(in: room.id).filter { $0.text.contains("restored INC-9 note") }.count == 2)
    }

    /// A backup taken with 40 notes still to post; the database goes on and posts them all,
    /// then is lost. The bot restored from the backup looks for every one of them in the room
    /// and posts none again: it had looked for only the first 32 of the lane, as after a crash,
    /// and posted the last 8 twice.
    @Test func aBotRestoredFromABackupPostsNothingTheLostDatabaseSent() async throws {
        let notes = 40
        let (bot, room) = try await Self.incidentWithNotes(notes / 2)
        defer { Task { await bot.stop() } }
        bot.clock.advance(by: .minutes(1))  // a person's 30 commands a minute
        for n in (notes / 2 + 1)...notes { try await bot.slash("alice", "/note INC-1 finding \(n)") }
        let copy = bot.folder.appendingPathComponent("backup.sqlite").path
        try SQLiteStore.backup(databaseAt: bot.folder.appendingPathComponent("bot.sqlite").path, to: copy, at: bot.clock.now)
        // Slack takes about a post a second in a channel: delivery waits out its rate limits.
        func drainAll(_ delivery: Delivery<ManualClock>, _ store: any IncidentStore) async throws {
            for _ in 0..<30 where try await !store.read({ try $0.pendingOutbox(limit: 1) }).isEmpty {
                await delivery.drain()
                bot.clock.advance(by: .seconds(30))
            }
        }
        try await drainAll(delivery(bot, store: bot.runtime.store), bot.runtime.store)
        let findings = { bot.fake.messages(in: room.id).filter { $0.text.contains("finding ") } }
        #expect(findings().count == notes)

        let restored = try SQLiteStore(path: copy)
        #expect(try await restored.read { try $0.pendingOutbox(limit: 100) }.count >= notes)
        let restoredDelivery = delivery(bot, store: restored)
        try await drainAll(restoredDelivery, restored)
        #expect(findings().count == notes, "\(findings().count - notes) posted twice")
        #expect(try await restored.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
        // What it queues itself is not looked for.
        let historyReads = bot.fake.calls.filter { $0.method == "conversations.history" }.count
        try await restored.write { records in
            try records.enqueue([OutboxItem(key: "INC-1/after-restore@slack", incident: 1, method: .slack, lane: "slack:INC-1",
                                            job: .effect(.post(Message(.text("finding after the restore")), to: .incidentRoom)),
                                            at: TestConfig.at(5))])
        }
        try await drainAll(restoredDelivery, restored)
        #expect(findings().count == notes + 1)
        #expect(bot.fake.calls.filter { $0.method == "conversations.history" }.count == historyReads)
    }
}
