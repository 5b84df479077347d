import GRDB
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentSQLite
import IncidentTesting
import Synchronization
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
        let waiting = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.attempts == 1 }
        let pages = waiting.filter(\.isPage), messages = waiting.filter { !$0.isPage }
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
        let waiting = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.attempts == 1 && !$0.isPage }
        #expect(!waiting.isEmpty)
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
    /// due again at once, and the next pass spent one of its attempts on it.
    @Test func aRetryHintCountsFromTheFailureNotFromThePassStart() async throws {
        let bot = try TestBot()
        bot.slack.behave(.slowlyFailing(bot.clock, takes: .seconds(50), slowCalls: 3,
                                        error: .unavailable("ratelimited", retryAfter: .seconds(30))))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P3")
        await bot.delivery.drain()
        let announcement = try #require(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.first { $0.lane == "slack:broadcast" })
        #expect(announcement.attempts == 1)
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

/// Pages beyond chat: the level's methods first, the person's list after, every attempt on
/// the timeline.
@Suite struct ContactMethodRoutingTests {
    static let room = "incident-20261124-payment-api-errors"

    /// Dave (VP, `contact: [voice, sms, slack]`, level methods `[phone]`) is called first;
    /// with the phone provider down he gets a text, and with texts refused, a Slack message.
    @Test func aPageGoesByTheLevelsMethodAndFailsOverDownThePersonsList() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 2),
                              pagers: [.voice, .sms, .email])
        let voice = try #require(bot.pagers[.voice])
        let sms = try #require(bot.pagers[.sms])
        voice.behave(.down(retryAfter: nil))
        sms.behave(.rejectingDirectMessages)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        for _ in 0..<6 {
            let report = await bot.delivery.drain()
            if let next = report.nextAttempt { bot.clock.advance(to: next) }
        }
        #expect(voice.attempts == 2)
        #expect(sms.attempts == 1)
        #expect(bot.slack.directMessages.map(\.person).contains("dave"))
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @dave by voice failed (platform down); trying sms."))
        #expect(timeline.contains("Page to @dave by sms failed (cannot_dm_user); trying slack."))
        #expect(timeline.contains("Page to @dave (VP engineering, engineering L4) delivered by slack."))
        // Nobody else has a phone: alice (on-call) is paged on chat, as the roster orders her methods.
        #expect(timeline.contains("Page to @alice (on-call engineer, engineering L1) delivered by slack."))
        // The records say so too, the page that failed over twice included: each reached its person.
        let pages = try #require(try await bot.store.read { try $0.incident(1) }).incident.pages
        #expect(pages.filter { ["dave", "alice"].contains($0.person) }.map(\.landed) == [true, true], "\(pages)")
    }

    /// A method that hangs until its time limit (a provider that never answers, a relay
    /// silent after DATA) fails the page over after the first such attempt: four, the count a
    /// method that refuses fast gets, kept the VP from his text for a minute.
    @Test func aPageWhoseAttemptHungFailsOverAtOnce() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 4),
                              pagers: [.voice, .sms, .email])
        let voice = try #require(bot.pagers[.voice])
        voice.behave(.slowlyFailing(bot.clock, takes: .seconds(10), slowCalls: 10, error: .unavailable("timed out")))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        for _ in 0..<3 { await bot.delivery.drain() }
        #expect(voice.attempts == 1)
        #expect(bot.pagers[.sms]?.directMessages.map(\.person) == ["dave"])
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @dave by voice failed (timed out); trying sms."), "\(timeline)")
    }

    /// A P0 declared with the VP reachable by a call alone (his chat refuses him for good: after
    /// it, the call is all), every call failing after `takes`.
    static func vpReachedByCallAlone(takes: Duration, failing reason: String) async throws -> (TestBot, RecordingTransport) {
        let bot = try TestBot(retry: .init(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 4), pagers: [.voice])
        let voice = try #require(bot.pagers[.voice])
        voice.behave(.slowlyFailing(bot.clock, takes: takes, slowCalls: 1_000, error: .unavailable(reason)))
        bot.slack.behave(.rejectingDirectMessages)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        return (bot, voice)
    }

    /// An attempt that hung counts as its method's whole share even with no other method to
    /// go to: the VP, reachable only by a call here (his chat refuses him), through a provider that took each call and
    /// answered too late, got the same page thirty times over eighteen minutes, and the room
    /// was told only then.
    @Test func aHungPageWithNowhereElseToGoIsGivenUpWithinAQuarterOfAnHour() async throws {
        let (bot, voice) = try await Self.vpReachedByCallAlone(takes: .seconds(30), failing: "timed out")
        var givenUp: Timestamp?
        for _ in 0..<60 where givenUp == nil {
            let report = await bot.delivery.drain()
            let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
            givenUp = timeline.first { $0.text.hasPrefix("Could not deliver the page to @dave") }?.at
            if let next = report.nextAttempt { bot.clock.advance(to: next) }
        }
        let at = try #require(givenUp)
        #expect(at <= TestConfig.start + .minutes(15), "\(at)")
        #expect(voice.attempts <= 8, "\(voice.attempts)")
    }

    /// A relay slow to answer that does answer, temporarily (`450` after 8 s: a greeting
    /// delay, then greylisting), is not one that never answers: each attempt counts as one,
    /// and the page rides it out. Counted as four, it was given up in two and a half minutes,
    /// before the relay would take it.
    @Test func aSlowButAnsweringMethodCountsEachAttemptOnce() async throws {
        let (bot, voice) = try await Self.vpReachedByCallAlone(takes: .seconds(8), failing: "450 4.2.0 greylisted")
        for _ in 0..<40 where bot.clock.now < TestConfig.at(4) {
            let report = await bot.delivery.drain()
            if let next = report.nextAttempt { bot.clock.advance(to: next) }
        }
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        #expect(!timeline.contains { $0.text.hasPrefix("Could not deliver the page to @dave") }, "\(timeline.map(\.text))")
        #expect(voice.attempts > 8, "\(voice.attempts)")
    }

    /// A chat platform that takes the connection and says nothing (a hung homeserver, a
    /// stalled Slack) is a method that hangs too: alice's page goes to Matrix after the first
    /// attempt, where four, each a time limit long and queued behind the platform's room
    /// creations and posts, took minutes.
    @Test func aChatPageWhoseAttemptHungFailsOverAtOnce() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 4))
        bot.slack.behave(.slowlyFailing(bot.clock, takes: .seconds(10), slowCalls: 1_000, error: .unavailable("timed out")))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        for _ in 0..<3 { await bot.delivery.drain() }
        #expect(bot.matrix.directMessages.map(\.person).contains("alice"))
        // Each Slack call takes 10 s of the clock: the page left Slack after its first attempt,
        // made after the room's creation (ahead of it in the round), not after four.
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }
        // (Passed over untried when the room's creation hung first: it marks Slack hung too.)
        let moved = timeline.first { $0.text.hasPrefix("Page to @alice by slack failed (") && $0.text.contains("trying matrix") }?.at
        #expect(moved.map { $0 <= TestConfig.start + .seconds(20) } == true, "\(String(describing: moved))")
    }

    /// Three incidents declared at once while Slack hangs: every page leaves it within two time
    /// limits. A hung room creation did not mark the platform, so each page waited its turn
    /// behind the creations, a time limit each, then hung itself (minutes behind a hung
    /// homeserver with a mirrored room for every incident).
    @Test func pagesDoNotWaitBehindAHungPlatformsRoomCreations() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 4))
        bot.slack.behave(.slowlyFailing(bot.clock, takes: .seconds(10), slowCalls: 1_000, error: .unavailable("timed out")))
        for title in ["Zone A", "Zone B", "Zone C"] { try await bot.say("U0REPORTER", "/incident declare \(title) outage --sev P1") }
        for _ in 0..<3 { await bot.delivery.drain() }
        #expect(bot.matrix.directMessages.filter { $0.person == "alice" }.count == 3)
        for number in 1...3 {
            let timeline = try await bot.store.read { try $0.timeline(incident: number) }
            let moved = timeline.first { $0.text.hasPrefix("Page to @alice by slack failed") }?.at
            #expect(moved.map { $0 <= TestConfig.start + .seconds(20) } == true, "INC-\(number): \(String(describing: moved))")
        }
    }

    /// A page queued while delivery works through a hung platform's room creations and posts
    /// is taken after the attempt under way, not after the round: each hung attempt looks for
    /// new items. It waited for every creation and post left in the round, a time limit each.
    @Test func aPageQueuedDuringHungAttemptsWaitsForOneOfThem() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 4))
        bot.slack.behave(.slowlyFailing(bot.clock, takes: .seconds(10), slowCalls: 1_000, error: .unavailable("timed out")))
        for title in ["Zone A", "Zone B", "Zone C"] { try await bot.say("U0ERIN005", "/incident declare \(title) outage --sev P1") }
        let declared = Mutex<Timestamp?>(nil)
        bot.slack.whenCalled { calls in
            guard calls == 2, declared.withLock({ $0 == nil }) else { return }
            declared.withLock { $0 = bot.clock.now }
            _ = try? await bot.say("U0ERIN005", "/incident declare Zone D outage --sev P1")
        }
        for _ in 0..<3 { await bot.delivery.drain() }
        let at = try #require(declared.withLock { $0 })
        let timeline = try await bot.store.read { try $0.timeline(incident: 4) }
        let moved = try #require(timeline.first { $0.text.hasPrefix("Page to @alice by slack failed") }?.at, "\(timeline.map(\.text))")
        #expect(moved <= at + .seconds(10), "declared at \(at), moved at \(moved)")
    }

    /// After a page's attempt hung, the next pages on that method go to their people's next
    /// method without waiting out the same time limit: each page queued behind a hung provider
    /// was one time limit later than the one before, whoever it was for. Thirty seconds on,
    /// the method is tried again, and a delivery there clears it.
    @Test func pagesBehindAHungAttemptPassItsMethodOver() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 4),
                              pagers: [.voice, .sms, .email])
        let voice = try #require(bot.pagers[.voice])
        voice.behave(.slowlyFailing(bot.clock, takes: .seconds(10), slowCalls: 1, error: .unavailable("timed out")))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        try await bot.say("U0REPORTER", "/incident declare Search is down --sev P0")
        for _ in 0..<3 { await bot.delivery.drain() }
        #expect(voice.attempts == 1)
        #expect(bot.pagers[.sms]?.directMessages.map(\.person) == ["dave", "dave"])
        let timeline = try await bot.store.read { try $0.timeline(incident: 2) }.map(\.text)
        #expect(timeline.contains { $0.hasPrefix("Page to @dave by voice failed (not tried: it did not answer") }, "\(timeline)")
        // Thirty seconds after the hung attempt the method is tried again, and answers.
        voice.behave(.working)
        bot.clock.advance(by: .seconds(31))
        try await bot.say("U0REPORTER", "/incident declare Checkout is down --sev P0")
        for _ in 0..<3 { await bot.delivery.drain() }
        #expect(voice.directMessages.map(\.person) == ["dave"])
    }

    /// A page is passed over only to a method that has not hung too: with every method hanging
    /// (the bot's own network down) it would go round them untried until its attempts ran out
    /// and it was given up in a moment. Dave's call and text hang on INC-1's page; INC-2's
    /// page, both still marked, calls him again instead of passing both over untried.
    @Test func aPageIsNotPassedOverToAMethodThatHungToo() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(2), ceiling: .minutes(5), pageAttemptsBeforeFailover: 4),
                              pagers: [.voice, .sms, .email])
        let voice = try #require(bot.pagers[.voice])
        let sms = try #require(bot.pagers[.sms])
        for transport in [voice, sms] {
            transport.behave(.slowlyFailing(bot.clock, takes: .seconds(10), slowCalls: 10, error: .unavailable("timed out")))
        }
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        for _ in 0..<3 { await bot.delivery.drain() }
        #expect(voice.attempts == 1 && sms.attempts == 1)
        #expect(bot.slack.directMessages.filter { $0.person == "dave" }.count == 1)
        try await bot.say("U0REPORTER", "/incident declare Search is down --sev P0")
        for _ in 0..<3 { await bot.delivery.drain() }
        #expect(voice.attempts == 2)
        let timeline = try await bot.store.read { try $0.timeline(incident: 2) }.map(\.text)
        #expect(timeline.contains("Page to @dave by voice failed (timed out); trying sms."), "\(timeline)")
        #expect(bot.slack.directMessages.filter { $0.person == "dave" }.count == 2)
    }

    /// Carol (engineering manager, no `contact:` of her own: the default order has chat,
    /// email and texts before calls) is reached by phone first, as her level asks, and in
    /// its order: a call, not a text that would end the page unrung.
    @Test func theLevelsMethodsComeFirstInTheLevelsOrderForSomeoneWhoStatedNone() async throws {
        let bot = try TestBot(pagers: [.voice, .sms, .email])
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 60)
        let voice = try #require(bot.pagers[.voice])
        #expect(voice.directMessages.map(\.person) == ["carol"])
        #expect(voice.delivered.first?.job.people["carol"]?.account == "+15550100003")
        #expect(voice.delivered.first?.job.page?.role == "engineering manager")
        #expect(bot.pagers[.sms]?.attempts == 0)
    }

    /// A method the process does not serve is skipped: without a phone provider, the VP's
    /// page goes straight to Slack.
    @Test func aMethodNotServedIsSkipped() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        try await bot.settle()
        #expect(bot.slack.directMessages.map(\.person).contains("dave"))
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(!timeline.contains { $0.contains("failed") })
    }
}

