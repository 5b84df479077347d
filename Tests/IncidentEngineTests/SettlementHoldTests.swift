import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentSQLite
import IncidentTesting
import Logging
import Synchronization
import Testing

/// PagerDuty down: a page queued behind a PagerDuty settlement of its own incident (it may not
/// go ahead of it: both may name one alert) is not held for the hours the settlement takes to
/// be given up. Once the settlement has failed as often as a page tries a method, the page goes
/// to the person's next method.
@Suite struct SettlementHoldTests {
    /// A small team: alice is the on-call (by PagerDuty, then Slack) and the team lead too.
    @Test func aPageHeldBehindAFailingSettlementFailsOver() async throws {
        let (store, slack, pagerDuty) = try await Self.heldPage(alice: "    pagerduty: PAGERDUTY_KEY_ALICE\n    contact: [pagerduty, slack]")
        #expect(pagerDuty.directMessages.map(\.person) == ["alice"])
        let lead = slack.directMessages.filter { $0.person == "alice" }
        #expect(lead.count == 1, "\(lead.map { $0.message.plainText() })")
        #expect(lead.first?.message.plainText().contains("team lead") == true)
        let timeline = try await store.read { try $0.timeline(incident: 1) }.map(\.text)
        #expect(timeline.contains { $0.hasPrefix("Page to @alice by pagerduty failed (pagerduty keeps failing") && $0.hasSuffix("trying slack.") },
                "\(timeline)")
    }

    /// Alice reached by PagerDuty alone: the held page has nowhere to go and waits for the
    /// settlement, as before, and a pass over the outbox does not go round again and again
    /// for it (it would read the outbox without pause for as long as PagerDuty is down).
    @Test func aHeldPageWithNowhereToGoWaitsWithoutSpinning() async throws {
        let (store, slack, _) = try await Self.heldPage(alice: "    pagerduty: PAGERDUTY_KEY_ALICE\n    contact: [pagerduty]",
                                                        aliceOnSlack: false)
        #expect(!slack.directMessages.contains { $0.person == "alice" })
        // The team lead's page is there, held on PagerDuty behind the settlement.
        let held = try await store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.method == .pagerduty }
        #expect(held.count == 2 && held.last?.isPage == true && held.first?.isPage == false, "\(held.map(\.key))")
        #expect(store.reads.withLock { $0 } < 2_000, "\(store.reads.withLock { $0 }) reads of the store")
    }

    /// A settlement that hung (PagerDuty taking the request and saying nothing until the time
    /// limit) marks PagerDuty as a page that hung would: INC-2's page to alice, moments after,
    /// goes to her next method untried instead of waiting out the same time limit first.
    @Test func aSettlementThatHungPassesItsProviderOverForThePagesAfterIt() async throws {
        let (engine, clock, slack, pagerDuty, settle) = try await Self.pagingAlice("    pagerduty: PAGERDUTY_KEY_ALICE\n    contact: [pagerduty, slack]")
        _ = try await engine.handle(ChatEvent(platform: .slack, id: "Ev1", room: "C0LOBBY", user: "U0REPORTER",
                                              text: "/incident declare Payment API errors --sev P0"))
        try await settle()
        #expect(pagerDuty.directMessages.map(\.person) == ["alice"])
        pagerDuty.behave(.slowlyFailing(clock, takes: .seconds(10), slowCalls: 1_000, error: .unavailable("timed out")))
        _ = try await engine.acknowledge(PageAnswer(method: .email, id: "link-1", person: "alice", incident: 1, how: "mail link"))
        try await settle()
        #expect(pagerDuty.attempts == 2)
        _ = try await engine.handle(ChatEvent(platform: .slack, id: "Ev2", room: "C0LOBBY", user: "U0REPORTER",
                                              text: "/incident declare Search is down --sev P0"))
        try await settle()
        #expect(pagerDuty.attempts == 2, "INC-2's page was tried on PagerDuty")
        #expect(slack.directMessages.contains { $0.person == "alice" && $0.message.plainText().contains("INC-2") })
        let timeline = try await engine.store.read { try $0.timeline(incident: 2) }.map(\.text)
        #expect(timeline.contains { $0.hasPrefix("Page to @alice by pagerduty failed (not tried: it did not answer") }, "\(timeline)")
    }

    /// A store that counts its read transactions.
    final class CountedReads: IncidentStore {
        let store: any IncidentStore
        let reads = Mutex(0)
        init(_ store: any IncidentStore) { self.store = store }
        func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T { try await store.write(body) }
        func read<T: Sendable>(_ body: @escaping @Sendable (any IncidentRecords) throws -> T) async throws -> T {
            reads.withLock { $0 += 1 }
            return try await store.read(body)
        }
    }

    /// A P0 paging alice (`alice`: her roster lines), who acknowledges while PagerDuty is down;
    /// nobody updates, and two misses step the ladder to L2, alice again, by PagerDuty first.
    static func heldPage(alice: String, aliceOnSlack: Bool = true) async throws -> (CountedReads, RecordingTransport, RecordingTransport) {
        let (engine, clock, slack, pagerDuty, settle) = try await pagingAlice(alice, aliceOnSlack: aliceOnSlack)
        _ = try await engine.handle(ChatEvent(platform: .slack, id: "Ev1", room: "C0LOBBY", user: "U0REPORTER",
                                              text: "/incident declare Payment API errors --sev P0"))
        try await settle()
        // PagerDuty goes down; alice acknowledges, which queues the settlement of her alert.
        pagerDuty.behave(.down(retryAfter: nil))
        let acked = try await engine.acknowledge(PageAnswer(method: .email, id: "link-1", person: "alice", incident: 1, how: "mail link"))
        #expect(acked.disposition == .handled, "\(acked.reply?.plainText() ?? "")")
        try await TestBot.run(toMinute: 31, engine: engine, clock: clock, settle: settle)
        return (try #require(engine.store as? CountedReads), slack, pagerDuty)
    }

    /// An engine on Slack and PagerDuty whose on-call, alice (`alice`: her roster lines), is
    /// also the team lead, reached as the on-call is: PagerDuty, then chat; and `settle`, which
    /// fires what is due and drains the outbox.
    static func pagingAlice(_ alice: String, aliceOnSlack: Bool = true) async throws
        -> (Engine<ManualClock>, ManualClock, RecordingTransport, RecordingTransport, @Sendable () async throws -> Void) {
        var roster = try TestConfig.text("roster.example.yaml")
            .replacingOccurrences(of: "    prefer: slack               # pages go here first, then to the other platform", with: alice)
            .replacingOccurrences(of: "    L2: bob  ", with: "    L2: alice")
        if !aliceOnSlack {
            roster = roster.replacingOccurrences(of: "    slack: U0ALICE01            # Slack member id\n", with: "")
                .replacingOccurrences(of: "    matrix: \"@alice:example.org\"\n", with: "")
        }
        let policy = try Policy.load(yaml: try TestConfig.text("policy.yaml").replacingOccurrences(
            of: "        role: team lead\n        methods: [chat, phone]", with: "        role: team lead\n        methods: [pagerduty, chat]"),
            file: "policy.yaml")
        let settings = EngineSettings(policy: policy,
                                      roster: try Roster.load(yaml: roster, file: "roster.yaml", policy: policy),
                                      platforms: [.slack], pagers: [.pagerduty], broadcastRooms: TestBot.broadcast, mirror: false)
        let clock = ManualClock(start: TestConfig.start)
        let store = CountedReads(try SQLiteStore.inMemory())
        var logger = Logger(label: "settlement-hold")
        logger.logLevel = .critical
        let engine = Engine(store: store, clock: clock, settings: settings, logger: logger)
        let now: @Sendable () -> Timestamp = { clock.now }
        let slack = RecordingTransport(platform: .slack, now: now)
        let pagerDuty = RecordingTransport(method: .pagerduty, now: now)
        let delivery = Delivery(store: store, clock: clock, transports: [slack, pagerDuty], router: engine.router, wake: engine.deliveryWake,
                                jitter: { 1 }, logger: logger)
        let settle: @Sendable () async throws -> Void = {
            try await engine.fireDue()
            await delivery.drain()
        }
        return (engine, clock, slack, pagerDuty, settle)
    }
}
