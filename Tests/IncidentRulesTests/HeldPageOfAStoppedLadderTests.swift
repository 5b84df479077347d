import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// A P2 declared out of working hours with an IC named: the on-call's page waits for the
/// opening, and naming the IC stops the climb but not that page (behaviour.md section 5). It
/// was dropped with the climb: the room was told the page would go at 09:00, and nobody was
/// paged. On the shipped policy and the example roster: alice is the on-call, bob the team lead.
@Suite struct HeldPageOfAStoppedLadderTests {
    /// Friday 22:00 UTC; Monday 09:00 is minute 59 × 60.
    static let fridayNight = Timestamp(iso8601: "2026-11-27T22:00:00Z")!
    static let monday = 59 * 60

    func drill() throws -> Drill {
        try Drill("/incident declare Search slow --sev P2 --ic @carol", by: Fixtures.responder, at: Self.fridayNight)
    }

    @Test func theHeldPageGoesAtTheOpeningAndTheLadderDoesNotClimb() throws {
        var drill = try drill()
        #expect(drill.posts(to: .incidentRoom).contains { $0.contains("waits until") }, "\(drill.posts(to: .incidentRoom))")
        let engineering = try #require(drill.incident.ladders["engineering"])
        #expect(engineering.stopped == .acknowledged)
        // `/incident escalation` says who is paged on Monday.
        let forecast = EscalationForecast(drill.incident, now: drill.origin, roster: drill.roster)
        #expect(forecast.upcoming.first.map { "\($0.at) \($0.person)" } == "\(drill.origin + .minutes(Self.monday)) alice")
        #expect(forecast.held.map(\.until) == [drill.origin + .minutes(Self.monday)])
        // One line says the ladder stopped and its held page still goes, not two that read as
        // if they disagreed.
        let view = forecast.message(for: drill.incident).plainText()
        #expect(view.contains("The engineering ladder has stopped (acknowledged); the page it holds for working hours still goes: "
                              + "engineering.L1 is paged at 2026-11-30 09:00 UTC.") && !view.contains("ladder has stopped: acknowledged"), "\(view)")

        // Until the second missed update (11:00 and 13:00) steps to the team lead, the on-call's
        // page is the only one: the stopped ladder does not climb on its own.
        try drill.run(to: Self.monday + 4 * 60 - 1)
        #expect(drill.pages == ["\(Self.monday) engineering.L1 alice"], "\(drill.pages)")
        // Settled with the stop it came with, as the page declaring with --ic sends in working
        // hours: PagerDuty's own escalation does not climb on from it.
        let settled = drill.effects.filter { $0.minute == Self.monday }.compactMap { _, effect -> PageSettlement? in
            if case .settlePages(let settlement) = effect.action { settlement } else { nil }
        }
        #expect(settled.map(\.outcome) == [.acknowledged] && settled.first?.pages.map(\.person) == ["alice"], "\(settled)")
        #expect(drill.incident.ladders["engineering"]?.heldPage == nil)
        #expect(drill.incident.ladders["engineering"]?.nextStepAt == nil)
        try drill.run(to: Self.monday + 4 * 60)
        #expect(drill.pages.last == "\(Self.monday + 4 * 60) engineering.L2 bob", "\(drill.pages)")
    }

    @Test func theHeldPageIsNotSentOnceTheIncidentIsMitigated() throws {
        var drill = try drill()
        try drill.run(to: Self.monday + 60, script: [120: [(Fixtures.responder, "/incident mitigated")]])
        #expect(drill.pages.isEmpty, "\(drill.pages)")
        #expect(EscalationForecast(drill.incident, now: drill.origin + .minutes(drill.minute), roster: drill.roster).held.isEmpty)
    }

    /// The on-call who declared takes the incident on Saturday (`/ic @alice`, typed by her):
    /// she acknowledged, and is not paged on Monday.
    @Test func theHeldPageIsNotSentToAnOnCallWhoAcknowledged() throws {
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @carol", by: "alice", at: Self.fridayNight)
        try drill.run(to: 120, script: [120: [("alice", "/ic @alice")]])
        #expect(EscalationForecast(drill.incident, now: drill.origin + .minutes(120), roster: drill.roster).held.isEmpty)
        try drill.run(to: Self.monday + 60)
        #expect(drill.pages.isEmpty, "\(drill.pages)")
    }

    /// Named IC on Saturday by the IC before her, the on-call answered nothing: her held page
    /// still goes on Monday (behaviour.md section 5). It was dropped as if she had answered.
    @Test func theHeldPageStillGoesToAnOnCallSomeoneElseNamedIC() throws {
        var drill = try drill()
        try drill.run(to: 120, script: [120: [(Fixtures.responder, "/ic @alice")]])
        #expect(EscalationForecast(drill.incident, now: drill.origin + .minutes(120), roster: drill.roster).held.map(\.until)
                    == [drill.origin + .minutes(Self.monday)])
        try drill.run(to: Self.monday + 60)
        #expect(drill.pages == ["\(Self.monday) engineering.L1 alice"], "\(drill.pages)")
    }

    /// The on-call's `/ack` before her held page goes is told when it goes (audit s71b): she
    /// was refused as if someone else had been paged ("Only people paged for INC-1 can
    /// acknowledge."), though the page is hers.
    @Test func theOnCallsEarlyAckIsToldWhenHerHeldPageGoes() throws {
        var drill = try drill()
        let refusal = #expect(throws: IncidentError.self) { try drill.type("/ack", by: "alice") }
        #expect(refusal?.description == "Your page for INC-1 waits for working hours, until 2026-11-30 09:00 UTC. @carol is its incident commander; "
                + "nothing is yours to acknowledge before it goes.", "\(String(describing: refusal))")
        try drill.run(to: Self.monday + 1)
        #expect(drill.pages == ["\(Self.monday) engineering.L1 alice"], "\(drill.pages)")
    }

    /// Raised to P1, which pages around the clock: the held page goes at once, as a climbing
    /// ladder's would, and the stopped ladder does not climb on its own (only for missed updates,
    /// the second of which comes at 90).
    @Test func aRaiseToASeverityThatPagesAtNightSendsItAtOnce() throws {
        var drill = try drill()
        try drill.run(to: 80, script: [30: [(Fixtures.responder, "/sev P1 spreading")]])
        #expect(drill.pages.filter { $0.contains("engineering") } == ["30 engineering.L1 alice"], "\(drill.pages)")
    }

    /// The on-call keeps New York's hours: the hold opens at 09:00 there, 14:00 UTC, after the
    /// second missed update (13:00 on the policy's clock: carol, the IC, works it and owes
    /// updates on the policy's hours). That step is the held page, as for a climbing ladder's:
    /// it used to page the team lead and drop alice's page unseen.
    @Test func aMissedUpdateWhileThePageIsHeldDoesNotDropIt() throws {
        var roster = try Fixtures.roster()
        roster.people["alice"]?.zone = LocalZone(identifier: "America/New_York")
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @carol", by: Fixtures.responder, roster: roster,
                              at: Self.fridayNight)
        try drill.run(to: Self.monday + 5 * 60)
        #expect(drill.pages == ["\(Self.monday + 5 * 60) engineering.L1 alice"], "\(drill.pages)")
        // The nudges say when that page goes: the opening of her hours, not the policy's.
        let nudges = drill.posts(to: .incidentRoom).filter { $0.contains("missed in a row") }
        #expect(nudges.last?.contains("2 updates missed in a row: the next page waits for working hours, until 14:00 UTC.") == true,
                "\(nudges)")
    }

    /// Nobody has taken the incident on: the update clock waits for the on-call's first page,
    /// held for her New York morning, and the kickoff names that time. Missed updates counted
    /// from the policy's 09:00 paged the team lead two hours after her first page.
    @Test func withNobodyOnItTheUpdateClockWaitsForTheHeldFirstPage() throws {
        var roster = try Fixtures.roster()
        roster.people["alice"]?.zone = LocalZone(identifier: "America/New_York")
        var drill = try Drill("/incident declare Search slow --sev P2", by: Fixtures.responder, roster: roster, at: Self.fridayNight)
        #expect(drill.posts(to: .incidentRoom).first?.contains("Next status update due: 2026-11-30 16:00 UTC (every 2h)") == true)
        try drill.run(to: Self.monday + 5 * 60)
        #expect(drill.pages == ["\(Self.monday + 5 * 60) engineering.L1 alice"], "\(drill.pages)")
        #expect(!drill.posts(to: .incidentRoom).contains { $0.contains("overdue") }, "\(drill.posts(to: .incidentRoom))")
        try drill.run(to: Self.monday + 7 * 60)
        let nudges = drill.posts(to: .incidentRoom).filter { $0.contains("overdue") }
        #expect(nudges.count == 1 && nudges.first?.contains("(due 16:00 UTC;") == true, "\(nudges)")
    }

    /// The declaration's page held for Monday still goes when an IC is named on Saturday, as
    /// it does when the declaration names the IC: the on-call hears of the incident either
    /// way (it was dropped, and whether alice heard of it hung on `--ic` against `/ic`).
    /// A hold of a later step (the team lead's, the on-call paged already) is dropped by the
    /// stop, as a page still waiting in the outbox is withdrawn; and the on-call named IC is
    /// not paged about her own incident.
    @Test func theDeclarationsHeldPageGoesThoughAnICIsNamedMeanwhile() throws {
        var drill = try Drill("/incident declare Search slow --sev P2", by: Fixtures.responder, at: Self.fridayNight)
        try drill.run(to: Self.monday + 60, script: [120: [(Fixtures.responder, "/ic @carol")]])
        #expect(drill.pages == ["\(Self.monday) engineering.L1 alice"], "\(drill.pages)")
        var taken = try Drill("/incident declare Search slow --sev P2", by: Fixtures.responder, at: Self.fridayNight)
        try taken.run(to: Self.monday + 60, script: [120: [("alice", "/ic @alice")]])
        #expect(taken.pages.isEmpty, "\(taken.pages)")
        var mitigated = try Drill("/incident declare Search slow --sev P2", by: Fixtures.responder, at: Self.fridayNight)
        try mitigated.run(to: Self.monday + 60, script: [120: [(Fixtures.responder, "/ic @carol")],
                                                         180: [("carol", "/incident mitigated")]])
        #expect(mitigated.pages.isEmpty, "\(mitigated.pages)")
    }

    /// A held later step ends with the stop: the P2's team lead, held from Friday 18:00 for
    /// Monday, is not paged once an IC is named on Saturday.
    @Test func aHoldOfALaterStepEndsWithTheStop() throws {
        let friday = Timestamp(iso8601: "2026-11-27T14:00:00Z")!
        var drill = try Drill("/incident declare Search slow --sev P2", by: Fixtures.responder, at: friday)
        try drill.run(to: 20 * 60, script: [20 * 60: [(Fixtures.responder, "/ic @carol")]])
        #expect(drill.incident.ladders["engineering"]?.heldPage == nil, "\(drill.pages)")
        try drill.run(to: 67 * 60 + 30)  // Monday 09:30
        #expect(drill.pages == ["0 engineering.L1 alice"], "\(drill.pages)")
    }
}

