import IncidentCore
import IncidentEngine
import IncidentTesting
import Logging
import Testing

/// Delivery when something other than the transport it is using goes wrong: a store that takes
/// no writes, a method that refused after an earlier one was only down, a method that is no
/// longer served.
@Suite struct DeliveryFaultTests {
    static let room = ContactMethodRoutingTests.room

    /// Runs `delivery` `times`, the clock moved to each next attempt.
    static func drain(_ delivery: Delivery<ManualClock>, _ clock: ManualClock, times: Int) async {
        for _ in 0..<times {
            let report = await delivery.drain()
            if let next = report.nextAttempt { clock.advance(to: next) }
        }
    }

    /// A P0 declared on a database file while the phone provider is down: Dave's VP page waits
    /// on voice, to be tried again.
    static func pageWaitingOnVoice() async throws -> (bot: TestBot, path: String) {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        let bot = try TestBot(path: path, pagers: [.voice])
        try #require(bot.pagers[.voice]).behave(.down(retryAfter: nil))
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        await bot.delivery.drain()
        return (bot, path)
    }

    /// A delivery of its own on `store`, beside the bot's.
    static func delivery(_ bot: TestBot, store: any IncidentStore, transports: [any OutboxTransport]) -> Delivery<ManualClock> {
        var logger = Logger(label: "delivery-fault-test")
        logger.logLevel = .critical
        return Delivery(store: store, clock: bot.clock, transports: transports, router: bot.engine.router, wake: WakeSignal(), logger: logger)
    }

    /// What Dave's VP page became: the timeline's entries about it.
    static func davesPage(_ bot: TestBot) async throws -> [String] {
        try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text).filter { $0.hasPrefix("Page to @dave") }
    }

    /// A text went out and the store then took no writes (a full disk): it is not sent again
    /// at every retry while the store fails. A text or a call has nothing to look for, so each
    /// retry would wake the VP again. Once the store takes writes, the send is recorded.
    @Test func aTextWhoseRecordFailedIsRecordedLaterNotSentAgain() async throws {
        let bot = try TestBot(pagers: [.sms])
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        let store = FailingWrites(bot.store)
        let delivery = Self.delivery(bot, store: store, transports: [bot.slack, bot.matrix] + Array(bot.pagers.values))
        let sms = try #require(bot.pagers[.sms])
        let textsToDave = { sms.directMessages.filter { $0.person == "dave" }.count }

        await Self.drain(delivery, bot.clock, times: 6)
        #expect(textsToDave() == 1, "the store failing must not text the VP again at each retry")

        store.heal()
        await Self.drain(delivery, bot.clock, times: 2)
        #expect(textsToDave() == 1)
        #expect(try await Self.davesPage(bot) == ["Page to @dave (VP engineering, engineering L4) delivered by sms."])
        #expect(try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter(\.isPage).isEmpty)
    }

    /// On replicas each leader term has a delivery of its own. A term that ends between a text
    /// and its record (the database away past the lease) must not leave the next term of the
    /// same process to text the VP again: the process remembers what it sent.
    @Test func aTextSentInAnEarlierTermIsRecordedNotSentAgain() async throws {
        let bot = try TestBot(pagers: [.sms])
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        let store = FailingWrites(bot.store)
        let memory = DeliveryMemory<ManualClock>()
        let transports: [any OutboxTransport] = [bot.slack, bot.matrix] + Array(bot.pagers.values)
        var logger = Logger(label: "delivery-fault-test")
        logger.logLevel = .critical
        func term() -> Delivery<ManualClock> {
            Delivery(store: store, clock: bot.clock, transports: transports, router: bot.engine.router, wake: WakeSignal(),
                     memory: memory, logger: logger)
        }
        let sms = try #require(bot.pagers[.sms])
        await Self.drain(term(), bot.clock, times: 2)
        #expect(sms.directMessages.filter { $0.person == "dave" }.count == 1)

        store.heal()
        await Self.drain(term(), bot.clock, times: 2)
        #expect(sms.directMessages.filter { $0.person == "dave" }.count == 1, "the next term texted the VP again")
        #expect(try await Self.davesPage(bot) == ["Page to @dave (VP engineering, engineering L4) delivered by sms."])
    }

    /// Dave's call fails while the phone provider is down, and so does his text; Slack then
    /// refuses the direct message. The page is not given up while the call has had only its
    /// first share of attempts: it goes back to the call, which reaches him once the provider
    /// is back.
    @Test func aRefusalSendsThePageBackToAMethodThatWasOnlyDown() async throws {
        let bot = try TestBot(pagers: [.voice, .sms])
        let voice = try #require(bot.pagers[.voice])
        let sms = try #require(bot.pagers[.sms])
        voice.behave(.down(retryAfter: nil))
        sms.behave(.down(retryAfter: nil))
        bot.slack.behave(.rejectingDirectMessages)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        for _ in 0..<30 {
            if try await Self.davesPage(bot).contains(where: { $0.hasSuffix("trying voice.") }) { break }
            await Self.drain(bot.delivery, bot.clock, times: 1)
        }
        let page = try await Self.davesPage(bot)
        #expect(page.contains("Page to @dave by slack failed (cannot_dm_user); trying voice."), "\(page)")
        #expect(sms.attempts == 4)

        voice.behave(.working)
        await Self.drain(bot.delivery, bot.clock, times: 3)
        #expect(voice.directMessages.map(\.person) == ["dave"])
        #expect(try await Self.davesPage(bot).last == "Page to @dave (VP engineering, engineering L4) delivered by voice.")
        #expect(!bot.slack.posts(in: Self.room).contains { $0.hasPrefix("⚠️ Could not page @dave") })
    }

    /// A page retrying on a method that is then turned off (the bot restarted without a phone
    /// provider) moves to the person's next method that is served, instead of waiting unseen.
    @Test func aPageOnAMethodNoLongerServedMovesToOneThatIs() async throws {
        let (before, path) = try await Self.pageWaitingOnVoice()
        let queued = try await before.store.read { try $0.pendingOutbox(limit: 100) }.filter(\.isPage).map(\.method)
        #expect(queued.contains(.voice))

        // Restarted without voice: Dave's page goes to Slack (he has no text method served).
        let after = try TestBot(path: path, clock: before.clock)
        await Self.drain(after.delivery, after.clock, times: 3)
        #expect(after.slack.directMessages.map(\.person).contains("dave"))
        let page = try await Self.davesPage(after)
        #expect(page.contains("Page to @dave by voice failed (voice is not enabled in this process); trying slack."), "\(page)")
        #expect(page.last == "Page to @dave (VP engineering, engineering L4) delivered by slack.")
        #expect(try await after.store.read { try $0.pendingOutbox(limit: 100) }.filter(\.isPage).isEmpty)
    }
}

