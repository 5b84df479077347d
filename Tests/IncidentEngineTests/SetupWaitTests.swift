@testable import IncidentEngine
import IncidentCore
import IncidentTesting
import Testing

/// A message the platform refused for the bot's own setup (a revoked token) waits
/// `retry_ceiling` a try, for the operator. The fix takes a restart, and the restarted delivery
/// tries such messages at once: an incident's room lane no longer sits out the rest of a
/// five-minute wait behind one of them after the token was replaced.
@Suite struct SetupWaitTests {
    static func isRoomCreation(_ item: OutboxItem) -> Bool {
        if case .effect(.createRoom) = item.job { true } else { false }
    }

    @Test func whatWaitedForTheBotsSetupGoesAsDeliveryStartsAgain() async throws {
        let bot = try TestBot()
        bot.slack.behave(.refusingTheBotsToken)
        bot.matrix.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P2")
        await bot.delivery.drain()
        bot.clock.advance(by: .seconds(1))
        let waiting = try await bot.store.read { try $0.pendingOutbox(limit: 100) }
        let room = try #require(waiting.first(where: Self.isRoomCreation))
        #expect(room.lastError == OutboxItem.waitingForSetup("token_revoked"))
        #expect(room.attempts == 0)
        #expect(!room.isDue(at: bot.clock.now))
        // A page waits out an outage's backoff (on Slack, refused for the setup, as from a
        // method that is down; on Matrix, down): it keeps its time.
        let backingOff = waiting.filter { $0.isPage && $0.attempts > 0 && !$0.isDue(at: bot.clock.now) }
        #expect(!backingOff.isEmpty)

        // The token is replaced and the bot restarted.
        bot.slack.behave(.working)
        let recorder = LogRecorder()
        let restarted = Delivery(store: bot.store, clock: bot.clock, transports: [bot.slack, bot.matrix], router: bot.engine.router,
                                 wake: bot.engine.deliveryWake, logger: recorder.logger)
        await restarted.tryAgainWhatWaitedForSetup()
        await restarted.drain()
        #expect(bot.slack.delivered.contains { if case .createRoom = $0.job.action { true } else { false } })
        #expect(!bot.slack.posts(in: DeliveryTests.room).isEmpty)
        let after = try await bot.store.read { try $0.pendingOutbox(limit: 100) }
        for item in backingOff {
            #expect(after.first { $0.id == item.id }?.notBefore == item.notBefore)
        }
        #expect(recorder.lines.withLock { $0 }.filter { $0.contains("waited for the bot's setup are tried again now") }.count == 1)
    }

    /// Nothing waiting for the setup: nothing moves, nothing is said.
    @Test func aStartWithNothingWaitingForTheSetupSaysNothing() async throws {
        let bot = try TestBot()
        bot.matrix.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P2")
        await bot.delivery.drain()
        let before = try await bot.store.read { try $0.pendingOutbox(limit: 100) }
        let recorder = LogRecorder()
        let restarted = Delivery(store: bot.store, clock: bot.clock, transports: [bot.slack, bot.matrix], router: bot.engine.router,
                                 wake: bot.engine.deliveryWake, logger: recorder.logger)
        await restarted.tryAgainWhatWaitedForSetup()
        let after = try await bot.store.read { try $0.pendingOutbox(limit: 100) }
        #expect(after.map(\.notBefore) == before.map(\.notBefore))
        #expect(recorder.lines.withLock { $0 }.isEmpty)
    }
}
