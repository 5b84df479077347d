@testable import IncidentApp
import IncidentCore
@testable import IncidentEngine
import IncidentTesting
import SlackFake
import Synchronization
import Testing

/// What a standby queues while no replica leads (its commands fire what fell due, a note is
/// posted) is none the dead leader sent: the new leader's delivery looks for it but does not
/// hold it for a send of the old leader's to land (`Delivery.landingWindow`). It did: a page
/// that fell due in the gap went 10 s after the takeover (audit s81a).
@Suite struct TakeoverGapTests {
    @Test func aPostQueuedAfterTheEarlierLeaseRanOutGoesAtOnce() async throws {
        for knowsEarlierLeaders in [true, false] {
            let bot = try await SlackHarness.start()
            try await bot.slash("alice", "/incident declare Payment API errors --sev P2 --ic @alice")
            try await bot.settle()
            let room = try #require(bot.fake.channel(named: SlackScenarioTests.room))
            let lastSendable = try await bot.runtime.store.read { try $0.latestOutboxID() }
            // The leader dies with nothing left to send; while no replica leads, a standby
            // takes a note.
            try await bot.slash("alice", "/note INC-1 finding in the gap")

            let delivery = bot.freshDelivery()
            let term = LeaderTerm(token: 2, newestItemEarlierLeadersCouldSend: knowsEarlierLeaders ? lastSendable : nil) { true }
            await LeaderTerm.$current.withValue(term) {
                await delivery.noteWhatWasQueuedBeforeStart()
                _ = await delivery.drain()
            }
            let posted = { bot.fake.messages(in: room.id).filter { $0.text.contains("finding in the gap") } }
            #expect(posted().count == (knowsEarlierLeaders ? 1 : 0), "knows the earlier leaders' last item: \(knowsEarlierLeaders)")

            // Not knowing it, the delivery holds the note until an earlier send would have landed.
            bot.clock.advance(by: Delivery<ManualClock>.landingWindow)
            await LeaderTerm.$current.withValue(term) { _ = await delivery.drain() }
            #expect(posted().count == 1)
            #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
            await bot.stop()
        }
    }

    /// The next leader knows what this one may have sent by the mark this one records before
    /// sending: a leader that cannot record it (deposed, the database gone) sends only what its
    /// mark covers already (nothing, with a mark at 0), and one that can sends only what it marked.
    @Test func aLeaderMarksWhatItMaySendBeforeSendingIt() async throws {
        struct CannotRecord: Error {}
        let bot = try await SlackHarness.start()
        try await bot.slash("alice", "/incident declare Payment API errors --sev P2 --ic @alice")
        let queued = try await bot.runtime.store.read { try $0.latestOutboxID() }
        let sends: @Sendable () -> Int = { bot.fake.calls.filter { ["conversations.create", "chat.postMessage"].contains($0.method) }.count }
        let sentBefore = sends()
        let canRecord = Mutex(false)
        let marks = Mutex<[(through: Int64, postsBefore: Int)]>([])
        let term = LeaderTerm(token: 2, newestItemEarlierLeadersCouldSend: 0, raiseMark: { newest in
            guard canRecord.withLock({ $0 }) else { throw CannotRecord() }
            marks.withLock { $0.append((newest, sends())) }
        }) { true }
        let delivery = bot.freshDelivery()
        await LeaderTerm.$current.withValue(term) {
            await delivery.noteWhatWasQueuedBeforeStart()
            _ = await delivery.drain()
        }
        #expect(sends() == sentBefore, "nothing is sent unmarked")
        #expect(try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.count > 0)

        canRecord.withLock { $0 = true }
        await LeaderTerm.$current.withValue(term) { _ = await delivery.drain() }
        #expect(sends() > sentBefore)
        let recorded = marks.withLock { $0 }
        #expect(recorded.first?.postsBefore == sentBefore, "marked before the first send")
        #expect(recorded.map(\.through).max() == queued, "\(recorded)")
        #expect(try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)

        // Something queued after: marked again before it goes.
        try await bot.slash("alice", "/note INC-1 queued after the first pass")
        let sentBeforeTheNote = sends()
        await LeaderTerm.$current.withValue(term) { _ = await delivery.drain() }
        #expect(sends() > sentBeforeTheNote)
        let last = try #require(marks.withLock { $0.last })
        #expect(last.through == (try await bot.runtime.store.read { try $0.latestOutboxID() }) && last.postsBefore == sentBeforeTheNote)
        await bot.stop()
    }

