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

    /// Slack rate limits every post for 150 s with `Retry-After: 5`. The room's and the
    /// broadcast's posts wait the hint each time, no attempt counted, and go out within a
    /// hint of the limit's end: counted, their backoff had grown to about a minute, and the P0's
    /// announcement went out 67 s after Slack took posts again.
    @Test func messagesHeldByALongRateLimitGoWithinAHintOfItsEnd() async throws {
        let bot = try TestBot()
        bot.slack.behave(.down(retryAfter: .seconds(5)))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P3")
        let end = TestConfig.start + .seconds(150)
        for _ in 0..<500 {
            guard let next = await bot.delivery.drain().nextAttempt, next < end else { break }
            bot.clock.advance(to: next)
        }
        let waiting = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { !$0.isPage }
        #expect(!waiting.isEmpty && waiting.allSatisfy { $0.attempts == 0 }, "\(waiting.map(\.attempts))")
        bot.clock.advance(to: end)
        bot.slack.behave(.working)
        for _ in 0..<50 where bot.clock.now < end + .seconds(6) {
            guard let next = await bot.delivery.drain().nextAttempt, next <= end + .seconds(6) else { break }
            bot.clock.advance(to: max(next, bot.clock.now))
        }
        let broadcast = bot.slack.posts(in: TestBot.broadcast[.slack]!)
        #expect(broadcast.contains { $0.contains("INC-1 declared") }, "not announced within 6 s of the limit's end: \(broadcast)")
        let left = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { !$0.isPage }
        #expect(left.isEmpty, "still waiting 6 s after the limit: \(left.map(\.key))")
    }
}
