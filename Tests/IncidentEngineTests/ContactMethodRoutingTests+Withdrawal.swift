import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// Pages still retrying when an answer comes: which are withdrawn and which go out.
extension ContactMethodRoutingTests {
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

