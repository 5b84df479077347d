import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

@Suite struct DeclarationTests {
    @Test func declaringOpensTheRoomThenPostsThenPages() throws {
        let drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        let actions = drill.effects.map(\.effect.action)
        guard case .createRoom(let name, let topic, let invite, _) = actions.first else {
            Issue.record("the first effect must create the room: \(actions)")
            return
        }
        #expect(name == "incident-20261124-payment-api-errors")
        #expect(invite == [Fixtures.responder, "alice"])
        #expect(topic.plainText() == "SEV P1 | IC @alice | status: investigating | next update 10:30 UTC | call: https://meet.example.com/incident-1")
        #expect(drill.incident.room == name)

        let room = drill.posts(to: .incidentRoom)
        let kickoff = try #require(room.first)
        #expect(kickoff.hasPrefix("🚨 INC-1: Payment API errors"))
        #expect(kickoff.contains("Severity: P1 — Major."))
        #expect(kickoff.contains("Incident commander: @alice"))
        #expect(kickoff.contains("Declared by: @carol at 10:00 UTC"))
        #expect(kickoff.contains("Runbook: https://runbooks.example.com/incident/p1"))
        #expect(kickoff.contains("Next status update due: 10:30 UTC (every 30m)"))
        #expect(kickoff.contains("/update [INC-N | #incident-room] <text>"))
        #expect(kickoff.contains("/ack [INC-N | #incident-room]"))
        #expect(drill.posts(to: .broadcast) == [
            "🚨 INC-1 declared (P1): Payment API errors\nRoom: #incident-20261124-payment-api-errors · declared by @carol",
        ])
    }

    @Test func everyEffectHasItsOwnStableKey() throws {
        var drill = try Drill("/incident declare Checkout down --sev P0")
        try drill.run(to: 120, script: [30: [(Fixtures.reporter, "/update still down")]])
        let keys = drill.effects.map(\.effect.key)
        #expect(Set(keys).count == keys.count)
        #expect(keys.prefix(3) == ["INC-1/1", "INC-1/2", "INC-1/3"])
        #expect(drill.effects.allSatisfy { $0.effect.incident == 1 })
        // The same decision from the same state gives the same keys: a replay cannot mint new ones.
        let again = drill.incident.tick(at: Fixtures.at(200), roster: drill.roster)
        let twice = drill.incident.tick(at: Fixtures.at(200), roster: drill.roster)
        #expect(again == twice)
    }

    @Test func aDeclarationWithoutSeverityUsesThePolicyDefault() throws {
        let drill = try Drill("/incident declare Something odd")
        #expect(drill.incident.severity == .p2)
        #expect(drill.incident.nextUpdateDue == Fixtures.at(120))
    }

    /// A title that names a worse severity than was declared, read as its words (`checkout
    /// down P0`): the answer says how to raise it, since a P2 at night pages nobody until
    /// morning. One that names the same or a milder one says nothing more.
    @Test func aTitleNamingAWorseSeverityIsToldHowToRaiseIt() throws {
        let policy = try Fixtures.policy()
        let roster = try Fixtures.roster()
        func reply(_ title: String, _ severity: Severity? = nil) throws -> String {
            try Incident.declare(Declaration(title: title, severity: severity), number: 1, by: "bob", at: Fixtures.start,
                                 policy: policy, roster: roster, takenRooms: []).reply?.plainText() ?? ""
        }
        #expect(try reply("checkout down (P0)").hasSuffix("The title says P0, and INC-1 is P2: if it is that bad, /sev INC-1 P0."))
        #expect(try reply("checkout down, SEV1 per the runbook").contains("The title says P1"))
        #expect(try !reply("checkout down P0", .p0).contains("The title says"))
        #expect(try !reply("not a P3 after all").contains("The title says"))
        #expect(try !reply("p99 latency").contains("The title says"))
        // A severity's word or an S code written as a label, as tickets and alerts write them
        // (the workflow audit of stop 58): each was a P2 held for working hours, no word said.
        for title in ["[critical] payments down", "CRITICAL: payments down", "payments down (critical)", "S0: payments down",
                      "🚨 Critical: payments down", "［CRITICAL］ payments down", "[sev: critical] api down", "api down (sev: critical)",
                      "*critical* auth slow", "Critical - db down"] {
            #expect(try reply(title).hasSuffix("The title says P0, and INC-1 is P2: if it is that bad, /sev INC-1 P0."), "\(title)")
        }
        for title in ["S1 payments down", "[major] payments down", "(high) error rate on checkout", "Major: checkout slow"] {
            #expect(try reply(title).contains("The title says P1"), "\(title)")
        }
        // A word in passing, or Amazon's S3, is no severity.
        for title in ["critical path slow", "high latency in EU", "S3 bucket made public", "[S3] bucket made public", "checkout is critical",
                      "major outage of login"] {
            #expect(try !reply(title).contains("The title says"), "\(title)")
        }
        // A milder word than declared says nothing.
        #expect(try !reply("[low] disk space", .p2).contains("The title says"))
    }

    /// A P0 declared with the VP as its IC pages him at once, as it must (he may not know he
    /// was named): the page says he is its commander and asks nothing. It said "Unanswered
    /// since" and asked for an /ack, which then told him he had acknowledged already.
    @Test func aPageToTheNamedCommanderSaysSoAndAsksNothing() throws {
        let drill = try Drill("/incident declare Checkout down --sev P0 --ic @dave", by: "carol")
        let pages = drill.effects.compactMap { _, effect -> Page? in
            if case .page(let page) = effect.action { page } else { nil }
        }
        let dave = try #require(pages.first { $0.person == "dave" }).message.plainText()
        #expect(dave.contains("You are its incident commander, which acknowledges this page; nothing to answer."), "\(dave)")
        #expect(!dave.contains("Unanswered") && !dave.contains("/ack") && !dave.contains("For your information"), "\(dave)")
        // The on-call's page asks as before.
        let alice = try #require(pages.first { $0.person == "alice" }).message.plainText()
        #expect(alice.contains("Acknowledge with /ack INC-1.") && !alice.contains("incident commander"), "\(alice)")
        // Nor does it say "Unanswered": the incident has an IC.
        #expect(alice.contains("Open since") && !alice.contains("Unanswered"), "\(alice)")

        // Paged for the updates they missed (the IC fills the top of a P1's climb, and nobody is
        // above them), the IC is asked for an update, not an /ack that would do nothing.
        var quiet = try Drill("/incident declare Checkout down --sev P1 --ic @carol", by: "erin")
        try quiet.run(to: 91)
        let missed = quiet.effects.compactMap { _, effect -> Page? in
            if case .page(let page) = effect.action, page.person == "carol" { page } else { nil }
        }.last?.message.plainText() ?? ""
        #expect(missed.contains("status updates were missed") && !missed.contains("nothing to answer") && !missed.contains("/ack")
                && missed.contains("You are its incident commander, and the updates missed are yours: post one with /update INC-1."), "\(missed)")
    }

    @Test func aTakenRoomNameGetsASuffix() throws {
        let policy = try Fixtures.policy()
        let roster = try Fixtures.roster()
        let decision = try Incident.declare(Declaration(title: "Payment API errors", severity: .p1), number: 2,
                                            by: "bob", at: Fixtures.start, policy: policy, roster: roster,
                                            takenRooms: ["incident-20261124-payment-api-errors"])
        #expect(decision.incident.room == "incident-20261124-payment-api-errors-2")
        #expect(decision.incident.id == "INC-2")
        #expect(decision.reply?.plainText() == "Declared INC-2 (P1): #incident-20261124-payment-api-errors-2")
    }

    /// A private declaration's answer names no room: the private name is the same every day,
    /// and a public channel someone made under it first is not where the declarer should go.
    @Test func aPrivateDeclarationsAnswerNamesNoRoom() throws {
        var declaration = Declaration(title: "Customer records exposed", severity: .p1)
        declaration.isPrivate = true
        let decision = try Incident.declare(declaration, number: 3, by: "bob", at: Fixtures.start, policy: try Fixtures.policy(),
                                            roster: try Fixtures.roster(), takenRooms: [])
        #expect(decision.reply?.plainText() == "Declared private INC-3 (P1): its private room is being made, and you are invited to it.")
    }

    @Test func anUnknownCommanderIsRefusedAndNothingIsDeclared() throws {
        #expect(throws: IncidentError.self) { try Drill("/incident declare DB down --ic @bobb", by: Fixtures.responder) }
        do {
            _ = try Drill("/incident declare DB down --ic @bobb", by: Fixtures.responder)
        } catch let error as IncidentError {
            #expect(error.kind == .unknown)
            #expect(error.description.hasPrefix("Nothing was declared: I don't know @bobb; mention someone in the roster (@alice, @bob"))
        }
        // A roster of more than twelve says how many the list leaves out.
        var roster = try Fixtures.roster()
        for n in 1...20 { roster.people[PersonID("zz\(n)")] = Roster.Person(id: PersonID("zz\(n)"), name: "Z\(n)", addresses: [.email: "z\(n)@example.org"]) }
        do {
            _ = try Drill("/incident declare DB down --ic @bobb", by: Fixtures.responder, roster: roster)
        } catch let error as IncidentError {
            #expect(error.description.hasSuffix(" and \(roster.people.count - 12) more) or their chat account."), "\(error.description)")
        }
    }

    @Test func typedTextCannotPingTheWholeRoom() throws {
        var drill = try Drill("/incident declare @channel checkout down @here --sev P2")
        #expect(drill.posts(to: .broadcast)[0].contains("@\u{2060}channel checkout down @\u{2060}here"))
        try drill.type("/update status: @everyone look", by: "alice")
        #expect(drill.posts(to: .broadcast).last!.contains("Status: @\u{2060}everyone look"))
        let update = drill.effects.last { if case .post(_, .broadcast) = $0.effect.action { true } else { false } }
        guard case .post(let message, _) = try #require(update).effect.action else { Issue.record("not a post"); return }
        #expect(message.lines.joined().contains(.userText("@everyone look")))
    }

    @Test func theRosterDecidesWhoIsOnDutyWhenThePageGoesOut() throws {
        let policy = try Fixtures.policy()
        var roster = try Fixtures.roster()
        // Turns of a week from Tuesday 10:30: alice's ends half an hour after the declaration.
        roster.rotations["primary-oncall"] = Roster.Rotation(people: ["alice", "bob"],
                                                            handover: Timestamp(iso8601: "2026-11-17T10:30:00Z")!)
        let before = try Drill("/incident declare Late night --sev P2", policy: policy, roster: roster)
        #expect(before.pages.first == "0 engineering.L1 alice")
        // Turns from Tuesday 09:00: bob's began an hour before.
        var after = roster
        after.rotations["primary-oncall"]!.handover = Timestamp(iso8601: "2026-11-17T09:00:00Z")!
        let other = try Drill("/incident declare Late night --sev P2", policy: policy, roster: after)
        #expect(other.pages.first == "0 engineering.L1 bob")
    }

    /// The climb reaches a level nobody fills at the moment an update is missed: the nudge
    /// says nobody was paged, not that it escalated (it read the ladder's page before, bob's).
    @Test func aNudgeWhoseStepReachedNobodySaysSo() throws {
        var roster = try Fixtures.roster()
        roster.levels[LevelRef(ladder: "engineering", level: "L3")] = nil
        var drill = try Drill("/incident declare Payment API errors --sev P1", roster: roster)
        try drill.run(to: 60)
        let nudges = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("⏰") }
        #expect(nudges.last?.contains("nobody fills engineering.L3 in the roster, so nobody was paged; page them by hand.") == true,
                "\(nudges)")
        #expect(!nudges.contains { $0.contains("escalating to the next level") }, "\(nudges)")
    }

    /// `/incident escalation` lists a level nobody fills at its time: left out, the list read
    /// as if the engineering ladder had nothing more to do.
    @Test func theEscalationForecastNamesALevelNobodyFills() throws {
        var roster = try Fixtures.roster()
        roster.levels[LevelRef(ladder: "engineering", level: "L3")] = nil
        var drill = try Drill("/incident declare Payment API errors --sev P1", roster: roster)
        try drill.run(to: 35)
        let forecast = EscalationForecast(drill.incident, now: Fixtures.at(35), roster: roster)
        #expect(Set(forecast.unfilled.map(\.level)) == [LevelRef(ladder: "engineering", level: "L3")], "\(forecast.unfilled)")
        #expect(forecast.unfilled.first?.at == Fixtures.at(60))
        let text = forecast.message(for: drill.incident).plainText()
        #expect(text.contains("engineering.L3 engineering manager: nobody fills it in the roster; page them by hand"), "\(text)")
        // Every time the room will be told to page them by hand is listed, the top's repeats and
        // the missed updates' steps too, as it happens: listed from the climb alone, the list
        // said "no more pages" while the room heard "Could not page" every half hour (s70c).
        var ahead = drill
        try ahead.run(to: 35 + 24 * 60)
        let told = ahead.effects.compactMap { minute, effect -> Timestamp? in
            guard minute > 35, case .post(let message, .incidentRoom) = effect.action,
                  message.plainText().hasPrefix("⚠️ Could not page engineering.L3") else { return nil }
            return Fixtures.at(minute)
        }
        #expect(told.count > 1 && forecast.unfilled.map(\.at) == told, "\(forecast.unfilled.map(\.at)) against \(told)")
        #expect(!text.contains("no more pages"), "\(text)")
        // A level whose page waits for working hours is filled: it is not said to be empty
        // (a P2 declared at 16:30 UTC climbs to L2 at 20:30, after hours, and holds it).
        let evening = try Drill("/incident declare Search is slow --sev P2", at: Timestamp(iso8601: "2026-11-24T16:30:00Z")!)
        let held = EscalationForecast(evening.incident, now: evening.origin, roster: try Fixtures.roster())
        #expect(held.unfilled.isEmpty, "\(held.unfilled)")
        #expect(held.upcoming.contains { $0.level == LevelRef(ladder: "engineering", level: "L2") }, "\(held.upcoming)")
    }

    @Test func aLevelNobodyFillsIsReportedInTheRoom() throws {
        var roster = try Fixtures.roster()
        roster.levels[LevelRef(ladder: "engineering", level: "L1")] = nil
        let drill = try Drill("/incident declare No on-call --sev P2", roster: roster)
        #expect(drill.pages.isEmpty)
        #expect(drill.posts(to: .incidentRoom).contains { $0.hasPrefix("⚠️ Could not page engineering.L1 (on-call engineer)") })
        #expect(drill.timeline.contains { $0.kind == .paged && $0.text.contains("no one fills it") })
    }
}