extension ContactMethodRoutingTests {
    /// With every phone method down, the page goes round the person's list, not back and forth
    /// between the first two: Dave's call, then his text, then Slack.
    @Test func aPageOnMethodsThatAreDownReachesTheLastOneInTheList() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(1), ceiling: .seconds(1), pageAttemptsBeforeFailover: 1), pagers: [.voice, .sms])
        bot.pagers[.voice]?.behave(.down(retryAfter: nil))
        bot.pagers[.sms]?.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        for _ in 0..<6 {
            let report = await bot.delivery.drain()
            if let next = report.nextAttempt { bot.clock.advance(to: next) }
        }
        #expect(bot.slack.directMessages.map(\.person).contains("dave"))
        #expect(bot.pagers[.voice]?.attempts == 1 && bot.pagers[.sms]?.attempts == 1)
    }
}

extension ContactMethodRoutingTests {
    /// Every one of Dave's methods down: the page goes round them, then is given up after
    /// `giveUpAfter` attempts in all; the room is told once and nothing keeps trying.
    @Test func aPageNoMethodCanTakeEndsAndTheRoomIsToldOnce() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(1), ceiling: .seconds(1), pageAttemptsBeforeFailover: 2, giveUpAfter: 9),
                              pagers: [.voice, .sms])
        for transport in [bot.pagers[.voice], bot.pagers[.sms], bot.slack] { transport?.behave(.down(retryAfter: nil)) }
        bot.matrix.behave(.rejectingDirectMessages)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        for _ in 0..<40 {
            let report = await bot.delivery.drain()
            if let next = report.nextAttempt { bot.clock.advance(to: next) }
        }
        let failed = try await bot.store.read { try $0.finishedOutbox(limit: 100) }
            .filter { $0.1 == .failed && $0.0.isPage && $0.0.key.contains("INC-1") }.map(\.0)
        let daves = try #require(failed.first { if case .effect(.page(let page)) = $0.job { page.person == "dave" } else { false } })
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        // Nine attempts round voice, sms and Slack; the ninth hands it onward once more (counted
        // to the end of that method's share, 10), and the next failure ends it.
        #expect(daves.lastError == "gave up after 11 attempts: platform down", "\(daves.lastError ?? "") \(timeline)")
        #expect(daves.attempts == 11)
        #expect(timeline.filter { $0.hasPrefix("Could not deliver the page to @dave") }.count == 1)
        let queued = try await bot.store.read { try $0.pendingOutbox(limit: 500) + $0.finishedOutbox(limit: 500).map(\.0) }
        let warnings = queued.filter { item in
            if case .effect(.post(let message, .incidentRoom)) = item.job { message.plainText().hasPrefix("⚠️ Could not page @dave") } else { false }
        }
        #expect(warnings.count == 1)
        let tried = (bot.pagers[.voice]?.attempts ?? 0) + (bot.pagers[.sms]?.attempts ?? 0)
        #expect(tried > 0 && tried < 9)
    }
}

