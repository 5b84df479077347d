import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// The roster edited while a page waits unanswered: alice, on call, does not answer her P1
/// page, and the lead puts dave on call in her place and restarts the bot. Dave was never
/// paged: the page stayed with alice until bob's at minute 30.
@Suite struct RosterEditHandoverTests {
    /// `inTokyo`: dave keeps Tokyo's hours, 09:00 there being 00:00 UTC.
    func roster(onCall: String, lead: String = "bob", inTokyo: Bool = false) throws -> Roster {
        var text = try Fixtures.text("roster.example.yaml")
            .replacing("people: [alice]             # add people to rotate, e.g. [alice, bob]", with: "people: [\(onCall)]")
            .replacing("L2: bob                            # team lead", with: "L2: \(lead)")
        if inTokyo {
            text = text.replacing("    contact: [voice, sms, slack]   # a call wakes the VP; chat last",
                                  with: "    contact: [voice, sms, slack]\n    time_zone: Asia/Tokyo")
        }
        return try Roster.load(yaml: text, file: "roster.yaml", policy: Fixtures.policy())
    }

    /// A P3 declared on Friday evening holds alice's page for Monday 09:00 UTC. Dave, who keeps
    /// Tokyo's hours, is put on call and the bot restarted: the page waits for his Monday 09:00
    /// (00:00 UTC), and the room hears so at the restart. Judged at alice's time, his hours were
    /// found closed: the room heard on Monday at 09:00 UTC that the page waited for Tuesday.
    @Test func aHeldPageWaitsForTheHoursOfWhoeverIsOnCallNow() throws {
        let friday = Timestamp(iso8601: "2026-11-27T18:00:00Z")!
        var drill = try Drill("/incident declare Search slow --sev P3", at: friday)
        try drill.run(to: 60)
        #expect(drill.pages.isEmpty, "\(drill.pages)")
        let mondayInTokyo = 54 * 60  // Monday 00:00 UTC
        drill.restart(with: try roster(onCall: "dave", inTokyo: true))
        #expect(drill.incident.ladders["engineering"]?.nextStepAt == friday + .minutes(mondayInTokyo))
        #expect(drill.posts(to: .incidentRoom).last?.contains("2026-11-30 00:00 UTC") == true, "\(drill.posts(to: .incidentRoom))")
        // The same restart again moves nothing, and says nothing.
        let said = drill.posts(to: .incidentRoom).count
        drill.restart(with: try roster(onCall: "dave", inTokyo: true))
        #expect(drill.posts(to: .incidentRoom).count == said)
        try drill.run(to: mondayInTokyo + 1)
        #expect(drill.pages == ["\(mondayInTokyo) engineering.L1 dave"], "\(drill.pages)")

        // Put back on alice's hours before the opening, the page waits for hers again.
        var back = try Drill("/incident declare Search slow --sev P3", at: friday)
        try back.run(to: 60)
        back.restart(with: try roster(onCall: "dave", inTokyo: true))
        try back.run(to: 120)
        back.restart(with: try roster(onCall: "alice"))
        try back.run(to: 63 * 60 + 1)
        #expect(back.pages == ["\(63 * 60) engineering.L1 alice"], "\(back.pages)")
    }

