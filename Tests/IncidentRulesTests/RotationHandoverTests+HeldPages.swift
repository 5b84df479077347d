import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// A handover to someone whose working hours have not opened, and the roster edits and
/// restarts that move such a held page.
extension RotationHandoverTests {
    /// A rotation of `people` (alice keeps New York's hours) handing over daily at 08:00 UTC,
    /// and a P2 (working hours only) declared at 07:00 UTC on a Tuesday.
    func heldDrill(_ people: String) throws -> Drill {
        let roster = try onCall(people, from: "2026-01-05T08:00:00Z", [("    prefer: slack               # pages go here first, then to the other platform\n  bob:",
                                                                        "    prefer: slack\n    time_zone: America/New_York\n  bob:")])
        return try Drill("/incident declare Search is slow --sev P2", roster: roster, at: Timestamp(iso8601: "2026-11-24T07:00:00Z")!)
    }

    /// The page held for alice's hours (14:00 UTC) goes to dave when he takes over at 08:00
    /// and his open at 09:00: it waited for alice's, five hours late.
    @Test func aHeldPageGoesWhenTheIncomingPersonsHoursOpen() throws {
        var drill = try heldDrill("alice, dave")
        try drill.run(to: 8 * 60)
        #expect(drill.pages.filter { $0.contains("engineering.L1") } == ["120 engineering.L1 dave"], "\(drill.pages)")
        #expect(drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🌙") && $0.contains("2026-11-24 09:00 UTC") })
    }

