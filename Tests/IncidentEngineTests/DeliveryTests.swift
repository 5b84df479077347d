import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

@Suite struct DeliveryTests {
    static let room = ScenarioTests.room

    @Test func retriesWithBackoffThenDeliversEverythingOnceInOrder() async throws {
        let bot = try TestBot()
        bot.slack.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P3")
        var report = await bot.delivery.drain()
        #expect(report.delivered == 0)
        // Jitter pinned at 1: waits of 2 s, 4 s, 8 s.
        var waits: [Int64] = []
        for _ in 0..<3 {
            guard let next = report.nextAttempt else { break }
            waits.append((next - bot.clock.now).wholeSeconds)
            bot.clock.advance(to: next)
            report = await bot.delivery.drain()
        }
        #expect(waits == [2, 4, 8])
        #expect(bot.slack.delivered.isEmpty)
        bot.slack.behave(.working)
        bot.clock.advance(by: .seconds(16))
        await bot.delivery.drain()
        #expect(bot.pages == ["0 alice"])
        let keys = bot.slack.delivered.map(\.job.key)
        #expect(Set(keys).count == keys.count)
        guard case .createRoom = bot.slack.delivered.first?.job.action else {
            Issue.record("the room was not created first")
            return
        }
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
    }

    /// A message waits out the platform's `Retry-After`; a page does not: it keeps to its
    /// backoff, uses up its attempts on that method and fails over in seconds.
    @Test func aRetryHintIsHonouredByMessagesNotByPages() async throws {
        let bot = try TestBot()
        bot.slack.behave(.down(retryAfter: .seconds(30)))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        #expect(await bot.delivery.drain().delivered == 0)
        // A page's failure is an attempt; a message's rate limit is none (`Delivery.settle`).
        let pending = try await bot.store.read { try $0.pendingOutbox(limit: 100) }
        let pages = pending.filter { $0.isPage && $0.attempts == 1 }
        let messages = pending.filter { !$0.isPage && $0.attempts == 0 && $0.notBefore > TestConfig.start }
        #expect(!pages.isEmpty && !messages.isEmpty)
        #expect(messages.allSatisfy { $0.notBefore == TestConfig.start + .seconds(30) })
        #expect(pages.allSatisfy { $0.notBefore == TestConfig.start + .seconds(2) })
        bot.slack.behave(.working)
        bot.clock.advance(by: .seconds(29))
        #expect(await bot.delivery.drain().delivered == pages.count)
        #expect(bot.slack.delivered.allSatisfy { $0.job.page != nil })
        bot.clock.advance(by: .seconds(1))
        #expect(await bot.delivery.drain().delivered > 0)
    }

