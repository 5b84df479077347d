import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentRules
import IncidentTesting
import Testing

@Suite struct ReportTests {
    @Test func percentilesAreNearestRankAndTheMedianOfAnEvenCountIsTheMidpoint() {
        let values: [Duration] = (1...10).map { .minutes($0) }
        #expect(IncidentReport.percentile(values, 50) == .minutes(5) + .seconds(30))
        #expect(IncidentReport.percentile(values, 90) == .minutes(9))
        #expect(IncidentReport.percentile(Array(values.prefix(9)), 50) == .minutes(5))
        #expect(IncidentReport.percentile([.minutes(20), .minutes(7)], 50) == .minutes(13) + .seconds(30))
        #expect(IncidentReport.percentile([.minutes(7)], 90) == .minutes(7))
        #expect(IncidentReport.percentile([], 50) == nil)
    }

    /// Two P1s run through the engine: one acknowledged at 5 and resolved at 40 with updates on
    /// time, one left alone for an hour and then resolved.
    @Test func measuresFromTheStoredTimelines() async throws {
        let bot = try TestBot()
        let room1 = "slack-room-incident-20261124-payment-api-errors"
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 5)
        try await bot.say("U0ALICE01", "/ack", in: room1)
        try await bot.say("U0ALICE01", "/update found it", in: room1)
        try await bot.run(toMinute: 20)
        try await bot.say("U0REPORTER", "/incident declare Search down --sev P1")
        try await bot.run(toMinute: 40)
        try await bot.say("U0ALICE01", "/incident resolve fixed", in: room1)
        // Updates after the resolution meet no deadline: the second used to count as on time.
        try await bot.say("U0ALICE01", "/update for the record: a bad deploy", in: room1)
        try await bot.say("U0ALICE01", "/update postmortem on Thursday", in: room1)
        try await bot.run(toMinute: 80)
        try await bot.say("U0CAROL03", "/incident resolve INC-2 it came back")
        let incidents = try await bot.store.read { records in
            try records.incidents(declaredSince: TestConfig.start).readable.map { ($0, try records.timeline(incident: $0.incident.number)) }
        }
        let report = IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(80))
        #expect(report.rows.map(\.severity) == [.p1])
        #expect(report.rows.first?.count == 2)
        // INC-2 was never acknowledged: its resolution at 80 reached that too.
        #expect(report.rows.first?.toAcknowledge == [.minutes(5), .minutes(60)])
        #expect(report.rows.first?.toResolve == [.minutes(40), .minutes(60)])
        // INC-1: the update at 5 was on time, the one due at 35 missed. INC-2: missed at 50 and 80.
        #expect(report.updatesOnTime == 1)
        #expect(report.updatesMissed == 3)
        let engineering = report.ladderReach.first { $0.ladder == "engineering" }?.levels.map { "\($0.level) \($0.incidents)" }
        #expect(engineering == ["L1 1", "L2 0", "L3 1", "L4 0"])
        let text = report.text(zone: .utc)
        #expect(text.contains("| P1 | 2 | 32m30s | 1h | 50m | 1h | 50m | 1h |"), "\(text)")
        #expect(text.contains("Status updates on time: 1 of 4 deadlines (25%); 3 missed."))
        #expect(text.contains("Overdue action items: none."))
        // INC-1 acknowledged at 5 (met), INC-2 never (missed at 15); both resolved within 4h.
        #expect(text.contains("- P1: acknowledge 1 of 2, mitigate 2 of 2, resolve 2 of 2"), "\(text)")
    }

    /// An incident nobody acknowledged has no time to acknowledge: the median of the others
    /// says how many it counts, or the worst severity's looks the best. What came after the
    /// report's now (a clock that ran ahead) is no part of it.
    @Test func aMedianSaysHowManyIncidentsItCounts() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.run(toMinute: 5)
        try await bot.say("U0ALICE01", "/ack INC-1")
        try await bot.run(toMinute: 10)
        try await bot.say("U0ALICE01", "/incident resolve INC-1 fixed")
        try await bot.say("U0REPORTER", "/incident declare Search down --sev P1")
        try await bot.run(toMinute: 60)
        let incidents = try await bot.store.read { records in
            try records.incidents(declaredSince: TestConfig.start).readable.map { ($0, try records.timeline(incident: $0.incident.number)) }
        }
        let text = IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(60)).text(zone: .utc)
        #expect(text.contains("| P1 | 2 | 5m (1 of 2) | 5m | 10m (1 of 2) | 10m | 10m (1 of 2) | 10m |"), "\(text)")
        #expect(text.contains("Medians and p90s count the incidents that got there; (1 of 2) says how many did."))
        // Reported as of minute 7: INC-1's resolution at 10 has not come.
        let early = IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(7)).text(zone: .utc)
        #expect(early.contains("| P1 | 1 | 5m | 5m | — | — | — | — |"), "\(early)")
    }

    /// Each update is judged by the severity in force when it came: a P3's updates meet no
    /// deadline though it was raised to P1 later, and a P1's on-time update still counts after
    /// the incident is lowered to P3 for the record.
    @Test func updatesAreJudgedByTheSeverityInForceWhenTheyCame() async throws {
        let bot = try TestBot()
        let room1 = "slack-room-incident-20261124-low-one"
        try await bot.say("U0CAROL03", "/incident declare Low one --sev P3 --ic @carol")
        for minute in [10, 20, 30] {
            try await bot.run(toMinute: minute)
            try await bot.say("U0CAROL03", "/update looking", in: room1)
        }
        try await bot.run(toMinute: 40)
        try await bot.say("U0CAROL03", "/sev P1 worse", in: room1)
        try await bot.run(toMinute: 50)
        try await bot.say("U0CAROL03", "/update now a P1", in: room1)
        try await bot.say("U0CAROL03", "/incident resolve ok", in: room1)
        try await bot.say("U0CAROL03", "/sev P3 for the record", in: room1)
        let incidents = try await bot.store.read { records in
            try records.incidents(declaredSince: TestConfig.start).readable.map { ($0, try records.timeline(incident: $0.incident.number)) }
        }
        #expect(incidents.first?.1.compactMap(\.severitySet) == [.p3, .p1, .p3])
        let report = IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(60))
        #expect(report.updatesOnTime == 1)
        #expect(report.updatesMissed == 0)
    }

    /// A bystander's update is posted but restarts no timer, so it meets no deadline: it used
    /// to count as on time, and to clear the miss before the IC's late update.
    @Test func aBystandersUpdateMeetsNoDeadline() async throws {
        let bot = try TestBot()
        let room = "slack-room-incident-20261124-bystander"
        try await bot.say("U0CAROL03", "/incident declare Bystander --sev P1 --ic @carol")
        try await bot.run(toMinute: 5)
        for text in ["a", "b", "c"] { try await bot.say("U0STRANGER", "/update \(text)", in: room) }
        try await bot.run(toMinute: 31)
        try await bot.say("U0STRANGER", "/update d", in: room)
        try await bot.say("U0CAROL03", "/update late", in: room)
        let incidents = try await bot.store.read { records in
            try records.incidents(declaredSince: TestConfig.start).readable.map { ($0, try records.timeline(incident: $0.incident.number)) }
        }
        #expect(incidents.first?.1.filter { $0.kind == .bystanderUpdate }.count == 4)
        let report = IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(31))
        #expect(report.updatesOnTime == 0)
        #expect(report.updatesMissed == 1)
    }

    /// A mitigation that did not hold: the responder's update says so, and the bot's entry
    /// that goes with it ("Back to investigating") is no second update. It counted as one
    /// on time, and the post-mortem labelled it an update of the bot's.
    @Test func theBotsEntryForAMitigationThatDidNotHoldIsNoUpdate() async throws {
        let bot = try TestBot()
        let room = "slack-room-incident-20261124-flapping"
        try await bot.say("U0CAROL03", "/incident declare Flapping --sev P1 --ic @carol")
        try await bot.run(toMinute: 5)
        try await bot.say("U0CAROL03", "/incident mitigated", in: room)
        try await bot.run(toMinute: 10)
        try await bot.say("U0CAROL03", "/update back status: investigating", in: room)
        let incidents = try await bot.store.read { records in
            try records.incidents(declaredSince: TestConfig.start).readable.map { ($0, try records.timeline(incident: $0.incident.number)) }
        }
        let timeline = try #require(incidents.first?.1)
        #expect(timeline.filter { $0.kind == .statusUpdate }.count == 2, "\(timeline.map(\.text))")
        let report = IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(10))
        #expect(report.updatesOnTime == 1)
        let draft = PostmortemDraft.markdown(try #require(incidents.first?.0.incident), timeline: timeline)
        #expect(draft.contains("| incident-bot | \(TimelineEntry.mitigationNotHeld) |"), "\(draft)")
        #expect(!draft.contains("Update: \(TimelineEntry.mitigationNotHeld)"))
    }

    /// A platform's error on the timeline (a dead letter's) may hold control characters the
    /// chat door would have dropped: the export shows them as escapes, not as a terminal's own.
    @Test func aControlCharacterInACellShowsAsAnEscape() {
        #expect(PostmortemDraft.tableCell("is_archived\u{1B}c\r\nx | y") == "is_archived\\u{1b}c  x \\| y")
    }

    /// A P0 pages the VP at once: that is no climb, and a P0 acknowledged at once reached L1.
    /// An incident declared after the report's end is no part of it.
    @Test func aPageAtOnceIsNoClimbAndTheFutureIsNoPartOfTheReport() async throws {
        let bot = try TestBot()
        try await bot.say("U0CAROL03", "/incident declare Checkout down --sev P0")
        try await bot.run(toMinute: 1)
        try await bot.say("U0ALICE01", "/ack INC-1")
        try await bot.run(toMinute: 12)
        try await bot.say("U0CAROL03", "/incident declare Later thing --sev P2")
        let incidents = try await bot.store.read { records in
            try records.incidents(declaredSince: TestConfig.start).readable.map { ($0, try records.timeline(incident: $0.incident.number)) }
        }
        #expect(incidents.count == 2)
        let report = IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(10))
        #expect(report.rows.map(\.severity) == [.p0])
        let engineering = report.ladderReach.first { $0.ladder == "engineering" }?.levels.map { "\($0.level) \($0.incidents)" }
        #expect(engineering == ["L1 1", "L2 0", "L3 0", "L4 0"], "\(incidents[0].0.incident.pages.map(\.level))")
    }

    /// Pages after the report's now are no part of it either, as the timeline's entries are
    /// not: a report read at minute 20 of a P1 nobody answers counted the team lead's page of
    /// minute 30 (found by an audit, on a clock that ran ahead).
    @Test func aPageAfterTheReportsNowIsNoClimb() async throws {
        let bot = try TestBot()
        try await bot.say("U0CAROL03", "/incident declare Checkout slow --sev P1")
        try await bot.run(toMinute: 31)
        let incidents = try await bot.store.read { records in
            try records.incidents(declaredSince: TestConfig.start).readable.map { ($0, try records.timeline(incident: $0.incident.number)) }
        }
        func reach(at minute: Int) -> [String]? {
            IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(minute)).ladderReach
                .first { $0.ladder == "engineering" }?.levels.map { "\($0.level) \($0.incidents)" }
        }
        #expect(reach(at: 20) == ["L1 1", "L2 0", "L3 0", "L4 0"])
        #expect(reach(at: 31) == ["L1 0", "L2 1", "L3 0", "L4 0"])
    }

    @Test func aDeclarationAndASeverityChangeSayTheSeverityTheySet() {
        func entry(_ kind: TimelineEntry.Kind, _ text: String) -> TimelineEntry {
            TimelineEntry(at: TestConfig.start, author: nil, kind: kind, text: text)
        }
        #expect(entry(.declared, "Declared P2 “DB → P0” as INC-1 in #incident-x.").severitySet == .p2)
        #expect(entry(.declared, "Declared private P0 “Leak” as INC-1 in #incident-x.").severitySet == .p0)
        #expect(entry(.severityChanged, "Lowered severity P1 → P3: was P1 → P0 noise").severitySet == .p3)
        #expect(entry(.note, "Raised severity P1 → P0").severitySet == nil)
    }

    /// An action item past its due day is listed; one due later, or done, is not.
    @Test func listsOverdueActionItems() async throws {
        let bot = try TestBot()
        let room = "slack-room-incident-20261124-payment-api-errors"
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1 --ic @carol")
        try await bot.settle()
        let added = try await bot.say("U0CAROL03", "/action @bob Add an alert on queue depth due: 2026-11-25", in: room)
        #expect(added.disposition == .handled, "\(added.reply?.plainText() ?? "")")
        try await bot.say("U0CAROL03", "/action @alice Write the runbook due: 2026-12-01", in: room)
        try await bot.say("U0CAROL03", "/action @dave Review paging due: 2026-11-25", in: room)
        try await bot.say("U0CAROL03", "/action done A3", in: room)
        let incidents = try await bot.store.read { records in
            try records.incidents(declaredSince: TestConfig.start).readable.map { ($0, try records.timeline(incident: $0.incident.number)) }
        }
        let report = IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(2 * 1_440))
        #expect(report.overdueActions == ["INC-1 A1 @bob Add an alert on queue depth (due 2026-11-25)"])
        #expect(report.text(zone: .utc).contains("Overdue action items (1):\n- INC-1 A1 @bob Add an alert on queue depth (due 2026-11-25)"))
        // A week's report, a month on: the incident is older than the span, its item still overdue.
        let later = TestConfig.at(30 * 1_440)
        let unclosed = try await bot.store.read { try $0.openIncidents() }
        let weekly = IncidentReport(incidents: [], since: later - .seconds(7 * 86_400), now: later, unclosed: unclosed)
        #expect(weekly.overdueActions == ["INC-1 A1 @bob Add an alert on queue depth (due 2026-11-25)",
                                          "INC-1 A2 @alice Write the runbook (due 2026-12-01)"])
        // No incident declared that week: the text still lists them (it stopped at the count).
        #expect(weekly.text(zone: .utc).contains("Overdue action items (2):\n- INC-1 A1 @bob"), "\(weekly.text(zone: .utc))")
    }

    /// A private incident's overdue items are listed by owner only: a report travels further
    /// than the incident's members.
    @Test func privateIncidentsItemsAreListedWithoutTheirText() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Customer records exposed --sev P1 --ic @carol --private")
        try await bot.settle()
        try await bot.say("U0CAROL03", "/action INC-1 @bob Rotate the leaked keys due: 2026-11-25")
        let incidents = try await bot.store.read { records in
            try records.incidents(declaredSince: TestConfig.start).readable.map { ($0, try records.timeline(incident: $0.incident.number)) }
        }
        let report = IncidentReport(incidents: incidents, since: TestConfig.start, now: TestConfig.at(2 * 1_440))
        #expect(report.overdueActions == ["INC-1 A1 @bob (private incident) (due 2026-11-25)"])
    }
}
