import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// Delivery under a wall clock stepped back (NTP correcting a host that ran ahead, or a restart
/// on a clock set right): a retry is put off at most `retry_ceiling`, whatever clock stamped it.
@Suite struct DeliveryClockStepTests {
    /// The P1's page fails once, and its retry is stamped an hour and 2 s on, as by a clock
    /// that read an hour ahead. It goes at once: it waited the hour, the page unsent and its
    /// failover never reached. A retry stamped within the longest wait still waits.
    @Test func aRetryStampedByAClockThatReadAheadGoesNow() async throws {
        let (bot, page) = try await Self.pageRetried(notBefore: TestConfig.start + .hours(1) + .seconds(2))
        await bot.delivery.drain()
        #expect(bot.slack.delivered.contains { $0.job.key == page.key }, "the page waits for a clock an hour ahead")

        let (later, waiting) = try await Self.pageRetried(notBefore: TestConfig.start + .minutes(4))
        await later.delivery.drain()
        #expect(!later.slack.delivered.contains { $0.job.key == waiting.key }, "a wait within the ceiling was cut short")
    }

    /// A P1 whose first page failed once, its retry then stamped `notBefore`, and Slack working again.
    static func pageRetried(notBefore: Timestamp) async throws -> (TestBot, OutboxItem) {
        let bot = try TestBot()
        bot.slack.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        await bot.delivery.drain()
        let failed = try #require(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.first { $0.isPage && $0.attempts == 1 })
        let id = try #require(failed.id)
        try await bot.store.write { try $0.reschedule(id, attempts: 1, notBefore: notBefore, reason: "down") }
        bot.slack.behave(.working)
        return (bot, failed)
    }
}
