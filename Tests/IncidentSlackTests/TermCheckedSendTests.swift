import IncidentEngine
import IncidentTesting
import SlackFake
import Synchronization
import Testing

/// A leader whose term ends after delivery's check, as one paused there while its request
/// waited for a connection does: the request's body is not handed over when the client asks
/// for it, so Slack receives nothing, and the outbox is left for the next leader as it was.
@Suite struct TermCheckedSendTests {
    @Test func aTermThatEndsAfterDeliverysCheckSendsNothing() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        #expect(try await bot.slash("alice", "/incident declare Payment API errors --sev P1").status == 200)
        let pending = try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }
        #expect(!pending.isEmpty)
        let channelsBefore = bot.fake.channels.count

        // Held at delivery's check (the first time it is asked), over from then on.
        let asked = Mutex(0)
        let endsAfterTheCheck = LeaderTerm(token: 7) { asked.withLock { $0 += 1; return $0 == 1 } }
        let report = await LeaderTerm.$current.withValue(endsAfterTheCheck) { await bot.runtime.delivery.drain() }
        #expect(asked.withLock { $0 } > 1, "the send did not ask the term again before its body left")
        #expect(report.delivered == 0 && report.retried == 0 && report.failed == 0, "\(report)")
        let writes = bot.fake.calls.filter { ["conversations.create", "chat.postMessage"].contains($0.method) }
        #expect(writes.isEmpty, "Slack received \(writes)")
        #expect(bot.fake.channels.count == channelsBefore && bot.fake.posted.isEmpty)
        let after = try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }
        #expect(after.map(\.key) == pending.map(\.key) && after.allSatisfy { $0.attempts == 0 })

        // The next leader sends all of it, once.
        let live = LeaderTerm(token: 8) { true }
        _ = await LeaderTerm.$current.withValue(live) { await bot.runtime.delivery.drain() }
        #expect(bot.fake.channels.contains { $0.name.contains("payment-api-errors") })
        #expect(!bot.fake.posted.isEmpty)
        #expect(try await bot.runtime.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
        #expect(bot.fake.violations.isEmpty)
    }
}
