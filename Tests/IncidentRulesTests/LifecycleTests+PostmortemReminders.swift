import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// Post-mortem reminders: from the resolution until the close, in working hours, retimed by severity changes.
extension LifecycleTests {
    /// Monday 2026-11-30 09:00 UTC, when the shipped policy's working hours open after the
    /// drills' first weekend: a post-mortem reminder due on Saturday goes then.
    static let mondayNine = 6 * 24 * 60 - 60

    /// A reminder due outside working hours (the incident resolved at 01:00, so every reminder
    /// fell due at 01:00) waits for them, and the next comes a day after it.
    @Test func aPostmortemReminderDueAtNightWaitsForWorkingHours() throws {
        let night = try #require(Timestamp(iso8601: "2026-11-24T01:00:00Z"))
        var drill = try Drill("/incident declare DB down --sev P1", at: night)
        try drill.type("/incident resolve", by: Fixtures.responder)
        try drill.run(to: 4 * 24 * 60)
        let reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { drill.origin.minutes(to: $0.at) }
        // Due Thursday 01:00: Thursday and Friday at 09:00, then Monday's.
        #expect(reminders == [2 * 24 * 60 + 8 * 60, 3 * 24 * 60 + 8 * 60], "\(reminders)")
    }

    @Test func postmortemRemindersRunFromResolutionUntilClose() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 60, script: [60: [(Fixtures.responder, "/incident resolve")]])
        #expect(drill.incident.nextPostmortemReminder == Fixtures.at(60 + 48 * 60))
        try drill.run(to: 60 + 72 * 60)
        let reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [60 + 48 * 60, 60 + 72 * 60])
        // The first on its day; the next, a day on, says which day it fell due.
        let said = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("📝") }
        #expect(said.count == 2 && said[0].hasPrefix("📝 @U0REPORTER the post-mortem for INC-1 is due. Draft it"), "\(said)")
        #expect(said.last!.hasPrefix("📝 @U0REPORTER the post-mortem for INC-1 was due 2026-11-26. Draft it"), "\(said)")
        try drill.type("/incident close", by: Fixtures.responder)
        try drill.run(to: 60 + 200 * 60)
        #expect(drill.timeline.filter { $0.kind == .postmortemReminder }.count == 2)
    }

    /// The bot was down when the first reminder fell due (the day after next at 11:00) until
    /// 03:00 the day after: the reminder waits for working hours, and the next comes a day
    /// later, or at the next working hours (Saturday's on Monday at 09:00). A catch-up at 03:00
    /// reminded at 03:00, and every night after.
    @Test func aPostmortemReminderCaughtUpAtNightWaitsAndKeepsItsTime() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 60, script: [60: [(Fixtures.responder, "/incident resolve")]])
        let night = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-27T03:00:00Z")!)
        drill.jump(to: night)
        #expect(drill.timeline.filter { $0.kind == .postmortemReminder }.isEmpty)
        try drill.run(to: night + 80 * 60)
        let reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [night + 6 * 60, night + 78 * 60], "\(reminders)")
        // Caught up the day after it fell due: it says when that was, not that it "is due".
        #expect(drill.posts(to: .incidentRoom).first { $0.hasPrefix("📝") }?.contains("the post-mortem for INC-1 was due 2026-11-26.") == true)
    }

    /// An open action item keeps the incident open (`/incident close` refuses): the reminder
    /// says so, where it told the IC every day to close what they could not (found by an audit).
    @Test func aPostmortemReminderNamesTheActionItemsThatKeepItOpen() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 60, script: [60: [(Fixtures.responder, "/incident resolve"), (Fixtures.responder, "/action @carol Migrate to the new db due: 30d")]])
        try drill.run(to: 60 + 48 * 60)
        #expect(drill.posts(to: .incidentRoom).last == "📝 @U0REPORTER the post-mortem for INC-1 is due. Draft it with /incident postmortem, "
            + "then /incident close once it is done and its open action item A1 too (/action done).")
    }

    /// Reclassified after two reminders: nothing is posted again, and the next comes a day
    /// after the last, as before (a Saturday's at Monday's working hours).
    @Test func aSeverityChangeAfterResolutionDoesNotRepeatPostmortemReminders() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 60, script: [60: [(Fixtures.responder, "/incident resolve")]])
        let reclassified = 60 + 73 * 60
        try drill.run(to: Self.mondayNine + 60, script: [reclassified: [(Fixtures.responder, "/sev P0 it was worse")]])
        let reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [60 + 48 * 60, 60 + 72 * 60, Self.mondayNine])
    }

    /// Lowered to P2 after the first P1 reminder: the reminders go on a day apart; P2's later
    /// first (five days after the resolution) once moved them back and skipped two days. Lowered
    /// to P3 on Saturday, which has no post-mortem, they stop (Saturday's waited for Monday);
    /// raised again on Monday, the one owed goes at once.
    @Test func aLoweringAfterRemindersStartedKeepsThemGoing() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.type("/incident resolve", by: Fixtures.responder)
        let lowered = 49 * 60
        try drill.run(to: 4 * 24 * 60, script: [lowered: [(Fixtures.responder, "/sev P2 for the record")]])
        var reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [48 * 60, 72 * 60])
        let quiet = 4 * 24 * 60 + 60
        try drill.run(to: 6 * 24 * 60, script: [quiet: [(Fixtures.responder, "/sev P3 nobody was hurt")]])
        reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [48 * 60, 72 * 60])
        #expect(drill.incident.nextDue == nil)
        let raised = 6 * 24 * 60 + 1
        try drill.run(to: raised, script: [raised: [(Fixtures.responder, "/sev P1 it was")]])
        reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [48 * 60, 72 * 60, raised])
    }

    /// Lowered to P3 by mistake half an hour after the first reminder and raised back: the
    /// reminder is not posted again (it was, at once, when "under way" was read from a next
    /// reminder the P3 had cleared). Lowered to P3 and then to P2, the reminders go on a day
    /// apart; they used to wait for P2's first, on the fifth day.
    @Test func aSpellAtP3DoesNotRestartRemindersUnderWay() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.type("/incident resolve", by: Fixtures.responder)
        let first = 48 * 60
        try drill.run(to: 3 * 24 * 60, script: [first + 30: [(Fixtures.responder, "/sev P3 oops")],
                                                first + 31: [(Fixtures.responder, "/sev P1 undo the typo")]])
        var reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [first, first + 24 * 60])

        var lowered = try Drill("/incident declare DB down --sev P1")
        try lowered.type("/incident resolve", by: Fixtures.responder)
        try lowered.run(to: Self.mondayNine + 60, script: [first + 30: [(Fixtures.responder, "/sev P3 oops")],
                                                           first + 31: [(Fixtures.responder, "/sev P2 it was a P2")]])
        reminders = lowered.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [first, first + 24 * 60, Self.mondayNine])
    }

    /// A resolved P2 (post-mortem due in 5 days) raised to P1 on the third day owes its
    /// post-mortem since the second: the reminder goes now, not on the fifth day.
    @Test func aRaiseBeforeTheFirstReminderPostsTheOneOwedNow() throws {
        var drill = try Drill("/incident declare Search is slow --sev P2")
        try drill.type("/incident resolve", by: Fixtures.responder)
        let raised = 72 * 60
        try drill.run(to: raised, script: [raised: [(Fixtures.responder, "/sev P1 it was worse")]])
        let reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [raised])
        #expect(drill.incident.nextPostmortemReminder == Fixtures.at(raised + 24 * 60))
    }

    /// Raised five minutes before the day the new severity's schedule would next remind: the
    /// owed reminder goes now and the next a day later, not five minutes later.
    @Test func aRaiseJustBeforeTheOldScheduleWouldRemindPostsOnceNotTwice() throws {
        var drill = try Drill("/incident declare Search is slow --sev P2")
        try drill.type("/incident resolve", by: Fixtures.responder)
        let raised = 72 * 60 - 5
        try drill.run(to: raised + 60, script: [raised: [(Fixtures.responder, "/sev P0 it was worse")]])
        let reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [raised])
        #expect(drill.incident.nextPostmortemReminder == Fixtures.at(raised + 24 * 60))
    }

    /// A resolved P3 (no post-mortem) reclassified as P1 ten days on owes its post-mortem: one
    /// reminder now, not one for every day since it would have been due.
    @Test func aLateReclassificationRemindsOnceNotForEveryDayMissed() throws {
        var drill = try Drill("/incident declare Typo --sev P3")
        try drill.type("/incident resolve", by: Fixtures.responder)
        let later = 10 * 24 * 60
        try drill.run(to: later, script: [later: [(Fixtures.responder, "/sev P1 it was customer facing")]])
        let reminders = drill.timeline.filter { $0.kind == .postmortemReminder }.map { Fixtures.start.minutes(to: $0.at) }
        #expect(reminders == [later])
        #expect(drill.incident.nextPostmortemReminder == Fixtures.at(later + 24 * 60))
    }

    @Test(arguments: [(Severity.p0, 48 * 60), (.p2, 5 * 24 * 60)])
    func postmortemsFallDuePerSeverity(severity: Severity, minutes: Int) throws {
        var drill = try Drill("/incident declare DB down --sev \(severity)")
        try drill.type("/incident resolve", by: Fixtures.responder)
        #expect(drill.incident.nextPostmortemReminder == Fixtures.at(minutes))
    }

    @Test func aResolvedP3HasNothingMoreDue() throws {
        var drill = try Drill("/incident declare Typo --sev P3")
        try drill.type("/incident resolve", by: Fixtures.responder)
        #expect(drill.incident.nextDue == nil)
    }
}
