import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// The on-call rotation filling engineering L1 hands over at 10:20 UTC (every day, dave then
/// alice: alice is on call at 10:00, dave from 10:20), while a P1 declared at 10:00 waits.
@Suite struct RotationHandoverTests {
    func roster() throws -> Roster {
        let roster = try onCall("dave, alice", from: "2026-11-24T10:20:00Z")
        #expect(roster.onDuty(LevelRef(ladder: "engineering", level: "L1"), at: Fixtures.at(0)) == "alice")
        #expect(roster.onDuty(LevelRef(ladder: "engineering", level: "L1"), at: Fixtures.at(20)) == "dave")
        return roster
    }

    /// The example roster with the business level `filled` (`L1: erin `, as the file writes it)
    /// filled instead by a daily rotation `name` of `people`, handing over from `handover`.
    func roster(rotating filled: String, as name: String, people: [String], from handover: String) throws -> (yaml: String, roster: Roster) {
        let level = filled.prefix { $0 != ":" }
        let text = try Fixtures.text("roster.example.yaml")
            .replacing("rotations:\n", with: "rotations:\n  \(name):\n    people: [\(people.joined(separator: ", "))]\n    handover: \(handover)\n    every: 1d\n")
            .replacing(filled, with: "\(level): { rotation: \(name) } ")
        return (text, try Roster.load(yaml: text, file: "roster.yaml", policy: Fixtures.policy()))
    }

    /// The example roster with its on-call rotation of `people` handing over from `handover`
    /// each `every`, and `edits` (find, replace) made to the file besides.
    func onCall(_ people: String, from handover: String, every: String = "1d", _ edits: [(String, String)] = []) throws -> Roster {
        var text = try Fixtures.text("roster.example.yaml")
            .replacing("people: [alice]             # add people to rotate, e.g. [alice, bob]", with: "people: [\(people)]")
            .replacing("handover: 2026-01-05T09:00:00Z   # a Monday, 09:00 UTC\n    every: 1w", with: "handover: \(handover)\n    every: \(every)")
        for (find, replace) in edits { text = text.replacing(find, with: replace) }
        return try Roster.load(yaml: text, file: "roster.yaml", policy: Fixtures.policy())
    }

