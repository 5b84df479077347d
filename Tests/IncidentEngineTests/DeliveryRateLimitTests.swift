import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// A rate limit's short hint is a floor under the backoff, not in its place.
@Suite struct DeliveryRateLimitTests {
    /// Slack answers every post `rate_limited` in a 200 (a 1 s hint, as a bare 429 is) for two
    /// minutes. The incident's posts back off as from any outage and are all posted once it
    /// ends: retried every second or two, they used up their 30 attempts and were given up
    /// within a minute, the P0's kickoff and its announcement with them.
    @Test func aRateLimitWithAOneSecondHintDoesNotUseUpAMessagesAttempts() async throws {
        let bot = try TestBot()
        bot.slack.behave(.down(retryAfter: .seconds(1)))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P3")
        let end = TestConfig.start + .minutes(2)
        for _ in 0..<200 {
            guard let next = await bot.delivery.drain().nextAttempt, next < end else { break }
            bot.clock.advance(to: next)
        }
        let failed = try await bot.store.read { try $0.finishedOutbox(limit: 100) }.filter { $0.1 == .failed }.map(\.0.key)
        #expect(failed.isEmpty, "given up: \(failed)")
        let posts = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { !$0.isPage }
        #expect(!posts.isEmpty && posts.allSatisfy { $0.attempts < 10 }, "\(posts.map(\.attempts))")

        bot.slack.behave(.working)
        bot.clock.advance(by: .minutes(5))
        try await bot.settle()
        #expect(bot.slack.posts(in: TestBot.broadcast[.slack]!).contains { $0.contains("INC-1 declared") })
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
    }
}
