import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentTesting
import Synchronization
import Testing

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
        // Frank types only on Matrix, so his text asks for `!ack`; alice, on Slack as well, `/ack`.
        let both = Directory(roster: roster, platforms: [.slack, .matrix], pagers: [.sms])
        #expect(both.contact("frank", on: .sms).commandPrefix == "!")
        #expect(both.contact("alice", on: .sms).commandPrefix == "/")
        #expect(slackOnly.contact("alice", on: .sms).commandPrefix == "/")
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
}
