import IncidentCore
@testable import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentSQLite
import IncidentTesting
import Logging
import Testing

/// A page's call that ended without the person acknowledging (it rang out, was busy, or a
/// voicemail box took it) sends the page on to their next method, once; an answered page, or
/// a call that carried a page made at once and was answered, sends nothing more.
@Suite struct EndedCallTests {
    static let room = "incident-20261124-payment-api-errors"

    /// Dave, the VP, is called at once for a P0 (`contact: [voice, sms, slack]`).
    static func calledAtOnce() async throws -> (TestBot, TransportJob) {
        let bot = try TestBot(pagers: [.voice, .sms])
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        try await bot.settle()
        let call = try #require(bot.pagers[.voice]?.delivered.first?.job)
        #expect(call.page?.person == "dave" && call.page?.atOnce == true)
        return (bot, call)
    }

    static func ended(_ call: TransportJob, _ status: EndedCall.Status, incident: Int = 1) -> EndedCall {
        EndedCall(page: call.key, person: call.page!.person, incident: incident, status: status)
    }

    @Test func aCallNobodyAnsweredGoesOnToTheNextMethodOnce() async throws {
        let (bot, call) = try await Self.calledAtOnce()
        #expect(try await bot.engine.followUp(Self.ended(call, .noAnswer)) == .paged(.sms))
        try await bot.settle()
        let sms = try #require(bot.pagers[.sms])
        #expect(sms.directMessages.map(\.person) == ["dave"])
        #expect(sms.delivered.first?.job.page?.atOnce == true)
        // Twilio sends a callback again when the first went unanswered: nothing more.
        #expect(try await bot.engine.followUp(Self.ended(call, .noAnswer)) == .duplicate)
        #expect(try await bot.engine.followUp(Self.ended(call, .busy)) == .duplicate)
        try await bot.settle()
        #expect(sms.directMessages.count == 1)
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @dave by voice failed (nobody answered the call); trying sms."))
        #expect(timeline.contains("Page to @dave (VP engineering, engineering L4) delivered by sms."))
    }

    /// Dave's call rang out and the text that followed was not delivered: the page goes on down
    /// his list to chat, once, and never back to the phone. Before, a follow-up's own text was
    /// not followed up, and the page stopped with nobody reached.
    @Test func aTextNotDeliveredAfterACallThatRangOutGoesOnToChat() async throws {
        let (bot, call) = try await Self.calledAtOnce()
        #expect(try await bot.engine.followUp(Self.ended(call, .noAnswer)) == .paged(.sms))
        try await bot.settle()
        let text = try #require(bot.pagers[.sms]?.delivered.first?.job)
        let undelivered = EndedCall(page: text.key, person: "dave", incident: 1, status: .undelivered, method: .sms)
        #expect(try await bot.engine.followUp(undelivered) == .paged(.slack))
        #expect(try await bot.engine.followUp(undelivered) == .duplicate)
        try await bot.settle()
        #expect(bot.slack.directMessages.filter { $0.person == "dave" }.count == 1)
        #expect(bot.pagers[.voice]?.delivered.count == 1)
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @dave by sms failed (the carrier did not deliver the text); trying slack."))
    }

    /// Dave texted first (`contact: [sms, voice, slack]`), on a landline: the text is not
    /// delivered, the call that follows reaches his voicemail, and the page goes on to chat.
    @Test func aCallToVoicemailAfterATextNotDeliveredGoesOnToChat() async throws {
        let roster = try Roster.load(yaml: try TestConfig.text("roster.example.yaml").replacing("contact: [voice, sms, slack]", with: "contact: [sms, voice, slack]"),
                                     file: "roster.yaml", policy: TestConfig.policy())
        let bot = try TestBot(pagers: [.voice, .sms], roster: roster)
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        try await bot.run(toMinute: 105)
        let climb = try #require(bot.pagers[.sms]?.delivered.last { $0.job.page?.atOnce != true }?.job)
        #expect(climb.page?.person == "dave" && climb.page?.level == "L4")
        #expect(try await bot.engine.followUp(EndedCall(page: climb.key, person: "dave", incident: 1, status: .undelivered, method: .sms)) == .paged(.voice))
        try await bot.settle()
        let call = try #require(bot.pagers[.voice]?.delivered.last?.job)
        #expect(call.key == climb.key + "/after-call:voice")
        #expect(try await bot.engine.followUp(EndedCall(page: call.key, person: "dave", incident: 1, status: .completed)) == .paged(.slack))
        try await bot.settle()
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @dave by voice failed (the call ended without an acknowledgement); trying slack."))
        // Chat sends no report back: the list ends there.
        let chat = try #require(try await bot.store.read { try $0.outboxItem(key: call.key + "/after-call:slack") })
        #expect(chat.method == .slack)
    }

