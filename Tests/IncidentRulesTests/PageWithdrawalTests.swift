import Foundation
import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// Which pages still waiting in the outbox are withdrawn (`Incident.withdrawal(of:)`): those
/// whose ladder stopped after they were made, because someone answered while they waited. A
/// page made on a ladder already stopped, or by the decision that stopped it, goes out; a
/// person's own acknowledgement withdraws their pages made before it; and the severity's page
/// at once (P0: the VP engineering) is withdrawn only by a resolution or its person's answer.
@Suite struct PageWithdrawalTests {
    func pages(_ drill: Drill) -> [Page] {
        drill.effects.compactMap { _, effect in
            guard case .page(let page) = effect.action else { return nil }
            return page
        }
    }

    /// Why `person`'s latest page would be withdrawn now; nil: it goes.
    func withdrawal(_ drill: Drill, of person: PersonID) throws -> String? {
        drill.incident.withdrawal(of: try #require(pages(drill).last { $0.person == person }))
    }

    @Test func aP0DeclaredWithAnICPagesTheOnCallAndTheVP() throws {
        let drill = try Drill("/incident declare Payments down --sev P0 --ic @carol", by: Fixtures.responder)
        #expect(drill.incident.ladders["engineering"]?.stopped == .acknowledged)
        let vp = try #require(pages(drill).first { $0.person == "dave" })
        #expect(vp.level == "L4" && vp.atOnce == true)
        #expect(try withdrawal(drill, of: "dave") == nil)
        // Naming the IC acknowledges the on-call's page in the same decision: it still goes.
        #expect(try withdrawal(drill, of: "alice") == nil)
    }

    @Test func raisingToP0AfterAnAcknowledgementPagesTheVP() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1 --ic @carol", by: Fixtures.responder)
        try drill.run(to: 10)
        try drill.type("/sev P0 card payments failing", by: "carol")
        #expect(pages(drill).last?.atOnce == true)
        #expect(try withdrawal(drill, of: "dave") == nil)
        #expect(drill.timeline.contains { $0.text == "Paged @dave as VP engineering (engineering.L4, at once for the severity)." })
    }

