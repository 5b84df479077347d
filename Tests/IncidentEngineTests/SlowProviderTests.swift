import Foundation
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentTesting
import Logging
import Testing

/// A provider that answers slowly but answers held every other person's page on it behind the
/// one under way: with a relay taking 25 s a mail, a P0's four mail pages left at +0, +25, +50
/// and +75 s, and the director's page, due at once, at +100 s. Pages for different people on a
/// provider are now attempted together (docs/paging.md).
@Suite struct SlowProviderTests {
    /// The example roster with alice reachable by phone alone, as dave is first: a P0 calls
    /// both at once (the on-call, and the VP paged at once).
    static func roster() throws -> Roster {
        let text = try TestConfig.text("roster.example.yaml").replacing(
            "    slack: U0ALICE01            # Slack member id\n    matrix: \"@alice:example.org\"\n    prefer: slack               # pages go here first, then to the other platform\n",
            with: "    phone: \"+15550100001\"\n    contact: [voice]\n")
        return try Roster.load(yaml: text, file: "roster.yaml", policy: TestConfig.policy())
    }

    @Test func pagesForDifferentPeopleDoNotWaitForEachOthersAnswer() async throws {
        let bot = try TestBot(pagers: [.voice], roster: Self.roster())
        let voice = try #require(bot.pagers[.voice])
        voice.behave(.hanging)
        try await bot.say("U0ERIN005", "/incident declare Checkout is down --sev P0")
        let delivering = Task { await bot.delivery.drain() }
        // Both calls are under way before either answers: one at a time, alice's waited for
        // dave's (or dave's for hers) for as long as it took.
        try await voice.waitForAttempts(2)
        #expect(voice.attempts == 2)
        // The relay answers again: the two attempts fail as timed out, and each is tried again
        // once, after its backoff.
        voice.behave(.working)
        await delivering.value
        bot.clock.advance(by: .minutes(1))
        await bot.delivery.drain()
        #expect(voice.attempts == 4)
        #expect(voice.directMessages.map(\.person).sorted() == ["alice", "dave"], "\(voice.directMessages.map(\.person))")
    }

    /// Pages attempted together are recorded whatever the others did: a delivery started
    /// afresh (a restart, a new leader) does not call again the one that went while the
    /// other's call failed. A guard, not a reproduction: the early return that left a send of
    /// the group unrecorded needs a stop at a moment a test cannot reach from outside.
    @Test func aPageSentTogetherIsRecordedWhateverTheOthersDid() async throws {
        let bot = try TestBot(pagers: [.voice], roster: Self.roster())
        let voice = try #require(bot.pagers[.voice])
        voice.behave(.failing(calls: 1))
        try await bot.say("U0ERIN005", "/incident declare Checkout is down --sev P0")
        await bot.delivery.drain()
        #expect(voice.attempts == 2 && voice.directMessages.count == 1, "\(voice.directMessages.map(\.person))")
        let called = try #require(voice.directMessages.first?.person)
        let pending = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.method == .voice }
        #expect(pending.count == 1 && pending.allSatisfy { $0.attempts == 1 }, "\(pending.map(\.key))")

        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let afresh = Delivery(store: bot.store, clock: bot.clock, transports: [bot.slack, bot.matrix, voice], router: bot.engine.router,
                              wake: bot.engine.deliveryWake, retry: .init(), jitter: { 1 }, logger: logger)
        bot.clock.advance(by: .minutes(1))
        await afresh.drain()
        #expect(voice.directMessages.filter { $0.person == called }.count == 1, "\(voice.directMessages.map(\.person))")
        #expect(voice.directMessages.count == 2)
    }

    /// A provider down for a while, then answering again: the pages that waited out its
    /// backoff go as soon as one attempt gets through, not when their grown waits end. After
    /// PagerDuty came back, an acknowledgement made during its outage reached it a minute
    /// later, while PagerDuty could escalate the alert.
    @Test func aProviderAnsweringAgainSendsWhatWaitedOutItsBackoff() async throws {
        let bot = try TestBot(retry: .init(base: .seconds(60), ceiling: .minutes(5), pageAttemptsBeforeFailover: 10),
                              pagers: [.voice], roster: Self.roster())
        let voice = try #require(bot.pagers[.voice])
        voice.behave(.down(retryAfter: nil))
        try await bot.say("U0ERIN005", "/incident declare Checkout is down --sev P0")
        await bot.delivery.drain()
        #expect(voice.directMessages.isEmpty && voice.attempts == 2)

        // Ten seconds on, the provider answers; a new incident's calls get through, and INC-1's,
        // waiting until a minute, go with them.
        voice.behave(.working)
        bot.clock.advance(by: .seconds(10))
        try await bot.say("U0ERIN005", "/incident declare Search is down --sev P0")
        await bot.delivery.drain()
        let calls = voice.directMessages.map { "\($0.person) \(($0.at - TestConfig.start).components.seconds)" }.sorted()
        #expect(calls == ["alice 10", "alice 10", "dave 10", "dave 10"], "\(calls)")
    }
}