    /// A call that carried the P0's page made at once, answered: it told the VP; no text follows.
    @Test func anAnsweredCallOfAPageMadeAtOnceIsEnough() async throws {
        let (bot, call) = try await Self.calledAtOnce()
        #expect(try await bot.engine.followUp(Self.ended(call, .completed)) == .moot("an answered call carries a page made at once"))
        try await bot.settle()
        #expect(bot.pagers[.sms]?.attempts == 0)
    }

    /// The ladder's own page to Dave (at 1 h 45 on a P0 nobody answers) waits for his
    /// acknowledgement: a call that ended without one (a voicemail box took it) is followed by a text.
    @Test func anAnsweredCallWithoutAnAcknowledgementIsFollowedByAText() async throws {
        let (bot, _) = try await Self.calledAtOnce()
        try await bot.run(toMinute: 105)
        let climb = try #require(bot.pagers[.voice]?.delivered.last { $0.job.page?.atOnce != true }?.job)
        #expect(climb.page?.person == "dave" && climb.page?.level == "L4")
        #expect(try await bot.engine.followUp(Self.ended(climb, .completed)) == .paged(.sms))
        try await bot.settle()
        // Carol, the engineering manager, had her call at 45 minutes; Dave has his text now.
        #expect(bot.pagers[.sms]?.directMessages.map(\.person) == ["dave"])
        let timeline = try await bot.store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Page to @dave by voice failed (the call ended without an acknowledgement); trying sms."))
    }