extension ContactMethodRoutingTests {
    /// A level with its own PagerDuty service: whoever fills it is paged there first, with the
    /// level's routing key, even with no PagerDuty key of their own.
    @Test func aLevelsOwnPagerDutyServiceComesFirst() throws {
        var roster = try TestConfig.roster()
        roster.levelAddresses[LevelRef(ladder: "engineering", level: "L1")] = [.pagerduty: "PAGERDUTY_KEY_ONCALL"]
        let directory = Directory(roster: roster, platforms: [.slack, .matrix], pagers: [.pagerduty])
        let page = Page(person: "alice", ladder: "engineering", level: "L1", role: "on-call engineer", message: Message(lines: []),
                        methods: [.pagerduty, .slack, .matrix])
        #expect(directory.routes(page, home: .slack) == [.pagerduty, .slack, .matrix])
        #expect(directory.contact(for: page.paged, on: .pagerduty).account == "PAGERDUTY_KEY_ONCALL")
        var teamLead = page
        teamLead.level = "L2"
        #expect(directory.routes(teamLead, home: .slack) == [.slack, .matrix])
        // Someone with a key of their own keeps it: an alert triggered under it is settled
        // (and its webhook checked) under it.
        roster.people["alice"]?.addresses[.pagerduty] = "PAGERDUTY_KEY_ALICE"
        roster.people["alice"]?.contactOrder = [.slack, .pagerduty]
        let keyed = Directory(roster: roster, platforms: [.slack, .matrix], pagers: [.pagerduty])
        #expect(keyed.contact(for: page.paged, on: .pagerduty).account == "PAGERDUTY_KEY_ALICE")
    }

