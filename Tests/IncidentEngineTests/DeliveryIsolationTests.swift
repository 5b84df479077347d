import Foundation
import GRDB
import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// One bad thing stops nothing: a flood of chatter does not hold up a page, a row that cannot
/// be read is set aside, and a message that keeps failing ends as a visible dead letter.
@Suite struct DeliveryIsolationTests {
    static let room = ScenarioTests.room

    /// 2,500 notes queued for one incident's room, then a P0 declared: its room and its pages
    /// go out in the next pass, not after the notes.
    @Test func aNewP0IsNotHeldUpByAFloodOfNotes() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P3")
        try await bot.settle()
        let settled = bot.slack.delivered.count
        let flood = 2_500
        // A busy room: a hundred people, each well under the per-person limit.
        for n in 1...flood { try await bot.say("U0FLOOD\(n % 100)", "/note finding \(n)", in: Self.room) }
        try await bot.say("U0ERIN005", "/incident declare Checkout down --sev P0")
        await bot.delivery.drain()

        let order = bot.slack.delivered.dropFirst(settled).map(\.job)
        let firstPage = try #require(order.firstIndex { $0.page != nil && $0.incident == 2 })
        let roomCreated = try #require(order.firstIndex { if case .createRoom = $0.action { $0.incident == 2 } else { false } })
        // Ahead of them at most one note: the head of the flooded lane, tried in the same pass.
        let notesBefore = order[order.startIndex..<max(firstPage, roomCreated)].filter { $0.incident == 1 }.count
        #expect(notesBefore <= 1, "the P0 waited behind \(notesBefore) notes: \(order.prefix(8).map { "\($0.incident ?? 0) \($0.action)".prefix(90) })")
        // And every note still went out, in order.
        let notes = bot.slack.posts(in: Self.room).filter { $0.contains("finding ") }
        #expect(notes.count == flood)
        #expect(notes.first?.contains("finding 1") == true && notes.last?.contains("finding \(flood)") == true)
    }

    /// A room's creation whose record can never be saved (here the store refuses to bind
    /// INC-1's room, as it refused a room id already bound to another incident): the next
    /// incident's room, kickoff and pages on the same platform go out all the same, and after
    /// `recordFailuresBeforeSettingAside` turns the creation is set aside, marked delivered,
    /// not sent again. Every round tried it, failed, and ended, and nothing after it went.
    @Test func aRecordThatCanNeverBeSavedHoldsUpNothingElse() async throws {
        let bot = try TestBot()
        try await bot.sqlite.writer.write { db in
            try db.execute(sql: "CREATE TEMP TRIGGER refuse_room BEFORE INSERT ON room WHEN NEW.incident = 1 BEGIN SELECT RAISE(ABORT, 'refused'); END")
        }
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        try await bot.say("U0ERIN005", "/incident declare Checkout down --sev P1")
        for _ in 0..<Delivery<ManualClock>.recordFailuresBeforeSettingAside { await bot.delivery.drain() }
        let jobs = bot.slack.delivered.map(\.job)
        #expect(jobs.contains { if case .createRoom = $0.action { $0.incident == 2 } else { false } })
        // Its kickoff, which waits for its room's record, went too.
        #expect(jobs.contains { if case .post = $0.action { $0.incident == 2 } else { false } })
        #expect(jobs.contains { $0.incident == 2 && $0.page != nil }, "\(jobs.map { "\($0.incident ?? 0) \($0.action)".prefix(60) })")
        // INC-1's room was made once, and its creation is no longer pending.
        #expect(jobs.filter { if case .createRoom = $0.action { $0.incident == 1 } else { false } }.count == 1)
        let pending = try await bot.store.read { try $0.pendingOutbox(limit: 1_000) }
        #expect(!pending.contains { if case .effect(.createRoom) = $0.job { $0.incident == 1 } else { false } })
    }

    /// A provider that takes a call and never answers holds up only its own method: while the
    /// VP's call hangs, a new incident's room and its page on Slack go out. Delivery used to
    /// wait for every method's turn to end before it looked at the outbox again.
    @Test func aHangingProviderHoldsUpNoOtherMethod() async throws {
        let bot = try TestBot(pagers: [.voice])
        let voice = try #require(bot.pagers[.voice])
        voice.behave(.hanging)
        let running = Task { try await bot.delivery.run() }
        // A P0 calls the VP at once; the call hangs.
        try await bot.say("U0CAROL03", "/incident declare Payment API errors --sev P0")
        try await voice.waitForAttempts(1)
        #expect(voice.attempts == 1)
        try await bot.say("U0CAROL03", "/incident declare Checkout down --sev P1")
        await bot.slack.waitUntil { delivered in delivered.contains { $0.job.incident == 2 && $0.job.page != nil } }
        #expect(bot.slack.delivered.contains { $0.job.incident == 2 && $0.job.page != nil })
        #expect(voice.attempts == 1)
        voice.behave(.working)
        running.cancel()
        _ = await running.result
    }

    /// A row written by a newer version, or damaged, cannot stop the outbox: it is marked
    /// failed with the reason, and every other message goes out.
    @Test func anUndecodableRowIsSetAsideAndEverythingElseGoesOut() async throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        let bot = try TestBot(path: path)
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(sql: """
                INSERT INTO outbox (id, key, incident, platform, lane, state, attempts, not_before, created_at)
                VALUES (1001, 'INC-0/1@slack', NULL, 'slack', 'slack:broadcast', 'pending', 0, 0, 0),
                       (1002, 'INC-0/2@pigeon', NULL, 'pigeon', 'pigeon:broadcast', 'pending', 0, 0, 0);
                INSERT INTO outbox_job (id, job) VALUES (1001, '{"from":"a newer version"}'), (1002, '{}')
                """)
        }
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        let report = await bot.delivery.drain()
        #expect(report.quarantined == 2)
        #expect(bot.pages.contains("0 alice"))
        #expect(bot.slack.posts(in: TestBot.broadcast[.slack]!).count == 1)
        let failed = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT key, state, last_error FROM outbox WHERE key LIKE 'INC-0/%' ORDER BY key")
        }
        #expect(failed.map { $0["state"] as String } == ["failed", "failed"])
        #expect(failed.allSatisfy { ($0["last_error"] as String?)?.hasPrefix("undecodable: ") == true })
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
    }

    /// A room post the platform keeps failing is given up after the configured attempts: a
    /// dead letter with its reason, on the timeline, and the room told once, not every time.
    @Test func aMessageThatKeepsFailingEndsAsADeadLetterAndTheRoomIsToldOnce() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(1), ceiling: .seconds(4), pageAttemptsBeforeFailover: 100, giveUpAfter: 3),
                              mirror: true)
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P3")
        try await bot.settle()
        bot.matrix.behave(.down(retryAfter: nil))
        try await bot.say("U0ERIN005", "/note one", in: Self.room)
        try await bot.say("U0ERIN005", "/note two", in: Self.room)
        // Delivery retries on its own clock: walk it a few seconds at a time.
        for _ in 0..<30 {
            bot.clock.advance(by: .seconds(2))
            await bot.delivery.drain()
        }
        bot.matrix.behave(.working)
        for _ in 0..<10 {
            bot.clock.advance(by: .seconds(2))
            await bot.delivery.drain()
        }

        let finished = try await bot.store.read { try $0.finishedOutbox(limit: 1_000) }
        let dead = finished.filter { $0.1 == .failed && $0.0.method == .matrix }
        #expect(dead.count >= 2)
        #expect(dead.allSatisfy { $0.0.lastError?.hasPrefix("gave up after 3 attempts: platform down") == true })
        // The dead letter counts the attempt that ended it, as its reason does.
        #expect(dead.allSatisfy { $0.0.attempts == 3 }, "\(dead.map(\.0.attempts))")
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        #expect(timeline.filter { $0.kind == .undelivered }.count == dead.count)
        // The notice reached the room on Slack (where it works), once.
        let notices = bot.slack.posts(in: Self.room).filter { $0.contains("could not be delivered") }
        #expect(notices.count == 1, "\(notices)")
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
    }
}
