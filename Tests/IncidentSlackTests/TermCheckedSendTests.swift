import AsyncHTTPClient
import IncidentEngine
import IncidentSlack
import IncidentTesting
import IncidentWire
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

    /// The term is asked when the request's connection is ready, not when the request is made:
    /// one queued behind another for the client's only connection, whose term ends while it
    /// waits, sends no body, while the request ahead of it is answered.
    @Test func aRequestWaitingForItsConnectionSendsNothingOnceTheTermEnds() async throws {
        let fake = FakeSlack(users: ["U0ALICE01"])
        try await fake.start()
        defer { Task { await fake.stop() } }
        let channel = fake.addChannel("lobby", botIsMember: true)
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let api = SlackWebAPI(baseURL: fake.apiURL, token: Secret(FakeSlack.botToken), client: client)

        fake.inject(.holdAnswer(method: "chat.postMessage"))
        let ahead = Task { try await api.call("chat.postMessage", ["channel": channel, "text": "ahead"]) }
        try await waitFor { fake.heldAnswers == 1 }
        let holds = Mutex(true)
        let term = LeaderTerm(token: 5) { holds.withLock { $0 } }
        let queued = Task {
            try await LeaderTerm.$current.withValue(term) { try await api.call("chat.postMessage", ["channel": channel, "text": "queued"]) }
        }
        // Made and waiting for the connection under a term that holds (if it were not queued
        // yet, the test would only be weaker, not wrong); then the term ends and the
        // connection frees.
        try await Task.sleep(for: .milliseconds(300))
        holds.withLock { $0 = false }
        fake.releaseHeldAnswers()
        _ = try await ahead.value
        await #expect(throws: SlackAPIError.self) { try await queued.value }
        #expect(fake.posted.map(\.text) == ["ahead"])
        try await client.shutdown()
    }
}