    /// Whether a page's person can type `/ack`: an account on a chat platform served here, not
    /// one on a platform this bot does not run.
    @Test func aPersonTypesCommandsOnlyWithAnAccountOnAServedPlatform() throws {
        var roster = try TestConfig.roster()
        roster.people["erin"] = Roster.Person(id: "erin", name: "Erin", addresses: [.email: "erin@example.org", .sms: "+15550100005"])
        roster.people["frank"] = Roster.Person(id: "frank", name: "Frank", addresses: [.matrix: "@frank:example.org", .sms: "+15550100006"])
        let slackOnly = Directory(roster: roster, platforms: [.slack], pagers: [.email, .sms])
        let page = Page(person: "erin", ladder: "engineering", level: "L1", role: "on-call engineer", message: Message(lines: []))
        #expect(!slackOnly.contact(for: page.paged, on: .email).typesCommands)
        #expect(!slackOnly.contact("frank", on: .sms).typesCommands)
        #expect(slackOnly.contact("alice", on: .sms).typesCommands)
        #expect(Directory(roster: roster, platforms: [.slack, .matrix], pagers: [.sms]).contact("frank", on: .sms).typesCommands)
        #expect(Directory(roster: roster, platforms: [.console]).contact("erin", on: .console).typesCommands)
    }