    @Test func anUnansweredPageMovesToWhoeverIsOnCallNow() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1", roster: roster())
        try drill.run(to: 60)
        #expect(drill.pages == ["0 business.L1 erin", "0 engineering.L1 alice", "20 engineering.L1 dave",
                                "30 engineering.L2 bob", "60 business.L2 frank", "60 engineering.L3 carol"])
        #expect(drill.posts(to: .incidentRoom).contains(
            "🔄 @dave is on call now as on-call engineer (engineering.L1), taking over from @alice; the unanswered page moves to them."))
        #expect(drill.timeline.contains { $0.text == "Paged @dave as on-call engineer (engineering.L1, the level passed to them)." })
        // alice's page, if it still waited in the outbox, is withdrawn.
        let alices = Page(person: "alice", ladder: "engineering", level: "L1", role: "on-call engineer", message: Message(.text("")),
                          methods: [], severity: .p1)
        #expect(drill.incident.withdrawal(of: alices) == "the rotation handed engineering.L1 over to @dave")
        let daves = Page(person: "dave", ladder: "engineering", level: "L1", role: "on-call engineer", message: Message(.text("")),
                         methods: [], severity: .p1)
        #expect(drill.incident.withdrawal(of: daves) == nil)
        // A provider that keeps alice's page as an incident of its own (PagerDuty) closes it.
        let settled = drill.effects.compactMap { minute, effect -> String? in
            guard case .settlePages(let settlement) = effect.action else { return nil }
            return "\(minute) \(settlement.outcome) " + settlement.pages.map { "\($0.ladder).\($0.level) \($0.person)" }.joined(separator: ", ")
        }
        #expect(settled == ["20 handedOver engineering.L1 alice"])
    }

    /// A business rotation hands over after a P1 was lowered to P2, which does not run the
    /// business ladder: nobody is paged for it.
    @Test func aLadderTheSeverityNoLongerRunsMovesNoPage() throws {
        let (_, roster) = try roster(rotating: "L1: erin ", as: "ops", people: ["grace", "erin"], from: "2026-11-24T10:20:00Z")
        #expect(roster.onDuty(LevelRef(ladder: "business", level: "L1"), at: Fixtures.at(20)) == "grace")
        var drill = try Drill("/incident declare Payment API errors --sev P1", roster: roster)
        try drill.run(to: 60, script: [10: [(Fixtures.responder, "/sev P2 only search")]])
        #expect(drill.pages.contains("0 business.L1 erin"))
        #expect(!drill.pages.contains { $0.contains("business") && !$0.hasPrefix("0 ") }, "\(drill.pages)")
        #expect(!drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🔄") })
    }

    /// The business ladder of a P1 goes quiet after the CTO's page (no repeats at its top):
    /// the CTO rotation's handover an hour later, and each one after it, pages nobody. A
    /// quiet ladder handed its page over at every handover, each night, while the incident
    /// stayed open. A restart with the rotation as it was moves nothing though it turned
    /// meanwhile; one with grace taken out of it moves the page, once, to whoever it names
    /// now: they have never heard of the incident.
    @Test func aLadderGoneQuietAtItsTopMovesNoPage() throws {
        let (text, roster) = try roster(rotating: "L3: grace ", as: "cto", people: ["dave", "grace"], from: "2026-11-24T12:00:00Z")
        #expect(roster.onDuty(LevelRef(ladder: "business", level: "L3"), at: Fixtures.at(90)) == "grace")
        var drill = try Drill("/incident declare Payment API errors --sev P1", roster: roster)
        try drill.run(to: 2 * 24 * 60 + 180)  // Thursday 13:00: the rotation turned to dave an hour ago
        let business = drill.pages.filter { $0.contains("business") }
        #expect(business == ["0 business.L1 erin", "60 business.L2 frank", "90 business.L3 grace"], "\(drill.pages)")
        #expect(!drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🔄") })
        #expect(drill.incident.schedule.allSatisfy { if case .rotationHandover = $0.kind { false } else { true } })
        drill.restart(with: roster)
        #expect(drill.pages.filter { $0.contains("business") }.count == 3, "\(drill.pages)")
        drill.restart(with: try Roster.load(yaml: text.replacing("people: [dave, grace]", with: "people: [bob, erin]"),
                                            file: "roster.yaml", policy: Fixtures.policy()))
        #expect(drill.pages.filter { $0.contains("business") }.last == "3060 business.L3 bob", "\(drill.pages)")
        try drill.run(to: 4 * 24 * 60)
        #expect(drill.pages.filter { $0.contains("business") }.count == 4, "\(drill.pages)")
    }

    @Test func anAcknowledgedPageDoesNotMove() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1", roster: roster())
        try drill.run(to: 60, script: [10: [("alice", "/ack")]])
        #expect(!drill.pages.contains { $0.contains("dave") })
        #expect(!drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🔄") })
    }

    /// alice's page was still on its way (her texts failing, retried) when the rotation handed
    /// engineering L1 to dave at 10:20: it reached nobody, and until delivery withdraws it she
    /// cannot stop dave's ladder in her own name. She is told who answers for it now and how
    /// to take the incident on; the climb goes on to bob. Her `/ack` was taken, and stopped
    /// the ladder: bob was never paged, and the room heard that she answered the page.
    @Test func aPageHandedOnBeforeItLandedAnswersForNothing() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1", roster: roster())
        try drill.run(to: 21)
        #expect(drill.incident.pages.contains { $0.person == "alice" && $0.withdrawn != true })
        var refused = drill
        let error = #expect(throws: IncidentError.self) { try refused.type("/ack", by: "alice") }
        #expect(error?.description == "Your page for INC-1 had not reached you when engineering.L1 was handed over to @dave; "
                    + "the page is theirs to answer now. To take the incident on, name yourself incident commander: /ic me.")
        #expect(!drill.incident.awaitsAcknowledgement(from: "alice"))
        #expect(drill.incident.awaitsAcknowledgement(from: "dave"))
        try drill.run(to: 31)
        #expect(drill.pages.contains("30 engineering.L2 bob"))
        try drill.type("/ack", by: "dave")
        #expect(drill.incident.ladders["engineering"]?.stopped == .acknowledged)
    }

    /// The same, but alice's page reached her before the handover: she was paged, and her
    /// answer stops the ladder as any paged person's does.
    @Test func aPageThatLandedBeforeTheHandoverStillAnswers() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1", roster: roster())
        try drill.run(to: 1)
        try drill.land("alice", "engineering.L1")
        #expect(drill.incident.pages.first { $0.person == "alice" }?.landed == true)
        #expect(drill.incident.pages.first { $0.person == "erin" }?.landed == nil)
        try drill.run(to: 21)
        #expect(drill.pages.contains("20 engineering.L1 dave"))
        try drill.type("/ack", by: "alice")
        #expect(drill.incident.ladders["engineering"]?.stopped == .acknowledged)
        try drill.run(to: 31)
        #expect(!drill.pages.contains("30 engineering.L2 bob"))
    }

    /// A P2 (paged in working hours only) declared at 16:30; the rotation hands over at 18:00,
    /// after hours: the room hears of it then, nobody is woken, and at 09:00 dave's page goes
    /// with the team lead's, the climb having reached the team lead by then. The room heard
    /// nothing at 18:00, and dave never heard of the P2 open in his turn.
    @Test func aHandoverAfterHoursWaitsForThem() throws {
        let roster = try onCall("dave, alice", from: "2026-11-24T18:00:00Z")
        var drill = try Drill("/incident declare Search slow --sev P2", roster: roster, at: Fixtures.at(390))
        try drill.run(to: 1_000)
        #expect(drill.pages == ["0 engineering.L1 alice", "990 engineering.L1 dave", "990 engineering.L2 bob"], "\(drill.pages)")
        #expect(drill.posts(to: .incidentRoom).contains(
            "🔄 @dave is on call now as on-call engineer (engineering.L1), taking over from @alice; the unanswered page moves to them "
                + "when their working hours open, at 2026-11-25 09:00 UTC."), "\(drill.posts(to: .incidentRoom))")
        #expect(drill.incident.ladders["engineering"]?.waitingHandovers == nil)
    }

    /// Dave keeps Los Angeles' hours and takes over the on-call at 12:00 UTC; a P2 declared at
    /// 10:00 UTC climbs to the team lead at 14:00, and dave's hours open at 17:00 UTC: the room
    /// is told at 12:00, and his page goes at 17:00 though the climb moved on. He was never
    /// paged, and his `/ack` was refused as from someone not paged.
    @Test func aHandoverWaitingForTheIncomingPersonsHoursPagesThemThoughTheClimbMovedOn() throws {
        let roster = try onCall("dave, alice", from: "2026-11-24T12:00:00Z", [("    contact: [voice, sms, slack]   # a call wakes the VP; chat last",
                                                                              "    contact: [voice, sms, slack]\n    time_zone: America/Los_Angeles")])
        var drill = try Drill("/incident declare Search slow --sev P2", roster: roster)
        try drill.run(to: 130)
        #expect(drill.posts(to: .incidentRoom).contains(
            "🔄 @dave is on call now as on-call engineer (engineering.L1), taking over from @alice; the unanswered page moves to them "
                + "when their working hours open, at 2026-11-24 17:00 UTC (America/Los_Angeles)."), "\(drill.posts(to: .incidentRoom))")
        let forecast = EscalationForecast(drill.incident, now: drill.origin + .minutes(130), roster: drill.roster)
        // Before the page, dave's `/ack` is told when it goes and how to take the incident now.
        let early = #expect(throws: IncidentError.self) { try drill.type("/ack", by: "dave") }
        #expect(early?.description == "Your page for INC-1 waits for your working hours, until 17:00 UTC. "
                    + "To take it on now, name yourself incident commander: /ic me.", "\(String(describing: early))")
        let upcoming = forecast.upcoming.map { "\(($0.at - drill.origin).components.seconds / 60) \($0.level.ladder).\($0.level.level) \($0.person)" }
        #expect(upcoming.first == "240 engineering.L2 bob" && upcoming.filter { $0.contains("L1") } == ["420 engineering.L1 dave"],
                "\(upcoming)")
        try drill.run(to: 421)
        #expect(drill.pages.filter { $0.contains("L1") } == ["0 engineering.L1 alice", "420 engineering.L1 dave"], "\(drill.pages)")
        #expect(drill.pages.contains("240 engineering.L2 bob"), "\(drill.pages)")
        #expect(drill.timeline.contains { $0.text == "Paged @dave as on-call engineer (engineering.L1, the level passed to them)." })
        try drill.type("/ack", by: "dave")
        #expect(drill.incident.acknowledgedBy == ["dave"])
    }

    /// The rotation filling the engineering manager's level hands over at 12:00, the second the
    /// P1's top repeats: the room is told, and dave gets one page, as the one taking over. carol
    /// was paged "again" for the repeat, and the room heard nothing of the handover.
    @Test func aHandoverOnTheSecondOfARepeatIsTheHandover() throws {
        let (_, roster) = try roster(rotating: "L3: carol ", as: "managers", people: ["carol", "dave"], from: "2026-11-23T12:00:00Z")
        #expect(roster.onDuty(LevelRef(ladder: "engineering", level: "L3"), at: Fixtures.at(60)) == "carol")
        var drill = try Drill("/incident declare Payment API errors --sev P1", roster: roster)
        try drill.run(to: 300)
        // The handover's page is the repeat of its second, counted as one: still four repeats.
        let managers = drill.pages.filter { $0.contains("engineering.L3") }
        #expect(managers == ["60 engineering.L3 carol", "90 engineering.L3 carol", "120 engineering.L3 dave", "150 engineering.L3 dave",
                             "180 engineering.L3 dave"], "\(drill.pages)")
        #expect(drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🔄 @dave is on call now as engineering manager (engineering.L3)") })
        #expect(drill.timeline.contains { $0.text == "Paged @dave as engineering manager (engineering.L3, the level passed to them)." })
    }

    /// dave keeps Berlin's hours and takes the on-call from 18:00 to 06:00 UTC: his hours open
    /// at 08:00 UTC, after his turn has ended, so nothing moves to him and the room is promised
    /// nothing. It was told the page would go to him at the opening, alice's turn by then, and
    /// nobody was paged.
    @Test func aTurnEndingBeforeTheIncomingPersonsHoursPromisesThemNothing() throws {
        let roster = try onCall("dave, alice", from: "2026-11-24T18:00:00Z", every: "12h", [
            ("    contact: [voice, sms, slack]   # a call wakes the VP; chat last", "    contact: [voice, sms, slack]\n    time_zone: Europe/Berlin"),
        ])
        var drill = try Drill("/incident declare Search slow --sev P3", roster: roster)
        try drill.run(to: 23 * 60 - 10)
        #expect(!drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🔄") }, "\(drill.posts(to: .incidentRoom))")
        #expect(drill.pages == ["0 engineering.L1 alice"], "\(drill.pages)")
        #expect(drill.incident.ladders["engineering"]?.waitingHandovers == nil)
    }

    /// dave (Tokyo) takes a daily turn on Friday at 10:30 UTC, while his hours are closed
    /// until Monday 00:00 UTC, in a later turn of his: nothing is promised, the page stays
    /// with alice, and the rotation's next turn is followed. Friday's promise named a turn two
    /// handovers on, across alice's.
    @Test func aPromiseIsOnlyForTheTurnThatHoldsTheOpening() throws {
        let roster = try onCall("dave, alice", from: "2026-11-27T10:30:00Z", [
            ("    contact: [voice, sms, slack]   # a call wakes the VP; chat last", "    contact: [voice, sms, slack]\n    time_zone: Asia/Tokyo"),
        ])
        var drill = try Drill("/incident declare Search slow --sev P3", roster: roster, at: Timestamp(iso8601: "2026-11-27T10:00:00Z")!)
        try drill.run(to: 60)
        #expect(!drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🔄") }, "\(drill.posts(to: .incidentRoom))")
        #expect(drill.incident.ladders["engineering"]?.waitingHandovers == nil)
        #expect(drill.incident.ladders["engineering"]?.rotationHandoverAt == Timestamp(iso8601: "2026-11-28T10:30:00Z"))
    }

    /// Two levels handed over to people whose hours are closed, the on-call's (dave, Los
    /// Angeles, from 12:00 UTC) and the team lead's (carol, Tokyo, from 15:00 UTC): each is
    /// paged at their own opening. The second handover replaced the first, whose promise was
    /// dropped without a word.
    @Test func handoversWaitingAtTwoLevelsEachPage() throws {
        let roster = try onCall("dave, alice", from: "2026-11-24T12:00:00Z", [
            ("    contact: [voice, sms, slack]   # a call wakes the VP; chat last", "    contact: [voice, sms, slack]\n    time_zone: America/Los_Angeles"),
            ("    email: carol@example.org\n", "    email: carol@example.org\n    time_zone: Asia/Tokyo\n"),
            ("rotations:\n", "rotations:\n  leads:\n    people: [carol, bob]\n    handover: 2026-11-24T15:00:00Z\n    every: 1d\n"),
            ("    L2: bob                            # team lead", "    L2: { rotation: leads }"),
        ])
        #expect(roster.onDuty(LevelRef(ladder: "engineering", level: "L2"), at: Fixtures.at(0)) == "bob")
        var drill = try Drill("/incident declare Search slow --sev P2", roster: roster)
        try drill.run(to: 900)
        #expect(drill.posts(to: .incidentRoom).filter { $0.hasPrefix("🔄") && $0.contains("when their working hours open") }.count == 2,
                "\(drill.posts(to: .incidentRoom))")
        #expect(drill.pages.contains("420 engineering.L1 dave") && drill.pages.contains("840 engineering.L2 carol"), "\(drill.pages)")
    }

    /// A P3 whose on-call handover waits for dave's hours (Tokyo, Monday; his turn is a week)
    /// is raised to P1 on Friday: the page goes to him now, as a held page does. It waited for
    /// Monday.
    @Test func aRaiseSendsAWaitingHandoverNow() throws {
        let roster = try onCall("dave, alice", from: "2026-11-27T10:30:00Z", every: "1w", [
            ("    contact: [voice, sms, slack]   # a call wakes the VP; chat last", "    contact: [voice, sms, slack]\n    time_zone: Asia/Tokyo"),
        ])
        var drill = try Drill("/incident declare Search slow --sev P3", roster: roster, at: Timestamp(iso8601: "2026-11-27T10:00:00Z")!)
        try drill.run(to: 60, script: [60: [(Fixtures.responder, "/sev P1")]])
        try drill.run(to: 61)
        #expect(drill.pages.filter { $0.contains("engineering.L1") } == ["0 engineering.L1 alice", "60 engineering.L1 dave"], "\(drill.pages)")
    }

    /// The team leads' rotation hands over at 15:00, the second a P2's missed update would
    /// page its top again: the handover's page is that repeat, counted as one, and the climb's
    /// next repeat keeps its time. The missed update's step was skipped as "paged moments ago",
    /// uncounted, and the team lead was paged once more the next morning.
    @Test func aHandoverOnTheSecondOfAMissedUpdatesRepeatIsThatRepeat() throws {
        let roster = try onCall("alice", from: "2026-01-05T09:00:00Z", every: "1w", [
            ("rotations:\n", "rotations:\n  leads:\n    people: [bob, carol]\n    handover: 2026-11-02T15:00:00Z\n    every: 1d\n"),
            ("    L2: bob                            # team lead", "    L2: { rotation: leads }"),
        ])
        var drill = try Drill("/incident declare Search slow --sev P2", roster: roster, at: Timestamp(iso8601: "2026-11-23T09:00:00Z")!)
        try drill.run(to: 1_700)
        #expect(drill.pages.filter { $0.contains("engineering.L2") } == ["240 engineering.L2 bob", "360 engineering.L2 carol", "1440 engineering.L2 carol"],
                "\(drill.pages)")
    }

    /// A P2 declared by erin at 08:00 on 2026-11-26, its team lead's level a rotation of bob
    /// (Los Angeles), erin and dave (`daveIn`) handing over every 3 h from 21:01 the day before.
    func quietingP2(daveIn zone: String) throws -> Drill {
        let roster = try onCall("alice", from: "2026-01-05T09:00:00Z", every: "1w", [
            ("    prefer: slack               # pages go here first, then to the other platform\n  bob:",
             "    prefer: slack\n    time_zone: America/Los_Angeles\n  bob:"),
            ("    contact: [voice, sms, slack]   # a call wakes the VP; chat last", "    contact: [voice, sms, slack]\n    time_zone: \(zone)"),
            ("rotations:\n", "rotations:\n  leads:\n    people: [bob, erin, dave]\n    handover: 2026-11-25T21:01:00Z\n    every: 3h\n"),
            ("    L2: bob                            # team lead", "    L2: { rotation: leads }"),
        ])
        return try Drill("/incident declare Search slow --sev P2", by: "erin", roster: roster, at: Timestamp(iso8601: "2026-11-26T08:00:00Z")!)
    }

    /// The team leads' rotation hands the top of a P2 to dave (Los Angeles) at 15:01, his
    /// hours opening at 17:00, the second the climb goes quiet with its repeats spent: his
    /// waiting page does not go. It went, one page past the repeats' bound.
    @Test func aWaitingHandoverDueAsTheClimbGoesQuietPagesNobody() throws {
        var drill = try quietingP2(daveIn: "America/Los_Angeles")
        try drill.run(to: 33 * 60 + 5)
        #expect(drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🔄 @dave") && $0.contains("2026-11-27 17:00 UTC") }, "\(drill.posts(to: .incidentRoom))")
        #expect(!drill.pages.contains("\(33 * 60) engineering.L2 dave"), "\(drill.pages)")
        // The room was told dave's page goes at 17:00: it hears that it does not, and why.
        #expect(drill.posts(to: .incidentRoom).last { $0.hasPrefix("🔕") }
                    == "🔕 @dave's page for engineering.L2 at 17:00 UTC, said at the handover, does not go: the engineering ladder has paged its top as often as P2 allows.",
                "\(drill.posts(to: .incidentRoom))")
    }

    /// The same, dave keeping Anchorage's hours: they open at 18:00 UTC, an hour after the
    /// climb went quiet. The room hears his page does not go. A quiet ladder's waiting
    /// handovers were not even due, and the promise was broken without a word.
    @Test func aWaitingHandoverOpeningAfterTheClimbWentQuietIsWithdrawnInWords() throws {
        var drill = try quietingP2(daveIn: "America/Anchorage")
        try drill.run(to: 34 * 60 + 5)
        let posts = drill.posts(to: .incidentRoom)
        #expect(posts.contains { $0.hasPrefix("🔄 @dave") && $0.contains("2026-11-27 18:00 UTC (America/Anchorage)") }, "\(posts)")
        #expect(!drill.pages.contains("\(34 * 60) engineering.L2 dave"), "\(drill.pages)")
        #expect(posts.last { $0.hasPrefix("🔕") }
                    == "🔕 @dave's page for engineering.L2 at 18:00 UTC, said at the handover, does not go: the engineering ladder has paged its top as often as P2 allows.",
                "\(posts)")
    }

    /// Bob (the team lead, paged as the climb moved on) acknowledges before dave's hours open:
    /// dave's waiting page does not go, and the room, which saw the ladder stop, is told nothing
    /// more of it.
    @Test func anAcknowledgedLadderDropsAWaitingHandoverQuietly() throws {
        let roster = try onCall("dave, alice", from: "2026-11-24T12:00:00Z", [("    contact: [voice, sms, slack]   # a call wakes the VP; chat last",
                                                                              "    contact: [voice, sms, slack]\n    time_zone: America/Los_Angeles")])
        var drill = try Drill("/incident declare Search slow --sev P2", roster: roster)
        try drill.run(to: 300)
        try drill.type("/ack", by: "bob")
        try drill.run(to: 480)
        #expect(!drill.pages.contains("420 engineering.L1 dave"), "\(drill.pages)")
        #expect(!drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🔕") }, "\(drill.posts(to: .incidentRoom))")
    }

    @Test func aRotationOfOneNeverHandsOver() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 25)
        #expect(drill.incident.ladders["engineering"]?.rotationHandoverAt == nil)
    }
}