    /// A mark that cannot be raised (at 0) holds back every item, and each of delivery's loops tries again
    /// a second later: the warning comes once every 10 s with how many went unsaid, and not at
    /// all for a term that ended (the election says so at its next renewal).
    @Test func aMarkThatCannotBeRaisedIsSaidOnceInAWhile() async throws {
        struct DatabaseGone: Error {}
        let bot = try await SlackHarness.start()
        try await bot.slash("alice", "/incident declare Payment API errors --sev P2 --ic @alice")
        let holds = Mutex(true)
        let term = LeaderTerm(token: 2, newestItemEarlierLeadersCouldSend: 0, raiseMark: { _ in throw DatabaseGone() }) {
            holds.withLock { $0 }
        }
        let recorder = LogRecorder()
        let delivery = bot.freshDelivery(logger: recorder.logger)
        let warnings = { recorder.lines.withLock { $0 }.filter { $0.contains("cannot record which outbox items") } }
        let pending = { try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.count }
        let queued = try await pending()
        for _ in 0..<12 {
            await LeaderTerm.$current.withValue(term) { _ = await delivery.drain() }
            bot.clock.advance(by: .seconds(1))
        }
        #expect(warnings().count == 2, "\(warnings())")
        #expect(recorder.metadataOfLines.withLock { $0 }.compactMap { $0["failures.unlogged"] }.map(\.description) == ["0", "9"])

        holds.withLock { $0 = false }
        bot.clock.advance(by: .seconds(30))
        await LeaderTerm.$current.withValue(term) { _ = await delivery.drain() }
        #expect(warnings().count == 2, "a term that ended is not warned of by delivery")
        #expect(try await pending() == queued, "nothing was sent")
        await bot.stop()
    }

    /// A mark that cannot be raised for a moment (the lease's connection failed) holds back
    /// only what lies past it: the items the mark covers already go, for the next leader looks
    /// for those as it is. A database hiccup held back every page, those recorded long before
    /// included.
    @Test func aMarkThatCannotBeRaisedHoldsBackOnlyWhatLiesPastIt() async throws {
        struct DatabaseGone: Error {}
        let bot = try await SlackHarness.start()
        try await bot.slash("alice", "/incident declare Payment API errors --sev P2 --ic @alice")
        try await bot.settle()
        let room = try #require(bot.fake.channel(named: SlackScenarioTests.room))
        try await bot.slash("alice", "/note INC-1 recorded before")
        let recorded = try await bot.runtime.store.read { try $0.latestOutboxID() }
        try await bot.slash("alice", "/note INC-1 past the mark")
        let canRecord = Mutex(false)
        let term = LeaderTerm(token: 2, newestItemEarlierLeadersCouldSend: recorded, raiseMark: { _ in
            guard canRecord.withLock({ $0 }) else { throw DatabaseGone() }
        }) { true }
        let recorder = LogRecorder()
        let delivery = bot.freshDelivery(logger: recorder.logger)
        let posted = { (text: String) in bot.fake.messages(in: room.id).filter { $0.text.contains(text) }.count }
        // Past the landing window: the note recorded before is none an earlier send may still land for.
        bot.clock.advance(by: Delivery<ManualClock>.landingWindow)
        let report = await LeaderTerm.$current.withValue(term) {
            await delivery.noteWhatWasQueuedBeforeStart()
            return await delivery.drain()
        }
        #expect(posted("recorded before") == 1)
        #expect(posted("past the mark") == 0)
        #expect(report.nextAttempt == bot.clock.now + .seconds(1))
        #expect(recorder.lines.withLock { $0 }.filter { $0.contains("cannot record which outbox items") }.count == 1)

        canRecord.withLock { $0 = true }
        bot.clock.advance(by: .seconds(1))
        await LeaderTerm.$current.withValue(term) { _ = await delivery.drain() }
        #expect(posted("past the mark") == 1)
        #expect(try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
        #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
        await bot.stop()
    }
}
