import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// The plans' escalation matrix on the shipped policy, minute by minute: when each level is
/// reached per severity if nobody answers, working hours, and the bound on repeats.
@Suite struct EscalationMatrixTests {
    /// Friday 2026-11-27 22:00 UTC: after working hours, before a weekend.
    static let fridayNight = Timestamp(iso8601: "2026-11-27T22:00:00Z")!

    /// Minute of the first climb to `level`, with updates posted on time so only the ladder's
    /// own clock moves it; nil if never reached by `until`.
    static func firstClimb(_ severity: Severity, to level: String, until: Int) throws -> Int? {
        var drill = try Drill("/incident declare Matrix check --sev \(severity)")
        var script: [Int: [(PersonID, String)]] = [:]
        for minute in stride(from: 10, through: until, by: 10) { script[minute] = [(Fixtures.responder, "/update working on it")] }
        try drill.run(to: until, script: script)
        let page = drill.incident.pages.first { $0.reason == .climb && $0.level.description == level }
        return page.map { drill.origin.minutes(to: $0.at) }
    }

    @Test(arguments: [
        (Severity.p0, "engineering.L2", 15), (.p0, "engineering.L3", 45), (.p0, "engineering.L4", 105),
        (.p1, "engineering.L2", 30), (.p1, "engineering.L3", 60),
        (.p2, "engineering.L2", 240), (.p3, "engineering.L2", 1440),
        (.p0, "business.L2", 60), (.p1, "business.L3", 90),
    ])
    func eachLevelIsReachedOnThePlansMinuteAndNotBefore(severity: Severity, level: String, minute: Int) throws {
        #expect(try Self.firstClimb(severity, to: level, until: minute - 1) == nil)
        #expect(try Self.firstClimb(severity, to: level, until: minute) == minute)
    }

    @Test(arguments: [(Severity.p1, "engineering.L4"), (.p2, "engineering.L3"), (.p3, "engineering.L3"), (.p2, "business.L1")])
    func aSeverityNeverReachesTheLevelsItDoesNotUse(severity: Severity, level: String) throws {
        var drill = try Drill("/incident declare Quiet --sev \(severity)")
        try drill.run(to: 3 * 24 * 60)
        #expect(!drill.incident.pages.contains { $0.level.description == level })
    }