extension HeldPageOfAStoppedLadderTests {
    /// The on-call declaring out of hours and taking the incident herself acknowledges it, so
    /// no page of hers waits for the opening, and the room is not told one does.
    @Test func theOnCallTakingTheIncidentHasNoHeldPageAndNoneIsAnnounced() throws {
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @alice", by: "alice", at: Self.fridayNight)
        #expect(!drill.posts(to: .incidentRoom).contains { $0.contains("waits until") }, "\(drill.posts(to: .incidentRoom))")
        #expect(EscalationForecast(drill.incident, now: drill.origin, roster: drill.roster).held.isEmpty)
        try drill.run(to: Self.monday + 60)
        #expect(!drill.pages.contains { $0.hasSuffix("alice") }, "\(drill.pages)")
    }

    /// Named IC by the declarer, the on-call answered nothing: her page waits for the opening
    /// and goes then, as it does with anyone else named (behaviour.md section 5).
    @Test func theOnCallNamedICBySomeoneElseIsPagedAtTheOpening() throws {
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @alice", by: Fixtures.responder, at: Self.fridayNight)
        #expect(drill.posts(to: .incidentRoom).contains { $0.contains("waits until") }, "\(drill.posts(to: .incidentRoom))")
        try drill.run(to: Self.monday + 60)
        #expect(drill.pages == ["\(Self.monday) engineering.L1 alice"], "\(drill.pages)")
    }
}