    /// Who could never acknowledge: only on ladders an acknowledgement stops (a business page
    /// asks for no answer), and by the method the page lands on first: a PagerDuty address
    /// after a mail one is tried only when the mail fails, so its webhook answers nothing.
    @Test func someoneIsUnanswerableByTheMethodTheirPageLandsOnFirst() throws {
        var roster = try TestConfig.roster()
        roster.people["erin"] = Roster.Person(id: "erin", name: "Erin", addresses: [.email: "erin@example.org", .pagerduty: "PAGERDUTY_KEY_ERIN"])
        roster.levels[LevelRef(ladder: "engineering", level: "L2")] = .person("erin")
        roster.levels[LevelRef(ladder: "business", level: "L1")] = .person("erin")
        let directory = Directory(roster: roster, platforms: [.slack], pagers: [.email, .pagerduty])
        let found = directory.unanswerable(answeredWhereTheyLand: [.pagerduty], asking: ["engineering"])
        #expect(found.map { "\($0.level) \($0.person.rawValue) \($0.method)" } == ["engineering.L2 erin email"])
        #expect(directory.unanswerable(answeredWhereTheyLand: [.email, .pagerduty], asking: ["engineering"]).isEmpty)
        roster.people["erin"]?.contactOrder = [.pagerduty, .email]
        let pagerFirst = Directory(roster: roster, platforms: [.slack], pagers: [.email, .pagerduty])
        #expect(pagerFirst.unanswerable(answeredWhereTheyLand: [.pagerduty], asking: ["engineering"]).isEmpty)
    }
}

