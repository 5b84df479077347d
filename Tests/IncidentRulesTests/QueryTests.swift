import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

@Suite struct QueryTests {
    @Test func escalationShowsWhoWasPagedAndWhoIsNext() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 20)
        let forecast = EscalationForecast(drill.incident, now: Fixtures.at(20), roster: drill.roster)
        func line(_ page: PageRecord) -> String { "\(Fixtures.start.minutes(to: page.at)) \(page.level) \(page.person)" }
        #expect(forecast.sent.map(line) == ["0 engineering.L1 alice", "0 business.L1 erin"])
        #expect(forecast.upcoming.prefix(5).map(line) == ["30 engineering.L2 bob", "60 engineering.L3 carol",
                                                         "60 business.L2 frank", "90 engineering.L3 carol",
                                                         "90 business.L3 grace"])
        #expect(forecast.upcoming.count == EscalationForecast.maxUpcoming)
        let text = forecast.message(for: drill.incident).plainText()
        #expect(text.contains("  11:00 UTC  engineering.L3 engineering manager: @carol"))
        #expect(!text.contains("and more"), "the eight are all that come")

        // The forecast is what then happens.
        try drill.run(to: 90)
        #expect(drill.incident.pages.dropFirst(2).prefix(5).map(line) == forecast.upcoming.prefix(5).map(line))
    }

    /// A P0 nobody answers and nobody updates: once the VP's repeats are spent, the forecast
    /// says each ladder has nobody more to page, instead of a bare "no more pages".
    @Test func aLadderThatWentQuietSaysSo() throws {
        var drill = try Drill("/incident declare Checkout down --sev P0")
        let atFirst = EscalationForecast(drill.incident, now: drill.origin, roster: drill.roster)
        #expect(atFirst.cut && atFirst.message(for: drill.incident).plainText().contains("  … and more after these"))
        try drill.run(to: 6 * 60)
        let forecast = EscalationForecast(drill.incident, now: Fixtures.at(6 * 60), roster: drill.roster)
        #expect(forecast.upcoming.isEmpty && !forecast.cut)
        #expect(forecast.quiet == ["engineering", "business"])
        let text = forecast.message(for: drill.incident).plainText()
        #expect(text.contains("  no more pages\nThe engineering ladder has nobody more to page at P0.\n"
            + "The business ladder has nobody more to page at P0."), "\(text)")
    }

    /// A P1 nobody answers: its top's last repeat goes at 13:00, and the engineering ladder
    /// goes quiet at its next slot, 13:30. Asked between the two, the forecast names both
    /// ladders as having nobody more to page; it named only the business ladder, as if the
    /// engineering one still climbed.
    @Test func aLadderWhoseRepeatsAreSpentIsQuietBeforeItsLastSlot() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P1")
        try drill.run(to: 3 * 60 + 10)
        let forecast = EscalationForecast(drill.incident, now: Fixtures.at(3 * 60 + 10), roster: drill.roster)
        #expect(forecast.upcoming.isEmpty, "\(forecast.upcoming)")
        #expect(forecast.quiet == ["engineering", "business"])
        let sent = drill.pages.count
        try drill.run(to: 6 * 60)
        #expect(drill.pages.count == sent, "\(drill.pages.dropFirst(sent))")
    }

    /// Pages more than a day ahead carry their date: a P2 declared on Friday afternoon pages
    /// the team lead on Monday, not "09:00" read as Saturday's.
    @Test func aForecastShowsTheDayOfPagesNotToday() throws {
        let drill = try Drill("/incident declare Checkout slow --sev P2", at: Timestamp(iso8601: "2026-11-27T16:30:00Z")!)
        let text = EscalationForecast(drill.incident, now: drill.origin, roster: drill.roster).message(for: drill.incident).plainText()
        #expect(text.contains("  16:30 UTC  engineering.L1 on-call engineer: @alice"), "\(text)")
        #expect(text.contains("  2026-11-30 09:00 UTC  engineering.L2 team lead: @bob"), "\(text)")
    }

    /// A P3 declared on Friday evening pages the on-call on Monday, the team lead on Tuesday
    /// and again on Wednesday: the list ends at its 96 hours and says more come after them.
    /// It ended there without a word, as if the team lead were paged once.
    @Test func aForecastSaysPagesComeAfterItsHorizon() throws {
        let drill = try Drill("/incident declare Search index stale --sev P3", at: Timestamp(iso8601: "2026-11-27T18:00:00Z")!)
        let forecast = EscalationForecast(drill.incident, now: drill.origin, roster: drill.roster)
        #expect(forecast.later && !forecast.cut)
        let text = forecast.message(for: drill.incident).plainText()
        #expect(text.contains("  … and more after 2026-12-01 18:00 UTC, if nothing changes by then"), "\(text)")
    }

    /// A P1 lowered to P2 late in its climb (the manager's last repeat at 180 was its last
    /// page) still pages the team lead, P2's top: the forecast lists those pages and does not
    /// also say the ladder has nobody more to page.
    @Test func aLadderThatStillPagesForMissedUpdatesIsNotQuiet() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P1")
        let lowered = 3 * 60 + 5
        try drill.run(to: lowered, script: [lowered: [(Fixtures.responder, "/sev P2 only some users")]])
        let forecast = EscalationForecast(drill.incident, now: Fixtures.at(lowered), roster: drill.roster)
        #expect(forecast.upcoming.contains { $0.level.ladder == "engineering" }, "\(forecast.upcoming)")
        #expect(!forecast.quiet.contains("engineering"))
    }

    /// The same P1 lowered once its ladder went idle (out of repeats at 210): it spent more
    /// repeats than P2 has, and stays quiet; the forecast says so.
    @Test func aLadderIdleBeforeItIsLoweredStaysQuiet() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P1")
        let lowered = 3 * 60 + 35
        try drill.run(to: 6 * 60, script: [lowered: [(Fixtures.responder, "/sev P2 only some users")]])
        #expect(drill.pages.filter { Int($0.split(separator: " ")[0])! > lowered && $0.contains("engineering") }.isEmpty, "\(drill.pages)")
        let forecast = EscalationForecast(drill.incident, now: Fixtures.at(6 * 60), roster: drill.roster)
        #expect(!forecast.upcoming.contains { $0.level.ladder == "engineering" }, "\(forecast.upcoming)")
        #expect(forecast.quiet.contains("engineering"))
    }

    /// A P0 lowered by a slip and raised back at once: the VP, paged at once a moment ago, is
    /// not paged a second time in the same second.
    @Test func aP0RaisedBackAtOnceDoesNotPageTheVPAgain() throws {
        var drill = try Drill("/incident declare DB down --sev P0")
        try drill.run(to: 1, script: [1: [(Fixtures.responder, "/sev P2 mis-typed"), (Fixtures.responder, "/sev P0 back")]])
        #expect(drill.pages.filter { $0.contains("engineering.L4") } == ["0 engineering.L4 dave"], "\(drill.pages)")
    }

    /// A P0 lowered late in its climb, raised at 160, lowered at 161 and raised at 162: the VP
    /// is paged at once at 160, not again at 162 (found by a recheck audit: paged twice, two
    /// minutes apart).
    @Test func aP0RaisedTwiceWithinMinutesPagesTheVPOnce() throws {
        var drill = try Drill("/incident declare DB down --sev P0")
        var script: [Int: [(PersonID, String)]] = [125: [(Fixtures.responder, "/sev P1 calmer")], 160: [(Fixtures.responder, "/sev P0 worse")],
                                                   161: [(Fixtures.responder, "/sev P1 meh")], 162: [(Fixtures.responder, "/sev P0 worse")]]
        for minute in stride(from: 10, through: 200, by: 10) where script[minute] == nil { script[minute] = [(Fixtures.responder, "/update looking")] }
        try drill.run(to: 165, script: script)
        let dave = drill.pages.filter { $0.hasSuffix("dave") }.map { Int($0.split(separator: " ")[0])! }
        #expect(!dave.contains(162), "\(dave) \(drill.incident.pages.filter { $0.person == "dave" })")
    }

    /// Only a page at once moments ago is a double: a P1 raised to P0 two minutes after its
    /// climb paged the level the P0 pages at once still pages it at once (an ordinary page is
    /// closed by someone else's acknowledgement; the P0's must reach them).
    @Test func aRaiseToP0PagesAtOnceALevelTheClimbPagedMomentsAgo() throws {
        var policy = try Fixtures.policy()
        var rules = policy[.p0]
        rules.pageAtOnce = [LevelRef(ladder: "engineering", level: "L1")]
        policy.severities[.p0] = rules
        var drill = try Drill("/incident declare DB down --sev P1", policy: policy)
        try drill.run(to: 2, script: [2: [(Fixtures.responder, "/sev P0 worse")]])
        #expect(drill.incident.pages.contains { $0.person == "alice" && $0.reason == .immediate && $0.at == Fixtures.at(2) },
                "\(drill.incident.pages)")
    }

    @Test func anAcknowledgedIncidentForecastsOnlyTheBusinessLadder() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 5, script: [5: [("alice", "/update on it")]])
        let forecast = EscalationForecast(drill.incident, now: Fixtures.at(5), roster: drill.roster)
        #expect(forecast.stopped.map(\.ladder) == ["engineering"])
        #expect(forecast.upcoming.map(\.level.ladder).first == "business")
        // Missed updates still step it (the list shows them), which the last line says.
        #expect(forecast.message(for: drill.incident).plainText().hasSuffix(
            "The engineering ladder has stopped (acknowledged), but missed status updates still step it: post one with /update."))
    }

    /// The VP acknowledges a P0 and nobody posts updates: the missed ones still step the
    /// engineering ladder, which the forecast lists, and it says so instead of "stopped" alone.
    @Test func aForecastOfAStoppedLadderThatMissedUpdatesStillStepSaysSo() throws {
        var drill = try Drill("/incident declare DB down --sev P0")
        try drill.run(to: 1, script: [1: [("dave", "/ack")]])
        let forecast = EscalationForecast(drill.incident, now: Fixtures.at(1), roster: drill.roster)
        #expect(forecast.upcoming.contains { $0.level.ladder == "engineering" && $0.reason == .missedUpdate }, "\(forecast.upcoming)")
        let text = forecast.message(for: drill.incident).plainText()
        #expect(text.contains("The engineering ladder has stopped (acknowledged), but missed status updates still step it: post one with /update."),
                "\(text)")
    }

    /// A P2 never runs the business ladder: its mitigation is no news about it.
    @Test func aLadderThatNeverRanIsNotSaidToHaveStopped() throws {
        var drill = try Drill("/incident declare Search slow --sev P2 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 5, script: [5: [("alice", "/incident mitigated")]])
        let text = EscalationForecast(drill.incident, now: Fixtures.at(5), roster: drill.roster).message(for: drill.incident).plainText()
        #expect(!text.contains("business") && text.contains("The engineering ladder has stopped"), "\(text)")
    }

    @Test func durationsComeFromTheTimeline() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 90, script: [7: [("alice", "/ack")], 40: [(Fixtures.responder, "/incident mitigated")],
                                      90: [(Fixtures.responder, "/incident resolve")]])
        let durations = IncidentDurations(timeline: drill.timeline)
        #expect(durations.toAcknowledge == .minutes(7))
        #expect(durations.toMitigate == .minutes(40))
        #expect(durations.toResolve == .minutes(90))
        var direct = try Drill("/incident declare X --sev P2")
        try direct.run(to: 30, script: [30: [(Fixtures.responder, "/incident resolve")]])
        #expect(IncidentDurations(timeline: direct.timeline).toMitigate == .minutes(30))
        // Resolved before anyone acknowledged: that reached acknowledging too.
        #expect(IncidentDurations(timeline: direct.timeline).toAcknowledge == .minutes(30))
        // A month on, the status says how long it was open, and, with no update, the day it was declared.
        let status = IncidentQueries.status(direct.incident, now: Fixtures.at(30 * 1_440)).plainText()
        #expect(status.contains("· resolved after 30m") && status.contains("no update yet (declared 2026-11-24 10:00 UTC)"), "\(status)")
    }

    @Test func thePostmortemDraftCarriesTheRecord() throws {
        var drill = try Drill("/incident declare Payment | API errors --sev P1")
        try drill.run(to: 60, script: [7: [("alice", "/ack")], 20: [("alice", "/note restarted pods")],
                                      60: [(Fixtures.responder, "/incident resolve Rolled back 2026.11.3")]])
        let draft = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline)
        for section in ["## Summary", "## Impact", "## Timeline", "## Root cause", "## What went well", "## What to improve",
                        "## Action items"] {
            #expect(draft.contains("\n\(section)\n"), "\(section)")
        }
        #expect(draft.hasPrefix("# Post-mortem: INC-1 Payment \\| API errors\n"))
        #expect(draft.contains("| Time to acknowledge | 7m |"))
        #expect(draft.contains("| Time to resolve | 1h |"))
        #expect(draft.contains("\nRolled back 2026.11.3\n"))
        #expect(draft.contains("| 2026-11-24 10:20 UTC | @alice | Note: restarted pods |"))
        #expect(draft.components(separatedBy: "\n").filter { $0.hasPrefix("| 2026-11-24") }.count == drill.timeline.count)
    }

    /// A note or an update is labelled as what someone typed: a note written like the bot's
    /// own entry cannot pass for it, and put the acknowledgement in the table at its time.
    @Test func aNoteCannotPassForTheBotsOwnEntryInTheDraft() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 5, script: [2: [("bob", "/note Acknowledged by @alice (in chat).")], 3: [("bob", "/update Mitigated.")],
                                     5: [("alice", "/ack")]])
        let rows = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline).components(separatedBy: "\n")
        #expect(rows.contains("| 2026-11-24 10:02 UTC | @bob | Note: Acknowledged by @alice (in chat). |"), "\(rows)")
        #expect(rows.contains("| 2026-11-24 10:03 UTC | @bob | Update: Mitigated. |"), "\(rows)")
        #expect(rows.contains("| 2026-11-24 10:05 UTC | @alice | Acknowledged by @alice (in chat). |"), "\(rows)")
        // The command it asks for is named as the reader types it: on Matrix, `!`.
        #expect(rows.contains("| Time to detect | not given (/incident started) |"), "\(rows)")
        let onMatrix = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline, inChat: true, commandPrefix: "!")
        #expect(onMatrix.contains("| Time to detect | not given (!incident started) |"), "\(onMatrix)")
    }

    @Test func statusSaysWhereTheIncidentStands() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 35)
        let status = IncidentQueries.status(drill.incident, now: Fixtures.at(35)).plainText()
        #expect(status == """
            INC-1 (P1) Payment API errors — investigating
            Room #incident-20261124-payment-api-errors · declared 2026-11-24 10:00 UTC by @carol · open 35m
            incident commander: @alice · comms lead: — · scribe: — · technical lead: —
            Call: https://meet.example.com/incident-1
            Status: investigating · no update yet (declared 10:00 UTC)
            Next update due 11:00 UTC
            Targets: acknowledge 30m: met (0s) · mitigate 4h: 3h25m left · resolve 1d: 23h25m left
            Acknowledged after 0s
            """)
    }

    /// An update in the declaration's own second is an update: the status and a handover's
    /// briefing do not read "no update yet" after it.
    @Test func anUpdateInTheDeclarationsSecondCounts() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.type("/update Rolled back the deploy.", by: "alice")
        #expect(drill.incident.lastUpdateAt == drill.incident.declaredAt)
        let status = IncidentQueries.status(drill.incident, now: Fixtures.at(0)).plainText()
        #expect(status.contains("Status: investigating · last update 10:00 UTC"), "\(status)")
    }

    /// Mitigated at 10 and acknowledged at 20: the status says 10m, as the post-mortem and the
    /// report do, not the /ack's 20m.
    @Test func statusMeasuresTheAcknowledgementAsThePostmortemDoes() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 20, script: [10: [(Fixtures.responder, "/incident mitigated")], 20: [("alice", "/ack")]])
        #expect(drill.incident.acknowledgedAt == Fixtures.at(20))
        let status = IncidentQueries.status(drill.incident, now: Fixtures.at(20)).plainText()
        #expect(status.contains("Acknowledged after 10m (counted at the mitigation, which came before any acknowledgement)"), "\(status)")
        #expect(IncidentDurations(timeline: drill.timeline).toAcknowledge == .minutes(10))
    }

    @Test func theListShowsOpenIncidentsMostSevereFirst() throws {
        let a = try Drill("/incident declare Minor thing --sev P3").incident
        var b = try Drill("/incident declare Big thing --sev P0")
        try b.type("/incident resolve", by: Fixtures.responder)
        var c = try Drill("/incident declare Closed thing --sev P0")
        try c.type("/incident resolve", by: Fixtures.responder)
        try c.type("/incident close", by: Fixtures.responder)
        let list = IncidentQueries.list([a, b.incident, c.incident]).plainText().components(separatedBy: "\n")
        #expect(list.count == 3)
        #expect(list[0] == "Open incidents (2, 1 of them resolved)")
        // Still hurting first: a resolved P0 waiting for its post-mortem goes after a P3 under way.
        #expect(list[1].hasPrefix("INC-1 P3 investigating · Minor thing"))
        #expect(list[2].hasPrefix("INC-1 P0 resolved · Big thing"))
        #expect(IncidentQueries.list([]).plainText() == "No open incidents.")
    }

    /// Ninety resolved P1s waiting for their post-mortems and a new outage: the outage comes
    /// first, and past forty the list says how many more there are.
    @Test func theListPutsWhatStillHurtsFirstAndCountsWhatItLeavesOut() throws {
        var incidents: [Incident] = []
        for number in 1...90 {
            var drill = try Drill("/incident declare Old thing \(number) --sev P1")
            try drill.type("/incident resolve", by: Fixtures.responder)
            incidents.append(drill.incident)
        }
        let outage = try Drill("/incident declare Login is down --sev P1").incident
        let list = IncidentQueries.list(incidents + [outage]).plainText().components(separatedBy: "\n")
        #expect(list[0] == "Open incidents (91, 90 of them resolved)")
        #expect(list[1].hasPrefix("INC-1 P1 investigating · Login is down"))
        #expect(list.count == 42)
        #expect(list.last == "… and 51 more (51 resolved); /incident status INC-N shows one.")
    }
}
