import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// Action items, on the shipped policy (UTC) and the example roster: a P1 declared on Tuesday
/// 2026-11-24 at 10:00 by carol with alice as IC, resolved at minute 10; admins: grace.
@Suite struct ActionItemTests {
    func drill() throws -> Drill {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 10, script: [10: [("alice", "/incident resolve rolled back")]])
        return drill
    }

    /// Direct messages to `person`, as `minute text`.
    func directMessages(_ drill: Drill, to person: PersonID) -> [String] {
        drill.effects.compactMap { minute, effect in
            guard case .directMessage(let message, let to) = effect.action, to == person else { return nil }
            return "\(minute) \(message.plainText())"
        }
    }

    @Test func theOwnerIsRemindedOnceOnTheDueDayAndTheItemIsOverdueTheDayAfter() throws {
        var drill = try drill()
        try drill.run(to: 12, script: [12: [("alice", "/action @bob Add an alert on queue depth due: 2026-11-26")]])
        let item = try #require(drill.incident.actionItems.first)
        #expect(item.id == "A1" && item.owner == "bob" && item.dueDay == "2026-11-26" && item.createdBy == "alice")
        #expect(drill.posts(to: .incidentRoom).last == "📌 A1 for @bob: Add an alert on queue depth · due 2026-11-26 (added by @alice)")
        #expect(drill.timeline.last?.text == "Action A1 for @bob: Add an alert on queue depth (due 2026-11-26).")

        // 2026-11-26 09:00 UTC is minute 2,820 after the declaration.
        try drill.run(to: 2_880 + 14 * 60)
        let reminders = directMessages(drill, to: "bob").filter { $0.contains("A1") }
        #expect(reminders.count == 1)
        #expect(reminders.first?.hasPrefix("2820 📌 INC-1 A1 is due today: Add an alert on queue depth") == true, "\(reminders)")
        #expect(drill.timeline.contains { $0.kind == .actionItem && $0.author == nil && $0.text == "Reminded @bob of action A1 (due 2026-11-26)." })

        let dueDay = Fixtures.at(2_880 + 13 * 60)
        let nextDay = Fixtures.at(3 * 1_440 - 10 * 60)
        #expect(drill.incident.actionItems[0].isOverdue(at: dueDay, zone: .utc) == false)
        #expect(drill.incident.actionItems[0].isOverdue(at: nextDay, zone: .utc))
        #expect(IncidentQueries.status(drill.incident, now: nextDay).plainText().contains("Action items: 1 open, overdue: A1"))
        let overdue = IncidentQueries.actions([drill.incident], filter: .overdue, asker: "carol", now: nextDay, single: false).plainText()
        #expect(overdue.contains("INC-1 A1 @bob Add an alert on queue depth · due 2026-11-26 (overdue)"), "\(overdue)")
        let mine = IncidentQueries.actions([drill.incident], filter: .mine, asker: "bob", now: nextDay, single: false).plainText()
        #expect(mine.hasPrefix("Your open action items (1)"))
        #expect(IncidentQueries.actions([drill.incident], filter: .mine, asker: "carol", now: nextDay, single: false).plainText()
            == "Your open action items: none.")
    }

    /// The bot was down from the day before the due day until 03:00 the day after it: the
    /// reminder waits for 09:00 and says the item was due, where it said "due today" at 03:00.
    @Test func aReminderCaughtUpAfterItsDayWaitsForTheMorningAndSaysItIsOverdue() throws {
        var drill = try drill()
        try drill.run(to: 12, script: [12: [("alice", "/action @bob Add an alert on queue depth due: 2026-11-26")]])
        let night = drill.origin.minutes(to: Timestamp(iso8601: "2026-11-27T03:00:00Z")!)
        drill.jump(to: night)
        #expect(directMessages(drill, to: "bob").filter { $0.contains("A1") }.isEmpty)
        try drill.run(to: night + 7 * 60)
        let reminders = directMessages(drill, to: "bob").filter { $0.contains("A1") }
        #expect(reminders == ["\(night + 6 * 60) 📌 INC-1 A1 was due 2026-11-26: Add an alert on queue depth\nFrom #incident-20261124-payment-api-errors. "
                              + "When it is done, type /action done A1 in its room."], "\(reminders)")
    }

    /// An owner who keeps their own hours (New York, the policy UTC) is reminded at 09:00 on
    /// their clock: at 09:00 UTC it was 04:00 for them.
    @Test func theOwnerIsRemindedAtNineOnTheirOwnClock() throws {
        var roster = try Fixtures.roster()
        roster.people["bob"]?.zone = LocalZone(identifier: "America/New_York")
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder, roster: roster)
        try drill.run(to: 12, script: [12: [("alice", "/action @bob Add an alert on queue depth due: 2026-11-26")]])
        // 2026-11-26 14:00 UTC (09:00 in New York) is minute 3,120 after the declaration.
        try drill.run(to: 3_200)
        let reminders = directMessages(drill, to: "bob").filter { $0.contains("A1 is due today") }
        #expect(reminders.map { $0.prefix { $0.isNumber } } == ["3120"], "\(reminders)")
    }

    @Test func anItemDueTodayPastNineIsRemindedAtOnceAndADayGoneIsRefused() throws {
        var drill = try drill()
        try drill.type("/action @bob Check the dashboards due: today", by: "alice")
        try drill.run(to: 11)
        #expect(directMessages(drill, to: "bob").count == 1)
        #expect(throws: IncidentError.self) { try drill.type("/action @bob Too late due: 2026-11-23", by: "alice") }
        #expect(drill.incident.actionItems.count == 1)
    }

    @Test func theOwnerOrTheLeadMarksItDoneNobodyElse() throws {
        var drill = try drill()
        try drill.type("/action @bob Write the failover runbook due: 3d", by: "alice")
        try drill.type("/action @dave Review paging for the VP level", by: "alice")
        // The refusal names the owner, who may mark it done too.
        let refusal = #expect(throws: IncidentError.self) { try drill.type("/action done A1", by: "erin") }
        #expect(refusal?.description.hasSuffix(" A1's owner, @bob, can mark it done too.") == true, "\(refusal?.description ?? "")")
        try drill.type("/action done A1", by: "bob")
        try drill.type("/action done A2", by: "alice")
        #expect(drill.incident.openActionItems.isEmpty)
        #expect(drill.incident.actionItems.map(\.doneBy) == ["bob", "alice"])
        #expect(drill.posts(to: .incidentRoom).suffix(2) == ["✅ A1 done by @bob: Write the failover runbook",
                                                           "✅ A2 done by @alice: Review paging for the VP level"])
        #expect(throws: IncidentError.self) { try drill.type("/action done A1", by: "bob") }
        #expect(throws: IncidentError.self) { try drill.type("/action done A9", by: "bob") }
        // Done items are not reminded of: nothing at 09:00 three days on.
        try drill.run(to: 4 * 1_440)
        #expect(directMessages(drill, to: "bob").isEmpty)
    }

    @Test func strangersCannotAddAndOwnersMustBeReachable() throws {
        var drill = try drill()
        #expect(throws: IncidentError.self) { try drill.type("/action @bob Do a thing", by: Fixtures.reporter) }
        #expect(throws: IncidentError.self) { try drill.type("/action @nobody Do a thing", by: "alice") }
        #expect(drill.incident.actionItems.isEmpty)
    }

    @Test func anOwnerMentionedAfterTheTextIsToldToComeFirst() throws {
        var drill = try drill()
        #expect { try drill.type("/action fix the queue alert @bob", by: "alice") } throws: {
            "\($0)" == "I don't know @fix; the owner comes first, as in /action @bob fix the queue alert."
        }
        // A mention of someone the roster does not know, or none at all, leaves the plain refusal.
        #expect { try drill.type("/action fix the alert @nobody", by: "alice") } throws: {
            "\($0)".hasPrefix("I don't know @fix; mention someone in the roster")
        }
        #expect(drill.incident.actionItems.isEmpty)
        // A bare roster key first stays the owner, whoever the text mentions.
        try drill.type("/action bob ask @carol about the alert", by: "alice")
        #expect(drill.incident.actionItems.first?.owner == "bob")
    }

    @Test func openItemsHoldTheCloseUntilAnAdminForcesItWithAReason() throws {
        var drill = try drill()
        // With nothing to force, anyone is told to close it plainly, not that only an admin may.
        #expect { try drill.type("/incident close --force why", by: "alice") } throws: {
            "\($0)" == "INC-1 has no open action items; close it with /incident close."
        }
        try drill.type("/action @bob Add an alert due: 2026-12-01", by: "alice")
        do {
            try drill.type("/incident close", by: "alice")
            Issue.record("closed with an open action item")
        } catch {
            #expect("\(error)" == "INC-1 has 1 open action item (A1): mark them done with /action done, or an incident admin can close it anyway with /incident close --force <why>.")
            // Commands as each platform's people type them: Element sends no `/action`.
            let onMatrix = (error as? IncidentError)?.message.spans.map { $0.plainText(name: \.handle, commandPrefix: "!") }.joined()
            #expect(onMatrix == "INC-1 has 1 open action item (A1): mark them done with !action done, or an incident admin can close it anyway with !incident close --force <why>.")
        }
        #expect(throws: IncidentError.self) { try drill.type("/incident close --force tracked in JIRA-7", by: "alice") }
        #expect(drill.incident.phase == .resolved)
        try drill.type("/incident close --force tracked in JIRA-7", by: "grace")
        #expect(drill.incident.phase == .closed)
        #expect(drill.incident.actionItems.first?.droppedAt == Fixtures.at(10))
        #expect(drill.timeline.contains { $0.text == "Closed with A1 still open: tracked in JIRA-7" && $0.author == "grace" })
        // A dropped item is never reminded of.
        try drill.run(to: 8 * 1_440)
        #expect(directMessages(drill, to: "bob").isEmpty)
    }

    /// On an incident not yet resolved, `--force` is told what anyone must do first: resolve
    /// it. It was told to close it plainly, which was refused in turn.
    @Test func forcingTheCloseOfAnOpenIncidentSaysToResolveItFirst() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @bob", by: Fixtures.responder)
        #expect { try drill.type("/incident close --force because", by: "bob") } throws: {
            "\($0)" == "Resolve INC-1 before closing it (it is investigating)."
        }
    }

    @Test func thePostmortemTableIsMadeFromThem() throws {
        var drill = try drill()
        try drill.type("/action @bob Add an alert | on queue depth due: 2026-12-01", by: "alice")
        try drill.type("/action @dave Review paging", by: "alice")
        try drill.type("/action done A2", by: "dave")
        let draft = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline)
        #expect(draft.contains("| A1 Add an alert \\| on queue depth | @bob | 2026-12-01 | open |"), "\(draft)")
        #expect(draft.contains("| A2 Review paging | @dave | — | done 2026-11-24 10:10 UTC |"))
    }
}