    /// A P2 declared at 20:00 UTC holds alice's page until 09:00; she is put on New York's
    /// clock and the bot restarted at 01:00: the page waits until 14:00 UTC, and the targets and
    /// the first update count from then. They counted from 09:00: the room heard the target to
    /// acknowledge was missed at 11:00, three hours before anyone was paged.
    @Test func theTargetsAndTheFirstUpdateFollowAHeldPageMoved() throws {
        var drill = try Drill("/incident declare Queue backlog --sev P2", at: Timestamp(iso8601: "2026-11-24T20:00:00Z")!)
        #expect(drill.incident.nextUpdateDue == Timestamp(iso8601: "2026-11-25T11:00:00Z"))
        try drill.run(to: 5 * 60)
        let edited = try Fixtures.text("roster.example.yaml")
            .replacing("    prefer: slack               # pages go here first, then to the other platform\n  bob:",
                       with: "    prefer: slack\n    time_zone: America/New_York\n  bob:")
        drill.restart(with: try Roster.load(yaml: edited, file: "roster.yaml", policy: Fixtures.policy()))
        let opens = Timestamp(iso8601: "2026-11-25T14:00:00Z")!
        #expect(drill.incident.ladders["engineering"]?.nextStepAt == opens)
        #expect(drill.incident.nextUpdateDue == opens + .hours(2))
        #expect(drill.incident.responseClocks.first { $0.target == .acknowledge }?.started == opens, "\(drill.incident.responseClocks)")
        #expect(drill.effects.contains { _, effect in
            if case .setTopic(let topic) = effect.action { topic.plainText().contains("16:00") } else { false }
        }, "the topic names the new update time")
        try drill.run(to: 18 * 60 + 1)
        #expect(!drill.posts(to: .incidentRoom).contains { $0.hasPrefix("⌛") }, "\(drill.posts(to: .incidentRoom))")
        #expect(drill.pages == ["\(18 * 60) engineering.L1 alice"], "\(drill.pages)")
    }

    @Test func anOnCallPutInTheRosterByHandIsPagedAtTheRestart() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 5)
        drill.restart(with: try roster(onCall: "dave"))
        try drill.run(to: 30)
        #expect(drill.pages == ["0 business.L1 erin", "0 engineering.L1 alice", "5 engineering.L1 dave", "30 engineering.L2 bob"],
                "\(drill.pages)")
        #expect(drill.posts(to: .incidentRoom).contains(
            "🔄 @dave is on-call engineer (engineering.L1) in the roster now, in place of @alice; the unanswered page moves to them."))
        let alices = Page(person: "alice", ladder: "engineering", level: "L1", role: "on-call engineer", message: Message(.text("")),
                          methods: [], severity: .p1)
        #expect(drill.incident.withdrawal(of: alices) != nil)
    }

    /// Alice's page was withdrawn before it went out (the level moved to dave while it
    /// retried): it reached nobody, so it lets her stop nothing. A bare `ACK` she texted for
    /// another incident landed here and stopped the climb whose page dave had not answered.
    @Test func aPageWithdrawnBeforeItWentOutLetsItsPersonStopNothing() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 5)
        drill.restart(with: try roster(onCall: "dave"))
        let alices = try #require(drill.effects.lazy.compactMap { _, effect -> Page? in
            if case .page(let page) = effect.action, page.person == "alice" { page } else { nil }
        }.first)
        let reason = try #require(drill.incident.withdrawal(of: alices))
        let withdrawn = drill.incident.pageWithdrawn(alices, reason: reason, at: Fixtures.at(5), roster: drill.roster, madeAt: Fixtures.at(0))
        drill.absorb(withdrawn)
        #expect(throws: IncidentError.self) { try drill.type("/ack", by: "alice") }
        #expect(drill.incident.ladders["engineering"]?.stopped == nil)
        #expect(!drill.incident.awaitsAcknowledgement(from: "alice"))
        try drill.run(to: 30)
        #expect(drill.pages.last == "30 engineering.L2 bob", "\(drill.pages)")
        try drill.type("/ack", by: "dave")
        #expect(drill.incident.ladders["engineering"]?.stopped == .acknowledged)
    }

    /// The level the climb reached moves, not one below it; a restart with the roster as it
    /// was moves nothing; an acknowledged ladder moves nothing.
    @Test func onlyTheClimbsLevelMovesAndOnlyWhenItsPersonChanged() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 35)
        drill.restart(with: try roster(onCall: "dave"))
        drill.restart(with: try roster(onCall: "dave"))
        #expect(drill.pages.filter { $0.hasPrefix("35 ") }.isEmpty, "\(drill.pages)")
        drill.restart(with: try roster(onCall: "dave", lead: "grace"))
        #expect(drill.pages.filter { $0.hasPrefix("35 ") } == ["35 engineering.L2 grace"], "\(drill.pages)")
        try drill.type("/ack", by: "grace")
        drill.restart(with: try roster(onCall: "dave", lead: "frank"))
        #expect(drill.pages.filter { $0.hasPrefix("35 ") } == ["35 engineering.L2 grace"], "\(drill.pages)")
    }
}