    /// Matrix answers every call `Retry-After: 300`, and Frank (director of operations) is on
    /// Matrix only: his page has nowhere else to go. It heeds the hint for 30 s a try, not five
    /// minutes, and is given up with the room told within a quarter of an hour, where waiting
    /// out the hint took two and a half hours.
    @Test func aPageWithNowhereElseToGoDoesNotWaitOutAHint() async throws {
        let bot = try TestBot()
        bot.matrix.behave(.down(retryAfter: .seconds(300)))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        try await bot.run(toMinute: 60)
        let franks = try await bot.store.read { try $0.pendingOutbox(limit: 1_000) }.filter { item in
            if case .effect(.page(let page)) = item.job { page.person == "frank" } else { false }
        }
        #expect(!franks.isEmpty && franks.allSatisfy { $0.notBefore == TestConfig.at(60) + .seconds(30) }, "\(franks.map { $0.notBefore })")
        for _ in 0..<60 {
            if let next = await bot.delivery.drain().nextAttempt, next < TestConfig.at(76) { bot.clock.advance(to: next) }
        }
        #expect(bot.clock.now < TestConfig.at(76))
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains { $0.hasPrefix("Could not deliver the page to @frank") && $0.contains("gave up after 30 attempts") }, "\(timeline.filter { $0.contains("frank") })")
    }

    /// A maintenance page's `Retry-After: 86400`, or a number near the largest there is, is held
    /// to `retry_ceiling`: it neither parks a message for a day nor overflows the clock.
    @Test func aRetryHintIsHeldToTheCeiling() async throws {
        let bot = try TestBot()
        bot.slack.behave(.down(retryAfter: .seconds(Int64.max)))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P3")
        let report = await bot.delivery.drain()
        #expect(report.delivered == 0)
        let waiting = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { !$0.isPage && $0.notBefore > TestConfig.start }
        #expect(!waiting.isEmpty && waiting.allSatisfy { $0.attempts == 0 })
        #expect(waiting.allSatisfy { $0.notBefore == TestConfig.start + .minutes(5) })
    }

    /// A nudge that waited out an outage is not posted once the incident is resolved, or once
    /// an update came: resolved incidents are never nudged, and an IC who just posted is not
    /// nagged. It is marked withdrawn; also when the update came in the very second the nudge
    /// was queued (times are whole seconds, and the nudge once went out after it).
    @Test func aNudgeThatWaitedOutAnOutageIsWithdrawnWhenMoot() async throws {
        for (ending, minute) in [("/incident resolve rolled back", 31), ("/update rolled back", 31), ("/update rolled back", 30)] {
            let bot = try TestBot()
            try await bot.say("U0CAROL03", "/incident declare Payment API errors --sev P1 --ic @carol")
            try await bot.run(toMinute: 1)
            bot.slack.behave(.down(retryAfter: nil))
            try await bot.run(toMinute: minute)
            let nudges = { () async throws -> [OutboxItem] in
                try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter {
                    if case .effect(.post(let message, _)) = $0.job { message.kind == .nudge } else { false }
                }
            }
            #expect(try await nudges().count == 1, "\(ending)")
            try await bot.say("U0CAROL03", ending, in: Self.room)
            bot.slack.behave(.working)
            try await bot.run(toMinute: 35)
            #expect(try await nudges().isEmpty, "\(ending)")
            let posted = bot.slack.delivered.filter { if case .post(_, let message) = $0.job.action { message.kind == .nudge } else { false } }
            #expect(posted.isEmpty, "\(ending)")
        }
    }

    @Test func aPlatformThatIsDownDelaysOnlyItsOwnMessages() async throws {
        let bot = try TestBot()
        bot.slack.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 31)
        // Bob's L2 page goes to Matrix, his preferred platform, while Slack is down; alice's
        // and erin's, tried on Slack at 0 and again at 24, 30 and 30:01 (the P1's target
        // warning, bob's page, the target's miss), fail over to Matrix after their fourth attempt, delivered by minute 31.
        #expect(bot.matrix.directMessages.map(\.person) == ["bob", "alice", "erin"])
        #expect(bot.slack.delivered.isEmpty)
        bot.slack.behave(.working)
        try await bot.run(toMinute: 40)
        #expect(bot.pages == ["30 bob", "31 alice", "31 erin"])
        // Slack's own messages (the room, its posts) waited for Slack and went out once it was back.
        #expect(!bot.slack.delivered.isEmpty)
    }

    /// Slack down: a direct message to alice (an action item's reminder) heads her Slack lane
    /// and waits out its backoff. A page for her queued behind it is tried meanwhile, and
    /// fails over to Matrix; it used to wait behind the message, never tried, for as long as
    /// the message was retried (hours), while the ladder climbed past her.
    @Test func aPageIsNotHeldBehindAMessageWaitingOutItsBackoff() async throws {
        let bot = try TestBot()
        try await bot.say("U0CAROL03", "/incident declare Search is slow --sev P3 --ic @carol")
        try await bot.settle()
        bot.slack.behave(.down(retryAfter: nil))
        try await bot.say("U0CAROL03", "/action @alice Check the dashboards due: today", in: "slack-room-incident-20261124-search-is-slow")
        /// Delivers as the delivery loop would, at each next attempt, for `seconds`.
        func deliver(for seconds: Int64) async {
            let end = bot.clock.now + .seconds(seconds)
            for _ in 0..<1_000 {
                let report = await bot.delivery.drain()
                guard let next = report.nextAttempt, next <= end else { break }
                bot.clock.advance(to: max(next, bot.clock.now))
            }
            bot.clock.advance(to: end)
        }
        try await bot.engine.fireDue()
        await deliver(for: 60)
        let reminder = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.first { $0.lane == "slack:dm:alice" }
        #expect(reminder.map { !$0.isPage && $0.attempts > 1 } == true)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        await deliver(for: 120)
        #expect(bot.matrix.delivered.contains { $0.job.page?.person == "alice" && $0.job.incident == 2 },
                "\(bot.matrix.delivered.map(\.job.key))")
        // The reminder keeps its place and goes once Slack is back.
        bot.slack.behave(.working)
        await deliver(for: 600)
        #expect(bot.slack.directMessages.contains { $0.person == "alice" && $0.message.plainText().contains("Check the dashboards") })
    }

    /// Slack refuses the bot's token for hours (revoked at night): the pages fail over to
    /// Matrix as from a platform that is down, and Slack's own messages (the room, the
    /// kickoff) wait, past the attempts after which an outage's messages are given up, and go
    /// once the token is fixed.
    @Test func messagesWaitForARevokedTokenToBeFixed() async throws {
        let bot = try TestBot()
        bot.slack.behave(.refusingTheBotsToken)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P2")
        for _ in 0..<200 {
            let report = await bot.delivery.drain()
            guard let next = report.nextAttempt, next <= TestConfig.at(12 * 60) else { break }
            bot.clock.advance(to: max(next, bot.clock.now))
        }
        #expect(bot.matrix.directMessages.map(\.person) == ["alice"])
        let pending = try await bot.store.read { try $0.pendingOutbox(limit: 100) }
        #expect(pending.contains { if case .effect(.createRoom) = $0.job { true } else { false } })
        #expect(try await bot.store.read { try $0.finishedOutbox(limit: 100) }.filter { $0.1 == .failed }.isEmpty)
        // Fixed, the first call fails for now (a rate limit as the backlog flushes): the hours of
        // waiting cost no attempts, so the room is tried again, not given up.
        bot.slack.behave(.failing(calls: 1))
        for _ in 0..<20 {
            bot.clock.advance(by: .minutes(5))
            await bot.delivery.drain()
        }
        #expect(bot.slack.delivered.contains { if case .createRoom = $0.job.action { true } else { false } })
        #expect(try await bot.store.read { try $0.finishedOutbox(limit: 100) }.filter { $0.1 == .failed }.isEmpty)
    }

    /// Slack answers each of the first three calls after 50 s with `Retry-After: 30` (the page,
    /// the room, the announcement, in that order): the announcement, failed at 150 s, waits
    /// until 180 s, counted from its own failure; counted from the pass's start (30 s) it was
    /// due again at once, and the next pass tried it again at once. (A rate limit costs a
    /// message no attempt.)
    @Test func aRetryHintCountsFromTheFailureNotFromThePassStart() async throws {
        let bot = try TestBot()
        bot.slack.behave(.slowlyFailing(bot.clock, takes: .seconds(50), slowCalls: 3,
                                        error: .unavailable("ratelimited", retryAfter: .seconds(30))))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P3")
        await bot.delivery.drain()
        let announcement = try #require(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.first { $0.lane == "slack:broadcast" })
        #expect(announcement.attempts == 0)
        #expect(announcement.notBefore == TestConfig.start + .seconds(180))
    }

    @Test func aPageFailsOverToThePersonsOtherPlatform() async throws {
        let bot = try TestBot()
        bot.slack.behave(.rejectingDirectMessages)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        try await bot.settle()
        // Alice and Erin (Slack first) have Matrix too; Dave has only Slack: his page has nowhere to go.
        #expect(bot.matrix.directMessages.map(\.person) == ["alice", "erin"])
        let failed = try await bot.store.read { try $0.finishedOutbox(limit: 100) }.filter { $0.1 == .failed }
        #expect(failed.count == 1)
        #expect(failed.first?.0.lastError == "cannot_dm_user")
        // Not only logged: the room is told, and the timeline keeps it.
        #expect(bot.slack.posts(in: Self.room).contains {
            $0.hasPrefix("⚠️ Could not page @dave (VP engineering, engineering L4): no method could deliver the page (cannot_dm_user)")
        })
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        #expect(timeline.contains { $0.kind == .paged && $0.text.hasPrefix("Could not deliver the page to @dave") })
    }

    @Test func someoneNoPlatformReachesIsReportedToTheRoomOnceNotWithEveryRepeat() async throws {
        let bot = try TestBot()
        bot.slack.behave(.rejectingDirectMessages)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        try await bot.say("U0REPORTER", "/ic @carol", in: Self.room)
        // Dave (VP, Slack only) is paged at once, by the climb and by eight repeats: every page fails.
        try await bot.run(toMinute: 300)
        let failedForDave = try await bot.store.read { try $0.finishedOutbox(limit: 500) }
            .filter { $0.1 == .failed && $0.0.isPage && $0.0.key.contains("@slack") }
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        let undelivered = timeline.filter { $0.text.hasPrefix("Could not deliver the page to @dave") }
        #expect(failedForDave.count == 10)
        #expect(undelivered.count == failedForDave.count)
        #expect(bot.slack.posts(in: Self.room).filter { $0.hasPrefix("⚠️ Could not page @dave") }.count == 1)
    }

    @Test(.timeLimit(.minutes(1))) func aPageRefusedEverywhereFailsOnceInsteadOfBouncingBetweenPlatforms() async throws {
        let bot = try TestBot()
        bot.slack.behave(.rejectingDirectMessages)
        bot.matrix.behave(.rejectingDirectMessages)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        for _ in 0..<10 { await bot.delivery.drain() }
        // Alice and Erin: refused on Slack, then on Matrix, then given up; the room hears of both.
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
        let failed = try await bot.store.read { try $0.finishedOutbox(limit: 100) }.filter { $0.1 == .failed }
        #expect(failed.map(\.0.method) == [.matrix, .matrix])
        let told = bot.slack.posts(in: Self.room).filter { $0.hasPrefix("⚠️ Could not page") }
        #expect(told.count == 2)
    }

    @Test func aPageStillUnavailableAfterItsRetriesFailsOver() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 3))
        bot.slack.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        for _ in 0..<3 {
            let report = await bot.delivery.drain()
            if let next = report.nextAttempt { bot.clock.advance(to: next) }
        }
        await bot.delivery.drain()
        #expect(bot.matrix.directMessages.map(\.person) == ["alice", "erin"])
        let pending = try await bot.store.read { try $0.pendingOutbox(limit: 100) }
        #expect(pending.filter(\.isPage).isEmpty)
        #expect(!pending.isEmpty && pending.allSatisfy { $0.method == .slack })
    }

    @Test func thePagedAreInvitedInTheRoomsOwnLaneOnceItIsMade() async throws {
        let bot = try TestBot()
        bot.slack.behave(.failingRoomCreation(calls: 3))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        var report = await bot.delivery.drain()
        #expect(bot.pages == ["0 alice", "0 erin"])
        #expect(!bot.slack.delivered.contains { if case .createRoom = $0.job.action { true } else { false } })
        while let next = report.nextAttempt, bot.clock.now < TestConfig.at(5) {
            bot.clock.advance(to: next)
            report = await bot.delivery.drain()
        }
        // The pages' invitations waited behind the room's creation in its lane, then went out.
        let roomJobs = bot.slack.delivered.map(\.job).filter {
            switch $0.action {
            case .createRoom, .invite: true
            default: false
            }
        }
        guard case .createRoom = roomJobs.first?.action else {
            Issue.record("the room was not made first: \(roomJobs.map(\.action))")
            return
        }
        let invited = roomJobs.flatMap { job -> [PersonID] in if case .invite(_, let people) = job.action { people } else { [] } }
        #expect(invited == ["alice", "erin"])
        #expect(roomJobs.first { if case .invite = $0.action { true } else { false } }?.people["alice"]?.account == "U0ALICE01")
        // A second page of the same person invites nobody again.
        try await bot.run(toMinute: 90)
        let invitedLater = bot.slack.delivered.flatMap { item -> [PersonID] in if case .invite(_, let people) = item.job.action { people } else { [] } }
        #expect(invitedLater == ["alice", "erin", "bob", "carol", "frank", "grace"])
    }

    @Test func backoffDoublesUpToTheCeilingWithJitter() {
        let retry = Delivery<ManualClock>.Retry(base: .seconds(2), ceiling: .minutes(5))
        #expect((1...10).map { retry.delay(afterAttempts: $0, jitter: 1).wholeSeconds } == [2, 4, 8, 16, 32, 64, 128, 256, 300, 300])
        #expect(retry.delay(afterAttempts: 4, jitter: 0) == .seconds(8))
        #expect(retry.delay(afterAttempts: 1_000, jitter: 0.5) == .seconds(225))
    }
}

