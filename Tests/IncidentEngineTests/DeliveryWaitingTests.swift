@testable import IncidentEngine
import IncidentCore
import IncidentTesting
import Logging
import Testing

/// A page mail waiting for its incident's room (`notYet`) is put off without an attempt, and
/// is no retry in the metrics: every page mail of a new incident counted one, and a burst of
/// them while Slack could not make rooms pointed at a healthy mail relay.
@Suite struct DeliveryWaitingTests {
    @Test func aWaitForTheRoomIsNoAttemptAndNoRetry() async throws {
        let bot = try TestBot()
        bot.slack.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        let page = try #require(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.first(where: \.isPage))
        let id = try #require(page.id)
        let logger = Logger(label: "waiting")

        let waited = await bot.delivery.settle(page, id: id, error: .notYet("the room is not made yet", retryAfter: .seconds(1)),
                                               now: bot.clock.now, log: logger)
        #expect(waited == .waiting && bot.delivery.counted(page, waited) == .waiting)
        let afterWait = try #require(try await bot.store.read { try $0.outboxItem(key: page.key) })
        #expect(afterWait.attempts == page.attempts)

        let failed = await bot.delivery.settle(page, id: id, error: .unavailable("down", retryAfter: nil), now: bot.clock.now, log: logger)
        #expect(failed == .retried || failed == .failedOver)
    }
}