    /// The other way round: dave's hours would open at 09:00, but alice takes over at 08:00 and
    /// hers open at 14:00 UTC. The room is told 14:00 at once; it was told 09:00, and then
    /// nothing happened at 09:00 and nothing said so.
    @Test func aHeldPageSaysTheIncomingPersonsOpening() throws {
        var drill = try heldDrill("dave, alice")
        try drill.run(to: 8 * 60)
        #expect(drill.pages.filter { $0.contains("engineering.L1") } == ["420 engineering.L1 alice"], "\(drill.pages)")
        let held = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("🌙") }
        #expect(held.count == 1 && held[0].contains("2026-11-24 14:00 UTC") && held[0].contains("America/New_York"), "\(held)")
    }

    /// A P2 declared at 18:00 UTC holds alice's page until 09:00; the roster is then edited to
    /// put her on Los Angeles' clock, and the bot restarted at 02:00 UTC (18:00 there). The page
    /// is held again, to 17:00 UTC, and the room is told so at the restart: it was told 09:00,
    /// and at 09:00 nothing came and nothing said why. Restarted while her hours are open, the
    /// page goes at once (below).
    @Test func aHoldMovedByARosterEditIsToldAgain() throws {
        var drill = try Drill("/incident declare Search is slow --sev P2", at: Timestamp(iso8601: "2026-11-24T18:00:00Z")!)
        let edited = try Fixtures.text("roster.example.yaml")
            .replacing("    prefer: slack               # pages go here first, then to the other platform\n  bob:",
                       with: "    prefer: slack\n    time_zone: America/Los_Angeles\n  bob:")
        let inLosAngeles = try Roster.load(yaml: edited, file: "roster.yaml", policy: Fixtures.policy())
        var open = drill
        try drill.run(to: 8 * 60)
        drill.restart(with: inLosAngeles)
        #expect(drill.posts(to: .incidentRoom).last?.contains("2026-11-25 17:00 UTC") == true, "\(drill.posts(to: .incidentRoom))")
        // Asked before 09:00, the forecast says 17:00 in both its list and its hold.
        try drill.run(to: 9 * 60)
        let forecast = EscalationForecast(drill.incident, now: drill.origin + .minutes(9 * 60), roster: drill.roster)
        #expect(forecast.held.map(\.until) == [Timestamp(iso8601: "2026-11-25T17:00:00Z")!], "\(forecast.held)")
        try drill.run(to: 24 * 60)
        let held = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("🌙") }
        #expect(held.count == 2 && held[0].contains("2026-11-25 09:00 UTC") && held[1].contains("2026-11-25 17:00 UTC"), "\(held)")
        #expect(drill.pages.filter { $0.contains("engineering.L1") } == ["\(23 * 60) engineering.L1 alice"], "\(drill.pages)")
        // At 18:00 UTC it is 10:00 in Los Angeles: restarted then, she is paged at once.
        open.restart(with: inLosAngeles)
        try open.run(to: 1)
        #expect(open.pages.filter { $0.contains("engineering.L1") } == ["1 engineering.L1 alice"], "\(open.pages)")
    }

    /// Dave (Tokyo) takes a P2's on-call turn at 19:00 UTC, and its page waits for his 09:00
    /// (00:00 UTC). The bot is restarted at 20:05 with dave put on Denver's clock (13:05 there,
    /// his hours open): he is paged at once, and the room hears so. The page waited for the time
    /// worked out for Tokyo, and then for his next opening: 20 hours. A restart with the same
    /// files says nothing more; one that names alice again drops the promise, and says so.
    @Test func aHandoversWaitingPageFollowsTheRosterReadAtTheStart() throws {
        let tokyo = ("    contact: [voice, sms, slack]   # a call wakes the VP; chat last", "    contact: [voice, sms, slack]\n    time_zone: Asia/Tokyo")
        let denver = ("    contact: [voice, sms, slack]   # a call wakes the VP; chat last", "    contact: [voice, sms, slack]\n    time_zone: America/Denver")
        let start = Timestamp(iso8601: "2026-11-24T15:00:00Z")!
        func declared() throws -> Drill {
            var drill = try Drill("/incident declare Checkout slow --sev P2", roster: try onCall("alice, dave", from: "2026-11-23T19:00:00Z", [tokyo]),
                                  at: start)
            try drill.run(to: 4 * 60 + 5)
            #expect(drill.incident.ladders["engineering"]?.waitingHandovers?.first?.at == Timestamp(iso8601: "2026-11-25T00:00:00Z"))
            return drill
        }
        var drill = try declared()
        drill.restart(with: try onCall("alice, dave", from: "2026-11-23T19:00:00Z", [denver]))
        // Said as dave's own page going early, not as a move "in place of @alice".
        #expect(drill.posts(to: .incidentRoom).last
                    == "🌅 @dave's page for engineering.L1 (on-call engineer), said for 2026-11-25 00:00 UTC, goes now: their working hours are open.",
                "\(drill.posts(to: .incidentRoom).suffix(2))")
        let said = drill.posts(to: .incidentRoom).count
        drill.restart(with: try onCall("alice, dave", from: "2026-11-23T19:00:00Z", [denver]))
        #expect(drill.posts(to: .incidentRoom).count == said, "\(drill.posts(to: .incidentRoom).suffix(2))")
        try drill.run(to: 4 * 60 + 7)
        #expect(drill.pages.filter { $0.hasSuffix("engineering.L1 dave") } == ["\(4 * 60 + 6) engineering.L1 dave"], "\(drill.pages)")

        // The same restart, on Tokyo's clock still, moves and says nothing.
        var same = try declared()
        let before = same.posts(to: .incidentRoom).count
        same.restart(with: try onCall("alice, dave", from: "2026-11-23T19:00:00Z", [tokyo]))
        #expect(same.posts(to: .incidentRoom).count == before)

        // Alice named again: the promise to dave is dropped, in words.
        var back = try declared()
        back.restart(with: try Fixtures.roster())
        #expect(back.posts(to: .incidentRoom).last?.hasPrefix("🔕 @dave's page for engineering.L1 at 2026-11-25 00:00 UTC, said at the handover, does not go") == true,
                "\(back.posts(to: .incidentRoom).suffix(2))")
        #expect(back.incident.ladders["engineering"]?.waitingHandovers == nil)
        // Put back while the bot was down past that time: said as the catch-up drops it.
        var late = try declared()
        late.restart(with: try Fixtures.roster(), downUntil: 9 * 60 + 5)
        #expect(late.posts(to: .incidentRoom).contains { $0.hasPrefix("🔕 @dave's page for engineering.L1 at 00:00 UTC, said at the handover, does not go") },
                "\(late.posts(to: .incidentRoom).suffix(2))")
        #expect(!late.pages.contains { $0.hasSuffix("dave") }, "\(late.pages)")
        // Someone else named, whose hours are closed too: the promise to dave is said to go no
        // more, and grace's time is given. It was dropped without a word, and the line named
        // alice as the one replaced.
        var other = try declared()
        other.restart(with: try onCall("alice, grace", from: "2026-11-23T19:00:00Z"))
        #expect(other.posts(to: .incidentRoom).last == "🔄 @grace is on-call engineer (engineering.L1) in the roster now, in place of @dave, "
                    + "whose page at 2026-11-25 00:00 UTC no longer goes; the unanswered page moves to them when their working hours open, "
                    + "at 2026-11-25 09:00 UTC.", "\(other.posts(to: .incidentRoom).suffix(2))")
        #expect(other.incident.ladders["engineering"]?.waitingHandovers?.map(\.person) == ["grace"])
        // Acknowledged meanwhile, the ladder stopped: a restart naming someone else moves nothing.
        var answered = try declared()
        try answered.type("/ack", by: "alice")
        let heard = answered.posts(to: .incidentRoom).count
        answered.restart(with: try onCall("alice, grace", from: "2026-11-23T19:00:00Z"))
        #expect(answered.posts(to: .incidentRoom).count == heard, "\(answered.posts(to: .incidentRoom).suffix(2))")
    }

    /// Two rotations: henry (Tokyo) takes the on-call turn at 13:00 UTC and jack (Kolkata) the
    /// team lead's at 16:00, both out of hours, as the P2's climb holds its team lead's page for
    /// jack's. The bot is restarted at 16:30 with henry in London and jack in Los Angeles: the
    /// room hears that henry's page goes now, and jack's new time once. It heard "🔄 @henry …
    /// in place of @alice", and jack's 17:00 twice, as a move and as a hold.
    @Test func aRestartSaysEachMovedPromiseOnce() throws {
        func roster(henry: String, jack: String) throws -> Roster {
            try onCall("alice, henry", from: "2026-11-23T13:00:00Z", [
                ("    matrix: \"@grace:example.org\"\n", "    matrix: \"@grace:example.org\"\n  henry:\n    slack: U0HENRY08\n    time_zone: \(henry)\n"
                    + "  jack:\n    slack: U0JACK010\n    time_zone: \(jack)\n"),
                ("    every: 1d\n", "    every: 1d\n  lead:\n    people: [bob, jack]\n    handover: 2026-11-23T16:00:00Z\n    every: 1d\n"),
                ("    L2: bob                            # team lead", "    L2: { rotation: lead }"),
            ])
        }
        var drill = try Drill("/incident declare Checkout slow --sev P2", by: "erin", roster: try roster(henry: "Asia/Tokyo", jack: "Asia/Kolkata"))
        try drill.run(to: 6 * 60 + 5)
        #expect(drill.incident.ladders["engineering"]?.waitingHandovers?.map(\.person).sorted() == ["henry", "jack"], "\(drill.posts(to: .incidentRoom))")
        try drill.run(to: 6 * 60 + 30)
        let before = drill.posts(to: .incidentRoom).count
        drill.restart(with: try roster(henry: "Europe/London", jack: "America/Los_Angeles"))
        let said = drill.posts(to: .incidentRoom).dropFirst(before).filter { !$0.hasPrefix("⏳") }
        #expect(said.count == 2, "\(said)")
        #expect(said.contains("🌅 @henry's page for engineering.L1 (on-call engineer), said for 2026-11-25 00:00 UTC, goes now: their working hours are open."),
                "\(said)")
        #expect(said.filter { $0.contains("engineering.L2") }.count == 1 && said.contains { $0.hasPrefix("🌙") && $0.contains("2026-11-24 17:00 UTC") }, "\(said)")
    }

    /// The roster edited to put dave (Tokyo) on call while alice's P2 page is unanswered: the
    /// first restart says the page moves to him when his hours open; each restart after it with
    /// the same files said so again, once a restart, while his hours stayed closed.
    @Test func aRosterMoveWaitingForHoursIsSaidOnce() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P2")
        try drill.run(to: 60)
        let davesTurn = try onCall("dave", from: "2026-11-23T19:00:00Z", [
            ("    contact: [voice, sms, slack]   # a call wakes the VP; chat last", "    contact: [voice, sms, slack]\n    time_zone: Asia/Tokyo"),
        ])
        drill.restart(with: davesTurn)
        #expect(drill.posts(to: .incidentRoom).filter { $0.hasPrefix("🔄 @dave") }.count == 1, "\(drill.posts(to: .incidentRoom))")
        try drill.run(to: 70)
        drill.restart(with: davesTurn)
        try drill.run(to: 80)
        drill.restart(with: davesTurn)
        #expect(drill.posts(to: .incidentRoom).filter { $0.hasPrefix("🔄 @dave") }.count == 1, "\(drill.posts(to: .incidentRoom))")
    }

    /// The shipped layout: a weekly handover on Monday at 09:00 UTC, the opening of the
    /// outgoing person's hours, to dave on Tokyo's clock (18:00 there). A P2 declared on
    /// Saturday is held until his next opening, Tuesday 09:00 in Tokyo, and the room is told
    /// that; it was told Monday 09:00 UTC, his evening, when nothing came.
    @Test func aHandoverAtTheOpeningHandsTheWaitOver() throws {
        let roster = try onCall("alice, dave", from: "2026-01-05T09:00:00Z", every: "1w", [("    contact: [voice, sms, slack]   # a call wakes the VP; chat last",
                                                                                          "    contact: [voice, sms, slack]\n    time_zone: Asia/Tokyo")])
        var drill = try Drill("/incident declare Disk is filling --sev P2", roster: roster, at: Timestamp(iso8601: "2026-11-28T12:00:00Z")!)
        let held = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("🌙") }
        #expect(held.count == 1 && held[0].contains("2026-12-01 00:00 UTC") && held[0].contains("Asia/Tokyo"), "\(held)")
        try drill.run(to: 60 * 60 + 1)
        #expect(drill.pages.filter { $0.contains("engineering.L1") } == ["\(60 * 60) engineering.L1 dave"], "\(drill.pages)")
    }
}