    /// The IC went quiet: two missed updates of a P1 (every 30 minutes) step the acknowledged
    /// ladder to the team lead at minute 60, and that page goes out.
    @Test func aMissedUpdatesPageOnAnAcknowledgedLadderGoesOut() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1 --ic @carol", by: Fixtures.responder)
        try drill.run(to: 60)
        #expect(pages(drill).last { $0.person == "bob" }?.level == "L2")
        #expect(try withdrawal(drill, of: "bob") == nil)
    }

    /// The team lead named IC goes quiet: the missed updates reach the engineering manager
    /// above them, not the IC about their own silence (which left the manager a whole
    /// cadence later).
    @Test func aMissedUpdatesPagePassesOverTheQuietIC() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1 --ic @bob", by: Fixtures.responder)
        try drill.run(to: 90)
        #expect(!drill.pages.contains { $0.hasSuffix(" bob") }, "\(drill.pages)")
        #expect(drill.pages.first { $0.hasSuffix(" carol") } == "60 engineering.L3 carol", "\(drill.pages)")
    }

    /// An IC named before the team lead's page went out: delivery withdraws it, and the
    /// escalation view and the record say so instead of showing the team lead as paged.
    @Test func aWithdrawnPageIsNotShownAsPaged() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1", by: Fixtures.responder)
        try drill.run(to: 30)
        try drill.type("/ic @carol", by: Fixtures.responder)
        let page = try #require(pages(drill).first { $0.person == "bob" })
        let reason = try #require(drill.incident.withdrawal(of: page))
        let withdrawn = drill.incident.pageWithdrawn(page, reason: reason, at: Fixtures.at(30), roster: drill.roster, madeAt: Fixtures.at(30)).incident
        #expect(withdrawn.pages.filter { $0.withdrawn == true }.map(\.person) == ["bob"])
        let view = EscalationForecast(withdrawn, now: Fixtures.at(30), roster: drill.roster).message(for: withdrawn).plainText()
        let paged = view.components(separatedBy: "Never sent")
        #expect(paged.count == 2 && !paged[0].contains("@bob"), "\(view)")
        #expect(paged.last?.hasPrefix(" (withdrawn before it went out, or dropped by an operator; the timeline says why):") == true
                && paged.last?.contains("engineering.L2 team lead: @bob") == true, "\(view)")
        // One that may have gone out before a restart is not marked: it may have reached them.
        let doubted = drill.incident.pageWithdrawn(page, reason: reason, at: Fixtures.at(30), roster: drill.roster, mayHaveGoneOut: true)
        #expect(!doubted.incident.pages.contains { $0.withdrawn == true })
    }

    /// The declaration's page to the on-call says the incident exists: an IC named before it
    /// went out (in the same batch as the declaration, or while it retried behind an outage)
    /// does not withdraw it, as declaring with `--ic` does not. Its person's own answer, the
    /// mitigation or the resolution still do.
    @Test func theDeclarationsPageGoesThoughAnICIsNamedBeforeItWentOut() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1", by: Fixtures.responder)
        try drill.type("/ic @carol", by: Fixtures.responder)
        #expect(try withdrawal(drill, of: "alice") == nil)
        try drill.run(to: 5)
        #expect(try withdrawal(drill, of: "alice") == nil)
        var answered = drill
        try answered.type("/ack", by: "alice")
        #expect(try withdrawal(answered, of: "alice") == "@alice acknowledged")
        try drill.type("/incident mitigated", by: "carol")
        #expect(try withdrawal(drill, of: "alice") == "INC-1 is mitigated")
    }

    /// A P0 lowered and raised again: the VP who acknowledged is not phoned a second time.
    @Test func aRaiseDoesNotPageAgainWhoAlreadyAcknowledged() throws {
        var drill = try Drill("/incident declare Payments down --sev P0", by: Fixtures.responder)
        try drill.run(to: 10, script: [2: [("dave", "/ack")], 5: [(Fixtures.responder, "/sev P1 only one region")],
                                       8: [(Fixtures.responder, "/sev P0 all regions again")]])
        #expect(drill.pages.filter { $0.hasSuffix(" dave") } == ["0 engineering.L4 dave"], "\(drill.pages)")
    }

    /// Anyone served may post an update, but one from an unlisted account does not restart the
    /// timer: typed every ten minutes, it kept the missed-updates page from going out.
    @Test func updatesFromAnUnlistedAccountDoNotHoldBackTheMissedUpdatesPage() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1 --ic @carol", by: Fixtures.responder)
        var script: [Int: [(PersonID, String)]] = [:]
        for minute in stride(from: 10, through: 60, by: 10) { script[minute] = [(Fixtures.reporter, "/update all fine status: monitoring")] }
        try drill.run(to: 60, script: script)
        #expect(pages(drill).last { $0.person == "bob" }?.level == "L2")
        #expect(drill.incident.statusText != "monitoring")
        #expect(drill.incident.missedUpdates == 2)
        // Still posted, and recorded, as an update that restarted no timer.
        #expect(drill.timeline.filter { $0.kind == .bystanderUpdate }.count == 6)
        // Its author is told, even where the update's post in the room would stand for the reply
        // (Matrix): the post does not say it.
        let unlisted = try drill.type("/update still all fine", by: Fixtures.reporter)
        #expect(unlisted.replyAddsToPost && unlisted.reply?.plainText().contains("It does not restart the update timer") == true)
        // Made comms lead, the same account is one of the people a nudge asks: its update counts.
        try drill.type("/role comms <@U0REPORTER>", by: "carol")
        let counted = try drill.type("/update failing over", by: Fixtures.reporter)
        #expect(drill.incident.missedUpdates == 0)
        #expect(!counted.replyAddsToPost)
    }

    /// An IC named five minutes after the team lead's page answers it: if that page is still
    /// waiting (its methods down), it is withdrawn.
    @Test func aPageStillWaitingWhenSomeoneAnswersIsWithdrawn() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1")
        try drill.run(to: 35)
        try drill.type("/ic @carol", by: Fixtures.responder)
        #expect(try withdrawal(drill, of: "bob") == "the engineering ladder stopped (acknowledged)")
    }

    /// The on-call's page from the declaration still waits (its methods down) when someone else
    /// names her IC: she answered nothing, and it goes (behaviour.md section 5). It was
    /// withdrawn as "@alice acknowledged", and the on-call asleep never heard of the incident.
    /// Taking the incident herself is her answer, and withdraws it.
    @Test func anOnCallNamedICBySomeoneElseIsStillPaged() throws {
        var named = try Drill("/incident declare Payments slow --sev P1", by: Fixtures.responder)
        try named.type("/ic @alice", by: Fixtures.responder)
        #expect(named.incident.acknowledgedBy == ["alice"])
        #expect(try withdrawal(named, of: "alice") == nil)
        var took = try Drill("/incident declare Payments slow --sev P1", by: Fixtures.responder)
        try took.type("/ic @alice", by: "alice")
        #expect(try withdrawal(took, of: "alice") == "@alice acknowledged")
        // Declaring with her as IC pages her too, as declaring with anyone else does.
        let declared = try Drill("/incident declare Payments slow --sev P1 --ic @alice", by: Fixtures.responder)
        #expect(try withdrawal(declared, of: "alice") == nil)
    }

    /// An answer in the same minute as the page, decided after it, still withdraws it: the
    /// order is the incident's, not the clock's.
    @Test func anAnswerAtTheSameInstantButAfterThePageWithdrawsIt() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1")
        try drill.run(to: 30)
        try drill.type("/ic @carol", by: Fixtures.responder)
        #expect(try withdrawal(drill, of: "bob") == "the engineering ladder stopped (acknowledged)")
    }

    /// Bob, paged for missed updates after the IC's naming stopped the ladder, answers: his
    /// own page is settled with PagerDuty, which the stop's settlement did not cover.
    @Test func aLaterAcknowledgementSettlesTheAnswerersOwnPage() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1 --ic @carol", by: Fixtures.responder)
        try drill.run(to: 60)
        let decision = try drill.type("/ack", by: "bob")
        let settled = decision.effects.compactMap { effect -> [PagedLevel]? in
            guard case .settlePages(let settlement) = effect.action, settlement.outcome == .acknowledged else { return nil }
            return settlement.pages
        }
        #expect(settled == [[PagedLevel(person: "bob", ladder: "engineering", level: "L2")]])
    }

    /// The alerts `decision` acknowledges with PagerDuty.
    static func acknowledgedAlerts(_ decision: Decision) -> [PagedLevel] {
        decision.effects.flatMap { effect -> [PagedLevel] in
            guard case .settlePages(let settlement) = effect.action, settlement.outcome == .acknowledged else { return [] }
            return settlement.pages
        }
    }

    /// The on-call acknowledges a P0: the ladder's alerts are acknowledged with PagerDuty,
    /// but not the VP's page at once, which someone else's answer does not make less worth
    /// knowing about (PagerDuty's own rules for the VP still run). His own answer settles it.
    @Test func someoneElsesAcknowledgementLeavesTheVPsAlertOpen() throws {
        var drill = try Drill("/incident declare Payments down --sev P0", by: Fixtures.responder)
        try drill.run(to: 1)
        let byAlice = Self.acknowledgedAlerts(try drill.type("/ack", by: "alice"))
        #expect(byAlice.contains(PagedLevel(person: "alice", ladder: "engineering", level: "L1")), "\(byAlice)")
        #expect(!byAlice.contains { $0.person == "dave" }, "\(byAlice)")
        #expect(Self.acknowledgedAlerts(try drill.type("/ack", by: "dave")) == [PagedLevel(person: "dave", ladder: "engineering", level: "L4")])
    }

    /// A policy whose P0 pages the on-call at once, the level its climb starts at: the two
    /// pages fold into one, which is still the severity's page at once. The team lead's
    /// acknowledgement leaves the on-call's alert open; the on-call's own settles it.
    @Test func aPageAtOnceFoldedIntoTheClimbsFirstStaysOpenForOthersAnswers() throws {
        let yaml = try Fixtures.text("policy.yaml").replacingOccurrences(of: "page_at_once: [engineering.L4]", with: "page_at_once: [engineering.L1]")
        let policy = try Policy.load(yaml: yaml, file: "policy.yaml")
        let roster = try Roster.load(yaml: Fixtures.text("roster.example.yaml"), file: "roster.example.yaml", policy: policy)
        var drill = try Drill("/incident declare Payments down --sev P0", by: Fixtures.responder, policy: policy, roster: roster)
        #expect(drill.incident.pages.contains { $0.person == "alice" && $0.reason == .immediate }, "\(drill.incident.pages)")
        try drill.run(to: 16)
        let byBob = Self.acknowledgedAlerts(try drill.type("/ack", by: "bob"))
        #expect(!byBob.contains { $0.person == "alice" }, "\(byBob)")
        #expect(Self.acknowledgedAlerts(try drill.type("/ack", by: "alice")).contains(PagedLevel(person: "alice", ladder: "engineering", level: "L1")))
    }

    /// Dave was paged at once for a P0 declared with an IC. The IC then goes quiet and the
    /// steps for missed updates reach him again: his earlier alert is resolved first, so the
    /// new page opens an alert that notifies (PagerDuty folds a trigger into an open alert of
    /// the same key, silently).
    @Test func aPageAfterTheLaddersStopClosesTheAcknowledgedAlertFirst() throws {
        var drill = try Drill("/incident declare Payments down --sev P0 --ic @carol", by: Fixtures.responder)
        let pagedBefore = drill.effects.count
        try drill.run(to: 120)
        let later = drill.effects.dropFirst(pagedBefore).map(\.effect.action)
        guard let repage = later.firstIndex(where: { if case .page(let page) = $0 { page.person == "dave" } else { false } }) else {
            Issue.record("dave was not paged again: \(drill.timeline.map(\.text))")
            return
        }
        let closes = later[..<repage].contains { action in
            if case .settlePages(let settlement) = action {
                settlement.outcome == .resolved && settlement.pages == [PagedLevel(person: "dave", ladder: "engineering", level: "L4")]
            } else { false }
        }
        #expect(closes, "\(later)")
        // Bob, paged for the first time by a step, has no alert to close.
        let closedForBob = later.contains { action in
            if case .settlePages(let settlement) = action { settlement.pages.contains { $0.person == "bob" } } else { false }
        }
        #expect(!closedForBob)
    }

    /// Bob's page for missed updates, made after the ladder stopped, is still retrying when he
    /// acknowledges in chat: it is answered, and not sent.
    @Test func aPageItsPersonAnsweredAfterItWasMadeIsWithdrawn() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1 --ic @carol", by: Fixtures.responder)
        try drill.run(to: 60)
        #expect(try withdrawal(drill, of: "bob") == nil)
        try drill.type("/ack", by: "bob")
        #expect(try withdrawal(drill, of: "bob") == "@bob acknowledged")
    }

    @Test func aResolvedIncidentWithdrawsEvenThePageAtOnce() throws {
        var drill = try Drill("/incident declare Payments down --sev P0", by: Fixtures.responder)
        try drill.run(to: 1)
        try drill.type("/incident resolve false alarm", by: "carol")
        #expect(try withdrawal(drill, of: "dave") == "INC-1 is resolved")
    }

    /// A ladder whose `stop_on` leaves `resolved` out still climbs no further once the incident
    /// is resolved: no pages recorded that are then withdrawn, nobody invited to a finished room.
    @Test func aResolvedIncidentClimbsNoLadderWhateverItsStopOn() throws {
        var policy = try Fixtures.policy()
        let index = try #require(policy.ladders.firstIndex { $0.id == "engineering" })
        policy.ladders[index].stopOn = [.acknowledged]
        var drill = try Drill("/incident declare Payments slow --sev P1", policy: policy)
        try drill.run(to: 1)
        try drill.type("/incident resolve false alarm", by: "carol")
        let before = drill.pages.count
        try drill.run(to: 300)
        #expect(drill.pages.count == before)
        #expect(drill.incident.schedule.allSatisfy { if case .ladderStep = $0.kind { false } else { true } })
    }

    /// Missed updates before the severity went to one without a cadence are not "in a row" with
    /// those after it is raised again: the first miss after the raise is a nudge, not a page.
    @Test func missedUpdatesStartOverWhenTheCadenceIsSwitchedOff() throws {
        var drill = try Drill("/incident declare Payments slow --sev P1 --ic @carol", by: Fixtures.responder)
        try drill.run(to: 61)
        #expect(drill.incident.missedUpdates == 2)
        try drill.type("/sev P3", by: "carol")
        #expect(drill.incident.missedUpdates == 0)
        try drill.run(to: 200)
        try drill.type("/sev P1", by: "carol")
        let before = drill.pages.count
        try drill.run(to: 231)
        #expect(drill.incident.missedUpdates == 1)
        #expect(drill.pages.count == before)
    }
}