    /// Alice acknowledged as the on-call; missed updates reach her again as the team lead (a
    /// small team), by phone. Her answered call is enough: a text would ask for an ACK that
    /// is refused ("you already acknowledged"). A call that rang out is still followed up.
    @Test func anAnsweredCallToSomeoneWhoAcknowledgedAlreadyIsEnough() async throws {
        let (engine, store, clock) = try Self.engine {
            $0.replacingOccurrences(of: "    prefer: slack               # pages go here first, then to the other platform",
                                    with: "    phone: \"+15550100001\"\n    contact: [voice, slack]")
                .replacingOccurrences(of: "    L2: bob  ", with: "    L2: alice")
        }
        try await Self.declare("/incident declare Payment API errors --sev P1", on: engine)
        _ = try await engine.acknowledge(PageAnswer(method: .email, id: "link-1", person: "alice", incident: 1, how: "mail link"))
        try await TestBot.run(toMinute: 61, engine: engine, clock: clock) { try await engine.fireDue() }
        let lead = try #require(try await store.read { try $0.pendingOutbox(limit: 200) }.first { item in
            if case .effect(.page(let page)) = item.job { page.person == "alice" && page.level == "L2" && item.method == .voice } else { false }
        })
        #expect(try await engine.followUp(EndedCall(page: lead.key, person: "alice", incident: 1, status: .completed))
            == .moot("@alice acknowledged before"))
        #expect(try await engine.followUp(EndedCall(page: lead.key, person: "alice", incident: 1, status: .noAnswer)) == .paged(.slack))
    }

    /// Acknowledged (in chat) before the call's end was reported: nothing follows.
    @Test func anAcknowledgedPageIsNotFollowedUp() async throws {
        let (bot, call) = try await Self.calledAtOnce()
        try await bot.say("U0DAVE004", "/ack INC-1", in: Self.room)
        #expect(try await bot.engine.followUp(Self.ended(call, .noAnswer)) == .moot("@dave acknowledged"))
        try await bot.settle()
        #expect(bot.pagers[.sms]?.attempts == 0)
    }

    /// Only a page's own call, of the person it names, counts.
    @Test func anotherKeyPersonOrIncidentIsUnknown() async throws {
        let (bot, call) = try await Self.calledAtOnce()
        let alice = try #require(bot.slack.delivered.first { $0.job.page?.person == "alice" }?.job)
        #expect(try await bot.engine.followUp(EndedCall(page: call.key, person: "alice", incident: 1, status: .noAnswer)) == .unknown)
        #expect(try await bot.engine.followUp(Self.ended(call, .noAnswer, incident: 2)) == .unknown)
        #expect(try await bot.engine.followUp(Self.ended(alice, .noAnswer)) == .unknown)
        #expect(try await bot.engine.followUp(EndedCall(page: "INC-1/99@voice", person: "dave", incident: 1, status: .failed)) == .unknown)
        try await bot.settle()
        #expect(bot.pagers[.sms]?.attempts == 0)
    }

    /// The engine alone on a roster edited by `edit`, Slack and `pagers` served, on a manual clock.
    static func engine(pagers: Set<ContactMethod> = [.voice], roster edit: (String) -> String) throws -> (Engine<ManualClock>, any IncidentStore, ManualClock) {
        let roster = edit(try TestConfig.text("roster.example.yaml"))
        let settings = EngineSettings(policy: try TestConfig.policy(),
                                      roster: try Roster.load(yaml: roster, file: "roster.yaml", policy: TestConfig.policy()),
                                      platforms: [.slack], pagers: pagers, broadcastRooms: TestBot.broadcast, mirror: false)
        let clock = ManualClock(start: TestConfig.start)
        let store = try SQLiteStore.inMemory()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return (Engine(store: store, clock: clock, settings: settings, logger: logger), store, clock)
    }

    static func declare(_ text: String, on engine: Engine<ManualClock>) async throws {
        _ = try await engine.handle(ChatEvent(platform: .slack, id: "Ev1", room: "C0LOBBY", user: "U0REPORTER", text: text))
    }

    /// Dave with a phone and nothing else served: a call that rang out leaves the page with
    /// nowhere to go, and the room is told so someone reaches him another way.
    @Test func aCallThatRangOutWithNothingElseToTryIsToldToTheRoom() async throws {
        let (engine, store, _) = try Self.engine {
            $0.replacingOccurrences(of: "    slack: U0DAVE004\n", with: "").replacingOccurrences(of: "contact: [voice, sms, slack]", with: "contact: [voice]")
        }
        try await Self.declare("/incident declare Payment API errors --sev P0", on: engine)
        let pages = try await store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.method == .voice }
        let call = try #require(pages.first)
        #expect(try await engine.followUp(EndedCall(page: call.key, person: "dave", incident: 1, status: .completed))
            == .moot("an answered call carries a page made at once"))
        #expect(try await engine.followUp(EndedCall(page: call.key, person: "dave", incident: 1, status: .busy)) == .unreachable)
        let timeline = try await store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Could not deliver the page to @dave (VP engineering, engineering L4): the line was busy."))
        let told = try await store.read { try $0.pendingOutbox(limit: 100) }.contains { item in
            if case .effect(.post(let message, .incidentRoom)) = item.job { message.plainText().hasPrefix("⚠️ Could not page @dave") } else { false }
        }
        #expect(told)
    }

    /// Dave with a phone alone (`contact: [voice, sms]`): the call rang out, the text that
    /// followed was not delivered, and the room is told that nothing else reaches him. Before,
    /// the text's report was taken for a repeat of the call's, and nobody heard.
    @Test func aTextNotDeliveredAtTheEndOfTheListIsToldToTheRoom() async throws {
        let (engine, store, _) = try Self.engine(pagers: [.voice, .sms]) {
            $0.replacingOccurrences(of: "    slack: U0DAVE004\n", with: "").replacingOccurrences(of: "contact: [voice, sms, slack]", with: "contact: [voice, sms]")
        }
        try await Self.declare("/incident declare Payment API errors --sev P0", on: engine)
        let call = try #require(try await store.read { try $0.pendingOutbox(limit: 100) }.first { $0.method == .voice })
        #expect(try await engine.followUp(EndedCall(page: call.key, person: "dave", incident: 1, status: .noAnswer)) == .paged(.sms))
        let text = call.key + "/after-call:sms"
        #expect(try await engine.followUp(EndedCall(page: text, person: "dave", incident: 1, status: .undelivered, method: .sms)) == .unreachable)
        let timeline = try await store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains("Could not deliver the page to @dave (VP engineering, engineering L4): the carrier did not deliver the text."))
    }

    /// A follow-up that delivery's own failover moved back up the list (Dave's text queued on
    /// sms, Twilio's messages and Slack failing, so it rang his phone again) makes no further
    /// follow-up there: a call and a text do not take turns for as long as nobody answers. With
    /// three methods, the count of follow-ups alone would have let it go on to sms again.
    @Test func aFollowUpMovedBackUpTheListIsNotFollowedUpAgain() async throws {
        let (engine, store, clock) = try Self.engine(pagers: [.voice, .sms]) { $0 }
        try await Self.declare("/incident declare Payment API errors --sev P0", on: engine)
        let call = try #require(try await store.read { try $0.pendingOutbox(limit: 100) }.first { $0.method == .voice })
        // The follow-up as failover left it: queued on sms, on the phone again.
        let again = call.key + "/after-call:sms"
        try await store.write { records in
            try records.enqueue([OutboxItem(key: again, incident: 1, method: .voice, lane: OutboxItem.directLane(.voice, "dave"), job: call.job, at: clock.now)])
        }
        #expect(try await engine.followUp(EndedCall(page: again, person: "dave", incident: 1, status: .noAnswer)) == .unreachable)
        let made = try await store.read { records in try EndedCall.followUpKeys(of: again).compactMap { try records.outboxItem(key: $0) } }
        #expect(made.isEmpty, "\(made.map(\.key))")
        // One that failover moved on down the list (to chat, which reports nothing) is not the case.
        #expect(EndedCall.next(after: EndedCall(page: call.key + "/after-call:voice", person: "dave", incident: 1, status: .undelivered, method: .sms),
                               routes: [.voice, .sms, .slack]) == .slack)
    }

    /// An operator dropped Dave's call as it rang (`outbox drop`: they reached him by hand);
    /// its report that nobody answered sends nothing on.
    @Test func aPageAnOperatorDroppedIsNotFollowedUp() async throws {
        let (engine, store, clock) = try Self.engine(pagers: [.voice, .sms]) { $0 }
        try await Self.declare("/incident declare Payment API errors --sev P0", on: engine)
        let call = try #require(try await store.read { try $0.pendingOutbox(limit: 100) }.first { $0.method == .voice })
        try await store.write { records in
            _ = try records.dropOutbox(key: call.key, reason: "reached him by phone", at: clock.now)
            guard case .effect(.page(let page)) = call.job, let stored = try records.readableIncident(1) else { return }
            let (incident, entry) = stored.incident.pageDroppedByOperator(page, reason: "reached him by phone", at: clock.now, madeAt: call.createdAt)
            try records.save(StoredIncident(incident: incident, home: stored.home))
            try records.appendTimeline([entry], incident: 1)
        }
        #expect(try await engine.followUp(EndedCall(page: call.key, person: "dave", incident: 1, status: .noAnswer)) == .moot("the page was withdrawn"))
    }

    /// Frank, the director of operations (business L2, reached by phone), answers the call at
    /// an hour into a P1: the business ladder stops only on mitigation, so he could not
    /// acknowledge it, and no text follows. A call that rang out still does.
    @Test func anAnsweredCallOnALadderAnAckDoesNotStopIsEnough() async throws {
        let (engine, store, clock) = try Self.engine {
            $0.replacingOccurrences(of: "    matrix: \"@frank:example.org\"\n",
                                    with: "    matrix: \"@frank:example.org\"\n    slack: U0FRANK06\n    phone: \"+15550100006\"\n    contact: [voice, slack]\n")
        }
        try await Self.declare("/incident declare Payment API errors --sev P1", on: engine)
        try await TestBot.run(toMinute: 60, engine: engine, clock: clock) { try await engine.fireDue() }
        let frank = try #require(try await store.read { try $0.pendingOutbox(limit: 100) }.first { item in
            if case .effect(.page(let page)) = item.job { page.person == "frank" && item.method == .voice } else { false }
        })
        #expect(try await engine.followUp(EndedCall(page: frank.key, person: "frank", incident: 1, status: .completed))
            == .moot("an answered call carries a page an acknowledgement does not stop"))
        #expect(try await engine.followUp(EndedCall(page: frank.key, person: "frank", incident: 1, status: .noAnswer)) == .paged(.slack))
    }
}
