import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// `/incident snooze`, minute by minute on the shipped policy and the example roster: nudges
/// wait for the snooze's end and no miss is counted meanwhile; the ladders keep climbing.
/// A P1 declared at minute 0 by carol with alice as IC (her page acknowledged by taking it).
@Suite struct SnoozeTests {
    func drill() throws -> Drill {
        try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
    }

    @Test func withoutASnoozeTheIcIsNudgedEveryHalfHour() throws {
        var drill = try drill()
        try drill.run(to: 120)
        #expect(drill.nudges == [30, 60, 90, 120])
        #expect(drill.pages == ["0 business.L1 erin", "0 engineering.L1 alice", "60 business.L2 frank", "60 engineering.L2 bob",
                                "90 business.L3 grace", "90 engineering.L3 carol", "120 engineering.L3 carol"])
    }

    /// The IC fills the top of the P1 plan (carol, engineering manager): with nobody above them
    /// to pass to, the missed-updates steps page them, not nobody.
    @Test func anICAtTheTopIsPagedForMissedUpdatesAsBefore() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @carol", by: Fixtures.responder)
        try drill.run(to: 90)
        #expect(drill.pages.contains("60 engineering.L2 bob") && drill.pages.contains("90 engineering.L3 carol"), "\(drill.pages)")
    }

    /// A P2 snoozed for a day (a policy's long `snooze_max`) from Tuesday 10:30 passes the
    /// deadlines of 12:00, 14:00 and 16:00; the next is Wednesday 11:00 (the clock stops
    /// overnight), after the snooze's end at 10:30. The nudge then names 16:00, the last one
    /// passed over; stepping two hours at a time through the night named 10:00, never a deadline.
    @Test func aSnoozeAcrossTheNightNamesADeadlineThatWas() throws {
        var policy = try Fixtures.policy()
        policy.snoozeMax = .hours(24)
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @alice", by: Fixtures.responder, policy: policy)
        try drill.run(to: 24 * 60 + 30, script: [30: [("alice", "/incident snooze 24h")]])
        let nudge = try #require(drill.posts(to: .incidentRoom).last { $0.hasPrefix("⏰") })
        #expect(nudge.contains("is overdue (due 2026-11-24 16:00 UTC, nudges snoozed until 10:30 UTC;"), "\(nudge)")
        #expect(drill.nudges == [24 * 60 + 30])
    }

    /// Before an IC is named the declarer, nudged as acting IC, is passed over for their own
    /// missed updates as an IC is: carol declares a P0 and fills its L3 (engineering manager),
    /// so the second miss, at 30, pages the VP (dave), not her.
    @Test func theDeclarerIsPassedOverForTheirOwnMissedUpdates() throws {
        var drill = try Drill("/incident declare Checkout down --sev P0", by: Fixtures.responder)
        try drill.run(to: 30)
        #expect(drill.pages == ["0 business.L1 erin", "0 engineering.L1 alice", "0 engineering.L4 dave", "15 engineering.L2 bob",
                                "30 engineering.L4 dave"], "\(drill.pages)")
    }

    /// A P2 declared on Tuesday at 16:30 owes its first update on Wednesday at 11:00 (its
    /// cadence's own clock says 18:30, then every two hours). Snoozed from 10:50, snoozed again
    /// at 11:45 and ended at 12:35, the nudge that goes at once names 11:00, the deadline the
    /// snooze passed over: stepped along the cadence's own clock it named 12:30, never a deadline.
    @Test func aSnoozeEndedEarlyNudgesForTheDeadlineAsOwed() throws {
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @alice", by: Fixtures.responder,
                              at: Timestamp(iso8601: "2026-11-24T16:30:00Z")!)
        try drill.run(to: 1_205, script: [1_100: [("alice", "/incident snooze 1h")], 1_155: [("alice", "/incident snooze 1h")],
                                          1_205: [("alice", "/incident snooze off")]])
        let nudge = drill.posts(to: .incidentRoom).last { $0.hasPrefix("⏰") }
        #expect(drill.nudges == [1_205])
        #expect(nudge?.contains("is overdue (due 11:00 UTC;") == true, "\(nudge ?? "")")
    }

    @Test func aSnoozeHoldsTheNudgesAndTheirEscalationButNotTheBusinessLadder() throws {
        var drill = try drill()
        try drill.run(to: 120, script: [25: [("alice", "/incident snooze 1h")]])
        // The update due at 30 waits for 85; the second miss (115) steps the engineering ladder.
        #expect(drill.nudges == [85, 115])
        #expect(drill.pages == ["0 business.L1 erin", "0 engineering.L1 alice", "60 business.L2 frank",
                                "90 business.L3 grace", "115 engineering.L2 bob"])
        let snoozed = try #require(drill.timeline.first { $0.kind == .snoozed })
        #expect(snoozed.author == "alice" && snoozed.at == Fixtures.at(25))
        #expect(snoozed.text == "Snoozed status-update nudges for 1h, until 11:25 UTC.")
        #expect(drill.posts(to: .incidentRoom).contains { $0.contains("snoozed status-update nudges for INC-1 until 11:25 UTC. Pages still go out.") })
        #expect(!drill.timeline.contains { $0.kind == .updateMissed && $0.at < Fixtures.at(85) })
    }

    /// The snooze from 25 to 85 kept the deadlines of 30 and 60 quiet: the nudge at its end
    /// names 11:00 (minute 60), the update owed, not the snooze's end, and says it was snoozed.
    @Test func theNudgeAtASnoozesEndNamesTheDeadlineOwed() throws {
        var drill = try drill()
        try drill.run(to: 85, script: [25: [("alice", "/incident snooze 1h")]])
        let nudge = try #require(drill.posts(to: .incidentRoom).last { $0.hasPrefix("⏰") })
        #expect(nudge.contains("is overdue (due 11:00 UTC, nudges snoozed until 11:25 UTC; P1 updates every 30m)"), "\(nudge)")
        #expect(drill.timeline.contains { $0.kind == .updateMissed && $0.text == "Status update due 11:00 UTC missed (1 in a row)." })
        #expect(drill.incident.nextUpdateDue == Fixtures.at(115))
    }

    @Test func anUpdateDuringTheSnoozeRestartsTheClockAndTheSnoozeStillHolds() throws {
        var drill = try drill()
        // Snoozed until 70; the update at 35 would be due again at 65, inside the snooze.
        try drill.run(to: 100, script: [10: [("alice", "/incident snooze 1h")], 35: [("alice", "/update found the bad deploy")]])
        #expect(drill.nudges == [70, 100])
    }

    /// A severity change retimes the cadence (a full interval from now when the new interval
    /// has already run out since the last update); a snooze ended early goes back to that due
    /// time, not to an earlier one counted from the last update.
    @Test func aSnoozeEndedEarlyKeepsTheDueTimeASeverityChangeGave() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P2 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 100, script: [50: [("alice", "/sev P1 checkout fails too")], 55: [("alice", "/incident snooze 1h")],
                                        60: [("alice", "/incident snooze off")]])
        // P1 updates every 30m: due 11:20, 30m after the raise at 10:50.
        #expect(drill.nudges == [80], "\(drill.nudges)")
    }

    /// A snooze set at P1 outlives a lowering to P3 (a raise brings it back): `off` at P3
    /// ends it, rather than saying there is nothing to snooze, and the raise after it nudges
    /// by the P1 cadence at once.
    @Test func snoozeOffAtP3EndsASnoozeSetAtP1() throws {
        var drill = try drill()
        try drill.run(to: 21, script: [20: [("alice", "/incident snooze 1h")]])
        try drill.run(to: 25, script: [22: [("alice", "/sev P3 contained")], 25: [("alice", "/incident snooze off")]])
        #expect(drill.incident.snoozedUntil == nil)
        #expect(drill.timeline.last { $0.kind == .snoozed }?.text == "Ended the snooze of status-update nudges.")
        try drill.run(to: 60, script: [30: [("alice", "/sev P1 back")]])
        #expect(drill.nudges == [60], "\(drill.nudges)")
    }

    @Test func snoozeOffBringsAnOverdueNudgeAtOnce() throws {
        var drill = try drill()
        // The update due at 30 is nudged at once; the cadence goes on from it (60), as if
        // there had been no snooze.
        try drill.run(to: 75, script: [25: [("alice", "/incident snooze 1h")], 40: [("alice", "/incident snooze off")]])
        #expect(drill.nudges == [40, 60])
        #expect(drill.timeline.first { $0.kind == .updateMissed }?.text == "Status update due 10:30 UTC missed (1 in a row).")
        #expect(drill.timeline.filter { $0.kind == .snoozed }.map(\.text)
            == ["Snoozed status-update nudges for 1h, until 11:25 UTC.", "Ended the snooze of status-update nudges."])
    }

    /// A snooze ended early after two deadlines passed under it counts one miss, for the last
    /// of them, not both at once: the second would page the team lead as the IC ends it.
    @Test func snoozeOffAfterSeveralDeadlinesCountsOneMiss() throws {
        var drill = try drill()
        try drill.run(to: 100, script: [25: [("alice", "/incident snooze 1h")], 84: [("alice", "/incident snooze off")]])
        #expect(drill.nudges == [84, 90])
        #expect(drill.timeline.filter { $0.kind == .updateMissed }.map(\.text)
            == ["Status update due 11:00 UTC missed (1 in a row).", "Status update due 11:30 UTC missed (2 in a row)."])
        #expect(!drill.pages.contains { $0.hasPrefix("84 engineering") })
        #expect(drill.pages.contains("90 engineering.L2 bob"))
    }

    /// Ending a snooze after a miss was counted goes back to the cadence's next deadline; it
    /// does not count a second miss at once (and page the next level early).
    @Test func snoozeOffAfterAMissKeepsTheCadencesNextDeadline() throws {
        var drill = try drill()
        try drill.run(to: 65, script: [31: [("alice", "/incident snooze 1h")], 32: [("alice", "/incident snooze off")]])
        #expect(drill.nudges == [30, 60])
        #expect(drill.pages.contains("60 engineering.L2 bob"))
        #expect(!drill.pages.contains { $0.hasPrefix("32 ") })
    }

    /// A P2 on Friday (12:30): the first update missed at 14:30, the IC snoozes at 16:20 and
    /// ends the snooze at 17:10, after working hours, with the 16:30 deadline passed under it.
    /// Ending it used to count that miss as at 16:30, in working hours, and page the team lead
    /// at 17:10. It owes the update when working hours open, as a snooze that runs out at night
    /// does: nudged on Monday at 09:00 for 16:30, the second miss, which pages the team lead
    /// then. (Until the workflow audit of stop 58 the clock started again at the opening, and
    /// the snooze kept the team lead's page back until 11:00: paging is never snoozed.)
    @Test func snoozeOffAfterWorkingHoursPagesNobodyBeforeTheyOpen() throws {
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @carol", by: Fixtures.responder,
                              at: Timestamp(iso8601: "2026-11-27T12:30:00Z")!)
        try drill.run(to: 279, script: [230: [(Fixtures.responder, "/incident snooze 1h")]])
        let reply = try drill.type("/incident snooze off", by: Fixtures.responder).reply?.plainText() ?? ""
        #expect(reply == "Nudges for INC-1 are back on; an update is overdue (due 16:30 UTC), nudged when working hours open, "
                + "2026-11-30 09:00 UTC.", "\(reply)")
        let mondayNine = 68 * 60 + 30
        try drill.run(to: mondayNine + 120)
        #expect(drill.nudges == [120, mondayNine, mondayNine + 120], "\(drill.nudges)")
        #expect(drill.timeline.filter { $0.kind == .updateMissed }.map(\.text)[1] == "Status update due 2026-11-27 16:30 UTC missed (2 in a row).")
        #expect(drill.pages == ["0 engineering.L1 alice", "\(mondayNine) engineering.L2 bob", "\(mondayNine + 120) engineering.L2 bob"],
                "\(drill.pages)")
    }

    /// The same when the snooze runs out after working hours (the workflow audit of stop 58):
    /// a P2's update due at 16:45, snoozed from 16:30 to 17:30. No miss was ever counted for
    /// 16:45: the first nudge came at 11:00 the next day and the team lead was paged at 13:00,
    /// two hours after he would have been without the snooze. Now 16:45 is nudged at 09:00 and
    /// the team lead is paged at 11:00, as without it.
    @Test func aSnoozeRunningOutAfterWorkingHoursKeepsTheMissForTheOpening() throws {
        func drill(snoozed: Bool) throws -> Drill {
            var drill = try Drill("/incident declare Search slow --sev P2 --ic @carol", by: Fixtures.responder,
                                  at: Timestamp(iso8601: "2026-11-24T14:45:00Z")!)
            try drill.run(to: 1300, script: snoozed ? [105: [(Fixtures.responder, "/incident snooze 1h")]] : [:])
            return drill
        }
        let (nine, eleven) = (18 * 60 + 15, 20 * 60 + 15)
        let snoozed = try drill(snoozed: true)
        #expect(snoozed.nudges == [nine, eleven], "\(snoozed.nudges)")
        #expect(snoozed.timeline.first { $0.kind == .updateMissed }?.text == "Status update due 2026-11-24 16:45 UTC missed (1 in a row).")
        #expect(snoozed.posts(to: .incidentRoom).contains { $0.hasPrefix("⏰") && $0.contains("nudges snoozed until 2026-11-24 17:30 UTC") })
        let plain = try drill(snoozed: false)
        #expect(plain.nudges == [120, eleven], "\(plain.nudges)")
        #expect(snoozed.pages == plain.pages && snoozed.pages == ["0 engineering.L1 alice", "\(eleven) engineering.L2 bob"], "\(snoozed.pages)")
    }

    /// Raised to P1 in the evening after such a snooze ran out: the update it kept for the
    /// opening is nudged at once, and the team lead is paged when he would have been without
    /// the snooze. The raise dropped it, and paged him half an hour later (the audit of this
    /// change).
    @Test func aRaiseAfterASnoozeRanOutAfterHoursKeepsTheMiss() throws {
        func drill(snoozed: Bool) throws -> Drill {
            var drill = try Drill("/incident declare Search slow --sev P2 --ic @carol", by: Fixtures.responder,
                                  at: Timestamp(iso8601: "2026-11-24T14:45:00Z")!)
            var script: [Int: [(PersonID, String)]] = [180: [(Fixtures.responder, "/sev P1 worse")]]
            if snoozed { script[105] = [(Fixtures.responder, "/incident snooze 1h")] }
            try drill.run(to: 300, script: script)
            return drill
        }
        let plain = try drill(snoozed: false)
        let snoozed = try drill(snoozed: true)
        #expect(plain.pages.filter { $0.contains("engineering.L2") }.first == "210 engineering.L2 bob", "\(plain.pages)")
        #expect(snoozed.pages.filter { $0.contains("engineering") } == plain.pages.filter { $0.contains("engineering") }, "\(snoozed.pages)")
        #expect(snoozed.nudges.first == 180, "\(snoozed.nudges)")
    }

    @Test func aShorterSecondSnoozeShortensIt() throws {
        var drill = try drill()
        try drill.run(to: 35, script: [5: [("alice", "/incident snooze 1h")], 6: [("alice", "/incident snooze 10m")]])
        #expect(drill.incident.snoozedUntil == Fixtures.at(16))
        #expect(drill.nudges == [30])
    }

    @Test func theStatusShowsTheSnoozeWhileItLasts() throws {
        var drill = try drill()
        try drill.run(to: 25, script: [25: [("alice", "/incident snooze 45m")]])
        let during = IncidentQueries.status(drill.incident, now: Fixtures.at(30)).plainText()
        #expect(during.contains("Next update due 11:10 UTC") && during.contains("Nudges snoozed until 11:10 UTC"), "\(during)")
        let after = IncidentQueries.status(drill.incident, now: Fixtures.at(71)).plainText()
        #expect(!after.contains("snoozed"))
    }

    @Test func anAdminMaySnoozeButNotAnotherResponder() throws {
        var drill = try drill()
        #expect(throws: IncidentError.self) { try drill.type("/incident snooze 30m", by: "bob") }
        #expect(throws: IncidentError.self) { try drill.type("/incident snooze 30m", by: Fixtures.responder) }
        try drill.type("/incident snooze 30m", by: "grace")
        #expect(drill.incident.snoozedUntil == Fixtures.at(30))
    }

    @Test func refusalsSayWhyAndChangeNothing() throws {
        var drill = try drill()
        let before = drill.incident
        func reason(_ text: String, by actor: PersonID = "alice", in drill: inout Drill) -> String? {
            do {
                try drill.type(text, by: actor)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(reason("/incident snooze 2h", in: &drill) == "A snooze lasts at most 1h (the policy's snooze_max).")
        #expect(reason("/incident snooze off", in: &drill) == "INC-1's nudges are not snoozed.")
        #expect(reason("/incident snooze 30m", by: "bob", in: &drill)
            == "Only the incident commander (@alice) or an incident admin can snooze INC-1's nudges.")
        #expect(drill.incident == before)

        var noCommander = try Drill("/incident declare Search slow --sev P2")
        #expect(reason("/incident snooze 30m", by: "carol", in: &noCommander)?.hasPrefix("INC-1 has no incident commander yet") == true)
        var p3 = try Drill("/incident declare Typo --sev P3 --ic @alice", by: Fixtures.responder)
        #expect(reason("/incident snooze 30m", in: &p3) == "P3 incidents take status updates as needed; there are no nudges to snooze.")
    }

    @Test func thePolicyMaySetTheLongestSnooze() throws {
        let shipped = try Fixtures.text("policy.yaml")
        #expect(try Fixtures.policy().longestSnooze == .hours(1))
        let text = shipped.replacing("snooze_max: 1h", with: "snooze_max: 2h")
        let policy = try Policy.load(yaml: text, file: "policy.yaml")
        #expect(policy.longestSnooze == .hours(2))
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder, policy: policy)
        try drill.type("/incident snooze 2h", by: "alice")
        #expect(drill.incident.snoozedUntil == Fixtures.at(120))
        #expect(throws: ConfigError.self) {
            try Policy.load(yaml: text.replacing("snooze_max: 2h", with: "snooze_max: 2d"), file: "policy.yaml")
        }
    }
}