extension ContactMethodRoutingTests {
    /// A level's methods go in the level's order for someone who stated none (`phone`: a call,
    /// then a text): the engineering manager at a `phone` level was texted, and the text
    /// accepted ended the page without a call. A stated `contact:` order still wins, and
    /// `prefer:` still picks the chat platform.
    @Test func aPhoneLevelCallsBeforeItTextsUnlessThePersonOrderedOtherwise() throws {
        var roster = try TestConfig.roster()
        roster.people["carol"] = Roster.Person(id: "carol", name: "Carol", addresses: [.slack: "U0CAROL01", .matrix: "@carol:example.org",
                                                                                       .sms: "+15550100003", .voice: "+15550100003"])
        let directory = { Directory(roster: roster, platforms: [.slack, .matrix], pagers: [.sms, .voice]) }
        let manager = Page(person: "carol", ladder: "engineering", level: "L3", role: "engineering manager", message: Message(lines: []),
                           methods: [.voice, .sms])
        #expect(directory().routes(manager, home: .slack) == [.voice, .sms, .slack, .matrix])
        var onCall = manager
        onCall.methods = [.sms, .slack, .matrix]
        roster.people["carol"]?.contactOrder = [.matrix, .slack, .sms, .voice]
        roster.people["carol"]?.statesOrder = false  // prefer: matrix
        #expect(directory().routes(onCall, home: .slack) == [.sms, .matrix, .slack, .voice])
        roster.people["carol"]?.contactOrder = [.slack, .sms, .voice, .matrix]
        roster.people["carol"]?.statesOrder = true  // contact: [slack, sms, voice, matrix]
        #expect(directory().routes(manager, home: .slack) == [.sms, .voice, .slack, .matrix])
    }