    @Test func aP3DeclaredOnFridayNightPagesNobodyUntilMondayThenOnlyTheOnCall() throws {
        var drill = try Drill("/incident declare Typo on the status page --sev P3", at: Self.fridayNight)
        let monday = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-30T09:00:00Z")!)
        #expect(drill.pages.isEmpty)
        let held = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("🌙 Outside working hours") }
        #expect(held == ["🌙 Outside working hours: the page for engineering.L1 (on-call engineer) waits until 2026-11-30 09:00 UTC "
                         + "(P3 pages Mon Tue Wed Thu Fri 09:00–17:00). Raise it to P1 or P0 to page now."])
        let forecast = EscalationForecast(drill.incident, now: drill.origin, roster: drill.roster)
        #expect(forecast.held.map(\.until) == [Timestamp(iso8601: "2026-11-30T09:00:00Z")!])
        #expect(forecast.upcoming.first.map { drill.origin.minutes(to: $0.at) } == monday)
        #expect(forecast.message(for: drill.incident).plainText()
            .contains("The engineering ladder waits for working hours: engineering.L1 is paged at 2026-11-30 09:00 UTC."))

        try drill.run(to: monday - 1)
        #expect(drill.pages.isEmpty)
        try drill.run(to: monday + 8 * 60)
        #expect(drill.pages == ["\(monday) engineering.L1 alice"])
        #expect(drill.posts(to: .incidentRoom).filter { $0.hasPrefix("🌙") }.count == 1)
        // The team lead 24 hours after the on-call's page: Tuesday 09:00.
        try drill.run(to: monday + 24 * 60)
        #expect(drill.pages.last == "\(monday + 24 * 60) engineering.L2 bob")
    }

    @Test func aLevelDueAfterHoursWaitsForTheNextMorning() throws {
        // P2 at Tuesday 16:00: the on-call at once, the team lead due at 20:00 waits for Wednesday 09:00.
        var drill = try Drill("/incident declare Search slow --sev P2", at: Timestamp(iso8601: "2026-11-24T16:00:00Z")!)
        try drill.run(to: 17 * 60 + 10)
        #expect(drill.pages == ["0 engineering.L1 alice", "1020 engineering.L2 bob"])
        #expect(drill.timeline.contains { $0.kind == .paged && $0.text.hasPrefix("Holding the page for engineering.L2 (team lead) until 2026-11-25 09:00 UTC") })
        // The update clock stops for the night and starts again at 09:00: the first nudge is
        // one interval (2 h) after the opening, none at night, none piled up.
        #expect(drill.nudges.isEmpty)
        try drill.run(to: 19 * 60)
        #expect(drill.nudges == [19 * 60])
        #expect(drill.incident.missedUpdates == 1)
    }

    /// A P2 declared on Friday night: Monday 09:00 pages the on-call, and is not a missed
    /// update as well. The team lead comes for missed updates after two intervals, as for one
    /// declared at 09:00, not one.
    @Test func aP2DeclaredOnFridayNightGivesTheOnCallAWholeMorning() throws {
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @alice", by: Fixtures.responder, at: Timestamp(iso8601: "2026-11-27T22:00:00Z")!)
        let monday = 59 * 60
        try drill.run(to: monday + 4 * 60)
        #expect(drill.nudges == [monday + 2 * 60, monday + 4 * 60], "\(drill.nudges)")
        #expect(drill.pages.filter { $0.hasSuffix(" bob") } == ["\(monday + 4 * 60) engineering.L2 bob"], "\(drill.pages)")
    }

    /// A P2 declared on Monday at 07:00: its update clock starts at the 09:00 opening, as the
    /// on-call's page does, so the first nudge is at 11:00 and the team lead comes at 13:00, as
    /// for one declared at 09:00. It counted from 07:00: a nudge at 09:00 in the second the
    /// on-call first heard of it, and the team lead paged at 11:00.
    @Test func aP2DeclaredBeforeTheOpeningCountsItsUpdatesFromTheOpening() throws {
        var drill = try Drill("/incident declare Search flaky --sev P2 --ic @alice", by: Fixtures.responder,
                              at: Timestamp(iso8601: "2026-11-30T07:00:00Z")!)
        try drill.run(to: 6 * 60)
        #expect(drill.nudges == [4 * 60, 6 * 60], "\(drill.nudges)")
        #expect(drill.pages.filter { $0.hasSuffix(" bob") } == ["\(6 * 60) engineering.L2 bob"], "\(drill.pages)")
    }

    @Test func aSchedulerCatchingUpHoldsWhatARunningOneWouldHaveHeld() throws {
        // P2 at Tuesday 16:00; the bot is down from then until Wednesday 10:00.
        let drill = try Drill("/incident declare Search slow --sev P2", at: Timestamp(iso8601: "2026-11-24T16:00:00Z")!)
        let caughtUp = drill.incident.tick(at: Timestamp(iso8601: "2026-11-25T10:00:00Z")!, roster: drill.roster)
        let paged = caughtUp.effects.compactMap { effect -> PersonID? in if case .page(let page) = effect.action { page.person } else { nil } }
        #expect(paged == ["bob"])
        // The team lead's page went out at 09:00 as it would have; its repeats are all still to come.
        let engineering = try #require(caughtUp.incident.ladders["engineering"])
        #expect(engineering.nextStepAt == Timestamp(iso8601: "2026-11-25T13:00:00Z"))
        #expect(engineering.repeatsAtTop == 0)
        #expect(engineering.heldPage == nil)
    }

    /// A P2 declared on Tuesday at 10:00 reaches the team lead at 14:00; the bot is down from
    /// then until Wednesday 03:00. Catching up, it pages nobody at 03:00: the team lead's page
    /// waits for 09:00, and the room is told so once. It went out at 03:00, judged by the
    /// time it fell due, while the room was told the P2 waits for 09:00.
    @Test func aSchedulerCatchingUpAtNightHoldsAPageThatFellDueInWorkingHours() throws {
        var drill = try Drill("/incident declare Reports slow --sev P2")
        let night = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-25T03:00:00Z")!)
        let opening = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-25T09:00:00Z")!)
        drill.jump(to: night)
        #expect(drill.pages == ["0 engineering.L1 alice"])
        let engineering = try #require(drill.incident.ladders["engineering"])
        #expect(engineering.heldPage != nil)
        #expect(engineering.nextStepAt == Timestamp(iso8601: "2026-11-25T09:00:00Z"))
        #expect(drill.posts(to: .incidentRoom).filter { $0.hasPrefix("🌙") }.count == 1)
        // Nor is anyone nudged at 03:00 for the updates missed on Tuesday; they are counted.
        #expect(drill.nudges.isEmpty)
        #expect(drill.incident.missedUpdates > 0)
        try drill.run(to: opening + 3 * 60)
        #expect(drill.pages.prefix(2) == ["0 engineering.L1 alice", "\(opening) engineering.L2 bob"])
        #expect(!drill.nudges.isEmpty && drill.nudges.allSatisfy { $0 >= opening }, "\(drill.nudges)")
    }

    /// The same P2 with an IC named: its ladder is acknowledged, and missed updates page the
    /// team lead (at 14:00 and 16:00 on a running bot). Caught up at 03:00, that page waits
    /// for 09:00. It was dropped as a step due outside working hours, and bob first heard at
    /// 11:00 the next day.
    @Test func aCatchUpAtNightHoldsTheMissedUpdatePageOfAnAcknowledgedLadder() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P2 --ic @alice", by: Fixtures.responder)
        let night = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-25T03:00:00Z")!)
        let opening = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-25T09:00:00Z")!)
        drill.jump(to: night)
        #expect(!drill.pages.contains { $0.hasSuffix(" bob") }, "\(drill.pages)")
        #expect(drill.incident.ladders["engineering"]?.heldPage == .missedUpdate)
        #expect(drill.posts(to: .incidentRoom).contains { $0.hasPrefix("🌙") })
        try drill.run(to: opening)
        #expect(drill.pages.filter { $0.hasSuffix(" bob") } == ["\(opening) engineering.L2 bob"], "\(drill.pages)")
    }

    /// The same P2, its team lead keeping Tokyo's hours (09:00 there is 00:00 UTC): the misses
    /// of Tuesday afternoon fall in the policy's hours and in bob's night. His page waits for
    /// his opening and goes then, and the nudges say so. It was dropped as a step "outside
    /// working hours", at 14:00 on a working Tuesday, and bob was never paged at all.
    @Test func anAcknowledgedLaddersMissedUpdatePageWaitsForThePersonsOwnHours() throws {
        let text = try Fixtures.text("roster.example.yaml")
            .replacing("    matrix: \"@bob:example.org\"\n    prefer: matrix\n", with: "    matrix: \"@bob:example.org\"\n    prefer: matrix\n    time_zone: Asia/Tokyo\n")
        let roster = try Roster.load(yaml: text, file: "roster.yaml", policy: Fixtures.policy())
        #expect(roster.people["bob"]?.zone?.identifier == "Asia/Tokyo")
        var drill = try Drill("/incident declare Checkout slow --sev P2 --ic @alice", by: Fixtures.responder, roster: roster)
        let opening = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-25T00:00:00Z")!)
        try drill.run(to: opening - 1)
        #expect(!drill.pages.contains { $0.hasSuffix(" bob") }, "\(drill.pages)")
        #expect(drill.incident.ladders["engineering"]?.heldPage == .missedUpdate)
        let nudges = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("⏰") && $0.contains("missed in a row") }
        #expect(!nudges.isEmpty && nudges.allSatisfy { $0.hasSuffix("the next page waits for working hours, until 2026-11-25 00:00 UTC.") },
                "\(nudges)")
        #expect(!drill.timeline.contains { $0.text.hasPrefix("Not paging") }, "\(drill.timeline.map(\.text))")
        try drill.run(to: opening + 1)
        #expect(drill.pages.filter { $0.hasSuffix(" bob") } == ["\(opening) engineering.L2 bob"], "\(drill.pages)")
    }

    /// A P2 declared at 16:00 holds its team lead's page for 09:00; an IC named at 22:00 drops
    /// it. The next day's missed updates page the team lead for the first time: the nudge says
    /// the ladder escalates, not that "the top of the ladder is paged again".
    @Test func aLevelWhosePageNeverWentIsNotPagedAgain() throws {
        var drill = try Drill("/incident declare DB down --sev P2", by: "alice", at: Timestamp(iso8601: "2026-11-24T16:00:00Z")!)
        try drill.run(to: 27 * 60, script: [6 * 60: [("grace", "/ic @alice")]])
        let bob = drill.pages.filter { $0.hasSuffix(" bob") }
        #expect(!bob.isEmpty, "\(drill.pages)")
        let first = drill.posts(to: .incidentRoom).first { $0.hasPrefix("⏰") && $0.contains("missed in a row") }
        #expect(first?.hasSuffix("2 updates missed in a row: escalating to the next level.") == true, "\(first ?? "no nudge")")
    }

    /// A team lead's page due at 16:57 taken at 17:04 (a database failing over, a standby
    /// taking over: minutes, not downtime) goes then, judged at its due time; judged at the
    /// moment it was taken it waited for the next morning.
    @Test func aStallOfMinutesPastClosingStillSendsThePage() throws {
        let declared = try Drill("/incident declare Reports slow --sev P2", at: Timestamp(iso8601: "2026-11-24T12:57:00Z")!)
        let late = declared.incident.tick(at: Timestamp(iso8601: "2026-11-24T17:04:00Z")!, roster: declared.roster)
        let paged = late.effects.compactMap { effect -> PersonID? in if case .page(let page) = effect.action { page.person } else { nil } }
        #expect(paged == ["bob"])
    }

    /// The acknowledged ladder's missed-update page held for 09:00 after a night's catch-up
    /// does not go once the IC posted an update at 08:50: the update it asked for came.
    @Test func aHeldMissedUpdatePageIsDroppedOnceAnUpdateComes() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P2 --ic @alice", by: Fixtures.responder)
        let night = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-25T03:00:00Z")!)
        let opening = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-25T09:00:00Z")!)
        drill.jump(to: night)
        #expect(drill.incident.ladders["engineering"]?.heldPage == .missedUpdate)
        try drill.run(to: opening - 10, script: [opening - 10: [("alice", "/update rolling back now")]])
        // Dropped at the update, so the forecast no longer says it goes.
        #expect(drill.incident.ladders["engineering"]?.heldPage == nil)
        let forecast = EscalationForecast(drill.incident, now: drill.origin + .minutes(opening - 10), roster: drill.roster)
        #expect(forecast.held.isEmpty, "\(forecast.held)")
        try drill.run(to: opening + 10)
        #expect(!drill.pages.contains { $0.hasSuffix(" bob") }, "\(drill.pages)")
    }

    /// A P0 caught up at 11:59:30 pages the VP (reached at 11:45); their next repeat, due at
    /// 12:00, would ring the same phone thirty seconds later: it is skipped, uncounted.
    @Test func aCatchUpPagingTheTopMomentsBeforeItsRepeatSkipsThatRepeat() throws {
        let declared = try Drill("/incident declare DB down --sev P0")
        let at = Fixtures.start + .seconds(119 * 60 + 30)
        let late = declared.incident.tick(at: at, roster: declared.roster)
        #expect(late.effects.contains { if case .page(let page) = $0.action { page.person == "dave" } else { false } })
        let next = try #require(late.incident.ladders["engineering"]?.nextStepAt)
        #expect(next - at >= .minutes(5), "\(next)")
        let noon = late.incident.tick(at: Fixtures.at(120), roster: declared.roster)
        #expect(!noon.effects.contains { if case .page(let page) = $0.action { page.person == "dave" } else { false } })
    }

    /// A scheduler a minute late (a slow tick, not downtime) still judges a step by its due time:
    /// a team lead's page due at 16:59 goes out at 17:00, as a running one would have sent it.
    @Test func aStepAMinuteLateIsJudgedAtItsDueTime() throws {
        let declared = try Drill("/incident declare Reports slow --sev P2", at: Timestamp(iso8601: "2026-11-24T12:59:00Z")!)
        let late = declared.incident.tick(at: Timestamp(iso8601: "2026-11-24T17:00:00Z")!, roster: declared.roster)
        let paged = late.effects.compactMap { effect -> PersonID? in if case .page(let page) = effect.action { page.person } else { nil } }
        #expect(paged == ["bob"])
    }

    /// The team lead of a P2 is reached at 14:00 and goes unanswered through the night; repeated
    /// at 09:00, the incident is raised to P1 at 09:20. The team lead waited far longer than
    /// P1's 30 minutes, so the engineering manager is paged at once; the wait was counted from
    /// the 09:00 repeat, and the manager paged at 09:30.
    @Test func aRaiseWhileTheTopRepeatsCountsTheWaitFromWhenItWasReached() throws {
        var drill = try Drill("/incident declare Reports slow --sev P2")
        let raise = 23 * 60 + 20
        try drill.run(to: raise + 29, script: [23 * 60: [(Fixtures.responder, "/update looking")],
                                               raise: [(Fixtures.responder, "/sev P1 spreading"), (Fixtures.responder, "/update looking")]])
        #expect(drill.pages.contains("\(23 * 60) engineering.L2 bob"), "\(drill.pages)")
        #expect(drill.pages.filter { $0.hasSuffix("engineering.L3 carol") } == ["\(raise) engineering.L3 carol"], "\(drill.pages)")
    }

    @Test func aLevelGetsItsOwnRepeatsWhateverTheLevelBelowUsed() throws {
        // P1: the engineering manager at 60 and again at 90; raised to P0 at 100, the VP is
        // paged at once, and the ladder reaches them at 120 (P0's hour from the manager's first
        // page) and repeats them all 8 times. Updates come on time throughout.
        var drill = try Drill("/incident declare DB down --sev P1")
        var script: [Int: [(PersonID, String)]] = [100: [(Fixtures.responder, "/sev P0")]]
        for minute in stride(from: 10, through: 400, by: 10) where minute != 100 {
            script[minute] = [(Fixtures.responder, "/update working on it")]
        }
        try drill.run(to: 400, script: script)
        let dave = drill.pages.filter { $0.hasSuffix("dave") }.map { Int($0.split(separator: " ")[0])! }
        #expect(dave == [100, 120, 135, 150, 165, 180, 195, 210, 225, 240])
    }

    /// The P1's climb reaches the engineering manager at 60; the declarer's update, a minute
    /// late on the ladder's clock, falls due at 61. That missed update does not page her again a
    /// minute later (nor spend a repeat on it): she gets her four repeats at the ladder's own
    /// half hours.
    @Test func aMissedUpdateDoesNotRepeatATopPagedAMinuteAgo() throws {
        var drill = try Drill("/incident declare Dbl --sev P1", by: "bob")
        try drill.run(to: 300, script: [1: [("bob", "/update looking into it")]])
        let carol = drill.pages.filter { $0.hasSuffix(" carol") }.map { Int($0.split(separator: " ")[0])! }
        #expect(carol == [60, 90, 120, 150, 180])
        let nudge = drill.posts(to: .incidentRoom).first { $0.contains("(due 11:01") }
        #expect(nudge?.hasSuffix("2 updates missed in a row: the top of the engineering ladder was paged at 11:00 UTC; it is not paged again so soon.") == true,
                "\(nudge ?? "no nudge")")
    }

    /// A P1 lowered to P2 at 95: the team lead (the P2's top) was paged at 30, the
    /// engineering manager at 60 and 90. The update due at 120 is missed: the team lead is
    /// paged again, 90 minutes after his last page, not passed over for the P2's longer period.
    @Test func aMissedUpdateAfterALoweringPagesATopLastPagedLongAgo() throws {
        var drill = try Drill("/incident declare checkout down --sev P1", by: "erin")
        try drill.run(to: 120, script: [95: [("erin", "/sev P2 contained")]])
        #expect(drill.pages.contains("120 engineering.L2 bob"), "\(drill.pages)")
    }

    @Test func aPersonIsInvitedToTheRoomWithTheirFirstPageOnly() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 120)
        let invited = drill.effects.compactMap { _, effect -> [PersonID]? in if case .invite(let people) = effect.action { people } else { nil } }
        #expect(invited == [["alice"], ["erin"], ["bob"], ["carol"], ["frank"], ["grace"]])
        // An incident stored before invitations were kept invites at its next page again.
        var old = drill.incident
        old.invited = nil
        let next = old.tick(at: Fixtures.at(150), roster: drill.roster)
        #expect(next.effects.contains { if case .invite(["carol"]) = $0.action { true } else { false } })
    }

    /// The on-call, who heard of a P3 before its page went out, is told when it goes and how
    /// to take the incident now, not that only people paged may acknowledge (naming nobody).
    @Test func anAcknowledgementBeforeAHeldPageGoesSaysWhenItGoes() throws {
        var drill = try Drill("/incident declare Odd errors --sev P3", at: Self.fridayNight)
        do {
            try drill.type("/ack", by: "alice")
            Issue.record("acknowledged before anyone was paged")
        } catch let error as IncidentError {
            #expect(error.description == "Nobody has been paged for INC-1 yet: its first page waits for working hours, until "
                    + "2026-11-30 09:00 UTC. To take it on now, name yourself incident commander: /ic me.", "\(error.message)")
        }
    }

    /// Someone off the roster may not take it: told to, their `/ic me` was refused.
    @Test func anAccountOffTheRosterIsNotToldToTakeAHeldIncident() throws {
        var drill = try Drill("/incident declare Odd errors --sev P3", at: Self.fridayNight)
        let refused = #expect(throws: IncidentError.self) { try drill.type("/ack", by: Fixtures.reporter) }
        #expect(refused?.description == "Nobody has been paged for INC-1 yet: its first page waits for working hours, until "
                + "2026-11-30 09:00 UTC. To have it handled now, ask someone on the roster to take it.")
    }

    @Test func raisingAHeldIncidentPagesAtOnce() throws {
        var drill = try Drill("/incident declare Odd errors --sev P3", at: Self.fridayNight)
        try drill.run(to: 10, script: [10: [(Fixtures.responder, "/sev P1 customers affected")]])
        #expect(drill.pages == ["10 business.L1 erin", "10 engineering.L1 alice"])
        try drill.run(to: 40)
        #expect(drill.pages.last == "40 engineering.L2 bob")
    }

    @Test func aPersonsOwnZoneDecidesTheirWorkingHours() throws {
        var roster = try Fixtures.roster()
        roster.people["alice"]?.zone = LocalZone(identifier: "America/New_York")
        // Tuesday 10:00 UTC is 05:00 in New York: alice is paged at 09:00 there, 14:00 UTC.
        var drill = try Drill("/incident declare Search slow --sev P2", roster: roster)
        try drill.run(to: 4 * 60)
        #expect(drill.pages == ["240 engineering.L1 alice"])
    }

    /// The update clock starts when the on-call's first page goes, on their clock as on the
    /// policy's: alice (New York) is first paged at 14:00 UTC, and misses counted from the
    /// policy's 09:00 paged bob, the team lead, at 16:00, two hours after her. Now the first
    /// update is due at 16:00, and bob is paged when the plan's four hours bring him, at the
    /// next opening.
    @Test func theUpdateClockWaitsForTheOnCallsFirstPageOnTheirClock() throws {
        var roster = try Fixtures.roster()
        roster.people["alice"]?.zone = LocalZone(identifier: "America/New_York")
        var drill = try Drill("/incident declare Search slow --sev P2", roster: roster)
        try drill.run(to: 24 * 60)
        #expect(drill.pages == ["240 engineering.L1 alice", "1380 engineering.L2 bob"], "\(drill.pages)")
        let misses = drill.timeline.filter { $0.kind == .updateMissed }.map(\.text)
        #expect(misses.first == "Status update due 16:00 UTC missed (1 in a row).", "\(misses)")
        // Someone takes it on five minutes in (an IC named, an update posted): updates are owed
        // from then, as with `--ic`, and the nudge comes when the topic says.
        for command in ["/ic @carol", "/update looking into it"] {
            var taken = try Drill("/incident declare Search slow --sev P2", roster: roster)
            try taken.run(to: 125, script: [5: [(Fixtures.responder, command)]])
            let nudges = taken.timeline.filter { $0.kind == .updateMissed }.map(\.text)
            #expect(nudges == ["Status update due 12:05 UTC missed (1 in a row)."], "\(command): \(nudges)")
        }
    }

    @Test(arguments: Severity.allCases)
    func noSeverityRepeatsPastItsBound(severity: Severity) throws {
        var drill = try Drill("/incident declare Nobody home --sev \(severity)")
        try drill.run(to: 7 * 24 * 60)
        let policy = drill.incident.policy
        for ladder in policy.ladders {
            let plan = policy.plan(ladder, at: severity)
            guard let top = plan.top, case .times(let repeats) = plan.repeats else { continue }
            let atOnce = policy[severity].pageAtOnce.contains(ladder.reference(top.index)) ? 1 : 0
            let topPages = drill.pages.filter { $0.hasSuffix("\(ladder.reference(top.index)) \(drill.roster.onDuty(ladder.reference(top.index), at: drill.origin)!)") }
            #expect(topPages.count <= 1 + repeats + atOnce, "\(ladder.id): \(topPages)")
            #expect(drill.incident.ladders[ladder.id]?.nextStepAt == nil, "\(ladder.id) still climbing")
        }
        #expect(drill.pages.count < 20)
    }
}