extension DeliveryFaultTests {
    /// The console prints pages and pages nobody: run on the database `serve` left (stopped),
    /// it leaves the pages waiting on methods it does not serve for `serve`, instead of giving
    /// them up.
    @Test func theConsoleLeavesPagesItCannotSendForServe() async throws {
        let serve = try await Self.pageWaitingOnVoice().bot
        let pages = { try await serve.store.read { try $0.pendingOutbox(limit: 100) }.filter(\.isPage).map(\.method) }
        let waiting = try await pages()
        #expect(waiting.contains(.voice))

        let console = Self.delivery(serve, store: serve.store, transports: [RecordingTransport(platform: .console, now: { serve.clock.now })])
        await console.drain()
        #expect(try await pages() == waiting)
        let timeline = try await Self.davesPage(serve)
        #expect(timeline.allSatisfy { !$0.contains("not enabled") }, "\(timeline)")
    }

    /// On PostgreSQL any replica queues what its commands decide, stamped with its own clock.
    /// One running five minutes ahead of the leader queues a message "not before" its own
    /// now: the leader sends it at once, not when its clock catches up.
    @Test func anItemQueuedByAReplicaWhoseClockRunsAheadGoesAtOnce() async throws {
        let bot = try TestBot()
        let ahead = bot.clock.now + .minutes(5)
        try await bot.store.write { records in
            try records.enqueue([OutboxItem(key: "ahead/1", incident: nil, method: .slack, lane: "slack:broadcast",
                                            job: .effect(.post(Message(.text("from a replica ahead")), to: .broadcast)), at: ahead)])
        }
        let report = await bot.delivery.drain()
        #expect(bot.slack.posts(in: TestBot.broadcast[.slack]!) == ["from a replica ahead"])
        #expect(report.nextAttempt == nil)
    }
}