    /// A page still retrying when someone acknowledges is not sent late: withdrawn, on the
    /// timeline, and never reaching the provider. Carol (engineering manager, reached by a call
    /// first) is paged at minute 60 of a P1 while calls are down; alice acknowledges.
    @Test func aPageStillRetryingWhenItsLadderStopsIsWithdrawn() async throws {
        let bot = try TestBot(pagers: [.voice, .sms])
        bot.pagers[.voice]?.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 60)
        #expect(bot.pagers[.voice]?.attempts == 1)
        try await bot.say("U0ALICE01", "/ack INC-1")
        bot.pagers[.voice]?.behave(.working)
        bot.clock.advance(to: bot.clock.now + .minutes(1))
        await bot.delivery.drain()
        #expect(bot.pagers[.sms]?.delivered.isEmpty == true && bot.pagers[.voice]?.delivered.isEmpty == true)
        #expect(!bot.slack.directMessages.contains { $0.person == "carol" })
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @carol (engineering manager, engineering L3) withdrawn before it went out: the engineering ladder stopped (acknowledged)."))
        // The stored record says so too: `/incident escalation` does not show carol as paged.
        let pages = try #require(try await bot.store.read { try $0.incident(1) }).incident.pages
        #expect(pages.filter { $0.withdrawn == true }.map(\.person) == ["carol"], "\(pages)")
        // Written in format 4, which holds the mark; the other incidents stay in format 3.
        let format = try await bot.sqlite.writer.read { db in try Int.fetchOne(db, sql: "SELECT format FROM incident WHERE number = 1") }
        #expect(format == 4)
    }

    /// A method's rounds read whether their pages still go once, not once a page
    /// (`Delivery.checkPages`), and that read holds only until the store commits again: an
    /// acknowledgement committed as the first round's calls went (the VP's at once, and
    /// carol's for missed updates, made together: `SlowProviderTests`) withdraws the VP's
    /// second page, for missed updates, waiting behind his first, as it did when each page
    /// read its incident just before it went.
    @Test func anAnswerCommittedDuringARoundWithdrawsItsLaterPage() async throws {
        let bot = try TestBot(pagers: [.voice, .sms])
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        // Nothing delivered meanwhile: the VP's page at once, carol's for missed updates
        // (minute 30) and the VP's (minute 45) wait together for the voice provider.
        for minute in [15, 30, 45] {
            bot.clock.advance(to: TestConfig.at(minute))
            try await bot.engine.fireDue()
        }
        let voice = try #require(bot.pagers[.voice])
        voice.whenCalled { calls in
            guard calls == 1 else { return }
            _ = try? await bot.say("U0ALICE01", "/ack INC-1")
        }
        await bot.delivery.drain()
        #expect(voice.directMessages.map(\.person).sorted() == ["carol", "dave"])
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @dave (VP engineering, engineering L4) withdrawn before it went out: the engineering ladder stopped (acknowledged)."),
                "\(timeline)")
    }

    /// The severity's page at once is not a climb an acknowledgement ends: the VP's call for a
    /// P0, still retrying when alice acknowledges, goes out once the phone provider is back.
    @Test func aPageAtOnceStillRetryingWhenSomeoneAcknowledgesGoesOut() async throws {
        let bot = try TestBot(pagers: [.voice, .sms])
        bot.pagers[.voice]?.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        await bot.delivery.drain()
        #expect(bot.pagers[.voice]?.attempts == 1)
        try await bot.say("U0ALICE01", "/ack INC-1")
        bot.pagers[.voice]?.behave(.working)
        bot.clock.advance(to: bot.clock.now + .minutes(1))
        await bot.delivery.drain()
        #expect(bot.pagers[.voice]?.directMessages.map(\.person) == ["dave"])
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @dave (VP engineering, engineering L4) delivered by voice."))
        #expect(!timeline.contains { $0.contains("withdrawn") })
    }

    /// Declared at P0 with an IC named, or raised to P0 once acknowledged: the VP is paged
    /// either way, and so is the on-call at declaration: naming the IC acknowledges that page
    /// (the ladder does not climb), it does not withdraw it.
    @Test func aP0ReachesTheVPWhateverWasAcknowledged() async throws {
        let bot = try TestBot()
        try await bot.say("U0CAROL03", "/incident declare Payment API errors --sev P0 --ic @carol")
        try await bot.say("U0CAROL03", "/incident declare Search slow --sev P1 --ic @carol")
        bot.clock.advance(to: bot.clock.now + .minutes(5))
        try await bot.say("U0CAROL03", "/sev INC-2 P0 search is down")
        try await bot.settle()
        #expect(bot.slack.directMessages.filter { $0.person == "dave" }.count == 2)
        #expect(bot.slack.directMessages.filter { $0.person == "alice" }.count == 2)
        for incident in [1, 2] {
            let timeline = try await bot.store.read { try $0.timeline(incident: incident) }.map(\.text)
            #expect(timeline.contains("Page to @dave (VP engineering, engineering L4) delivered by slack."))
            #expect(timeline.contains("Page to @alice (on-call engineer, engineering L1) delivered by slack."))
            #expect(!timeline.contains { $0.contains("withdrawn") })
        }
    }

    /// The IC went quiet: the team lead's page for two missed updates of a P1 goes out (on
    /// Matrix, bob's platform), though naming the IC stopped the climb.
    @Test func aMissedUpdatesPageReachesTheTeamLeadWhenTheICGoesQuiet() async throws {
        let bot = try TestBot()
        try await bot.say("U0CAROL03", "/incident declare Search slow --sev P1 --ic @carol")
        try await bot.run(toMinute: 61)
        #expect(bot.matrix.directMessages.contains { $0.person == "bob" })
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @bob (team lead, engineering L2) delivered by matrix."))
    }

    /// After a refusal the next method gets its full share of attempts.
    @Test func aRefusalHandsTheNextMethodItsFullShareOfAttempts() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(1), ceiling: .seconds(1), pageAttemptsBeforeFailover: 3), pagers: [.voice, .sms])
        bot.pagers[.voice]?.behave(.failing(calls: 1))
        bot.pagers[.sms]?.behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        await bot.delivery.drain()
        bot.pagers[.voice]?.behave(.rejectingDirectMessages)
        for _ in 0..<4 {
            bot.clock.advance(to: bot.clock.now + .seconds(5))
            await bot.delivery.drain()
        }
        // voice: down once, then refused; sms then gets three tries before Slack.
        #expect(bot.pagers[.sms]?.attempts == 3)
    }
}

/// Which item of a lane delivery tries (`OutboxItem.next(in:at:)`).
@Suite struct LaneTurnTests {
    static func item(_ key: String, incident: Int, _ job: OutboxItem.Job, attempts: Int, notBefore: Timestamp) -> OutboxItem {
        var item = OutboxItem(key: key, incident: incident, method: .pagerduty, lane: "pagerduty:dm:alice", job: job, at: TestConfig.start)
        item.attempts = attempts
        item.notBefore = notBefore
        return item
    }

    @Test func aPageGoesAheadOfAWaitingMessageButNotOfItsOwnIncidentsSettlement() {
        let now = TestConfig.at(1)
        let page = Page(person: "alice", ladder: "engineering", level: "L1", role: "on-call engineer", message: Message(.text("page")),
                        methods: [], severity: .p1)
        let settle = OutboxItem.Job.effect(.settlePages(PageSettlement(outcome: .handedOver,
                                                                       pages: [PagedLevel(person: "alice", ladder: "engineering", level: "L1")])))
        let waiting = Self.item("INC-1/4/alice", incident: 1, settle, attempts: 3, notBefore: TestConfig.at(5))
        let other = Self.item("INC-2/1", incident: 2, .effect(.page(page)), attempts: 0, notBefore: TestConfig.start)
        let own = Self.item("INC-1/9", incident: 1, .effect(.page(page)), attempts: 0, notBefore: TestConfig.start)
        #expect(OutboxItem.next(in: [waiting, other], at: now)?.key == "INC-2/1")
        #expect(OutboxItem.next(in: [waiting, own], at: now) == nil)
        // Due again, the settlement still gives way to another incident's page: while PagerDuty
        // hung, three resolved incidents' settlements took turns ahead of a new P0's page for
        // minutes. It goes once no page of another incident is due.
        #expect(OutboxItem.next(in: [waiting, other], at: TestConfig.at(5))?.key == "INC-2/1")
        #expect(OutboxItem.next(in: [waiting, own], at: TestConfig.at(5))?.key == "INC-1/4/alice")
        var second = waiting
        second.key = "INC-3/4/alice"
        second.incident = 3
        #expect(OutboxItem.next(in: [waiting, second, other], at: TestConfig.at(5))?.key == "INC-2/1")
        // A page at the head that waits holds back its own incident's pages, not another's:
        // a relay too slow to answer held a person's page for a new P1 untried for ten
        // minutes, behind thirty attempts of the page before it.
        var waitingPage = own
        waitingPage.attempts = 1
        waitingPage.notBefore = TestConfig.at(5)
        var again = own
        again.key = "INC-1/12"
        #expect(OutboxItem.next(in: [waitingPage, other], at: now)?.key == "INC-2/1")
        #expect(OutboxItem.next(in: [waitingPage, again, other], at: now)?.key == "INC-2/1")
        #expect(OutboxItem.next(in: [waitingPage, again], at: now) == nil)
        // Two incidents' pages waiting in turn hold back no third: its P0 waited four minutes.
        var otherWaiting = other
        otherWaiting.attempts = 1
        otherWaiting.notBefore = TestConfig.at(5)
        let third = Self.item("INC-3/1", incident: 3, .effect(.page(page)), attempts: 0, notBefore: TestConfig.start)
        #expect(OutboxItem.next(in: [waitingPage, otherWaiting, third], at: now)?.key == "INC-3/1")
        // A settlement that stops another incident's alert goes ahead of a waiting page; one
        // behind its own incident's page waits for it.
        let settlesTwo = Self.item("INC-2/9/alice", incident: 2, settle, attempts: 0, notBefore: TestConfig.start)
        #expect(OutboxItem.next(in: [waitingPage, settlesTwo], at: now)?.key == "INC-2/9/alice")
        #expect(OutboxItem.next(in: [waitingPage, otherWaiting, settlesTwo], at: now) == nil)
    }
}
