import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// A scheduler that was down fires what fell due, once, oldest first, and ends where an
/// always-running one would have.
@Suite struct CatchUpTests {
    @Test func oneLateTickEndsWhereMinuteTicksEnd() throws {
        var steady = try Drill("/incident declare Payment API errors --sev P1")
        try steady.run(to: 100)
        let declared = try Drill("/incident declare Payment API errors --sev P1")
        let late = declared.incident.tick(at: Fixtures.at(100), roster: declared.roster)

        // The same levels and next steps; the top's repeats folded into the one page sent are
        // not spent (`repeatsFoldedWhileDownAreStillOwed`).
        #expect(late.incident.ladders.mapValues(\.level) == steady.incident.ladders.mapValues(\.level))
        #expect(late.incident.ladders.mapValues(\.nextStepAt) == steady.incident.ladders.mapValues(\.nextStepAt))
        #expect(late.incident.nextUpdateDue == steady.incident.nextUpdateDue)
        #expect(late.incident.missedUpdates == steady.incident.missedUpdates)
        #expect(late.incident.nextDue == steady.incident.nextDue)
        // The same people paged; the late tick keeps one page a person (a repeat folded into
        // it is not kept), where the running one paged carol again.
        #expect(late.incident.pages.map(\.person) == steady.incident.pages.map(\.person).reduce(into: []) { kept, person in
            if !kept.contains(person) { kept.append(person) }
        })
        // The record is the same but for what was sent: the late tick sent one nudge, and one
        // page a person (`catchingUpRecordsWhatItSentOnce`).
        let sent: Set<TimelineEntry.Kind> = [.nudged, .paged]
        #expect(late.timeline.filter { !sent.contains($0.kind) }.map(\.kind)
            == steady.timeline.filter { $0.at > Fixtures.start && !sent.contains($0.kind) }.map(\.kind))
        #expect(late.timeline.filter { $0.kind == .nudged }.count == 1)
    }

    /// The timeline says what was sent: a late scheduler that fires the top's repeats and four
    /// missed updates in one go sends one page and one nudge, and records one of each, not
    /// "Paged @grace (again)" three times for a page that went out once.
    @Test func catchingUpRecordsWhatItSentOnce() throws {
        let declared = try Drill("/incident declare Payment API errors --sev P1")
        let late = declared.incident.tick(at: Fixtures.at(300), roster: declared.roster)
        var pages: [String: Int] = [:]
        for effect in late.effects {
            if case .page(let page) = effect.action { pages["\(page.person)", default: 0] += 1 }
        }
        var recorded: [String: Int] = [:]
        for entry in late.timeline where entry.kind == .paged {
            let person = entry.text.dropFirst("Paged @".count).prefix { $0 != " " }
            recorded[String(person), default: 0] += 1
        }
        #expect(recorded == pages, "\(late.timeline.filter { $0.kind == .paged }.map(\.text))")
        #expect(late.timeline.filter { $0.kind == .nudged }.count == 1)
        #expect(late.timeline.filter { $0.kind == .updateMissed }.count == late.incident.missedUpdates)
        // The repeats folded into that one page reached nobody and are not spent: the top is
        // paged again at its next repeat, where a running scheduler would have spent them all.
        var steady = try Drill("/incident declare Payment API errors --sev P1")
        try steady.run(to: 300)
        #expect(steady.incident.ladders["engineering"]?.nextStepAt == nil)
        #expect(late.incident.ladders["engineering"]?.repeatsAtTop == 0)
        #expect(late.incident.ladders["engineering"]?.nextStepAt == Fixtures.at(330))
    }

    /// Down from 10:05 to 11:46: the catch-up pages the engineering manager (the climb's
    /// step at 11:00, recorded at 11:46), and the nudge says the ladder escalated. It said
    /// nobody fills engineering.L3 and to page them by hand, as it read the page's time
    /// against the step's.
    @Test func theNudgeOfACatchUpSaysTheClimbPaged() throws {
        let declared = try Drill("/incident declare DB down --sev P1")
        let late = declared.incident.tick(at: Fixtures.at(106), roster: declared.roster)
        let nudge = try #require(late.effects.compactMap { effect -> String? in
            if case .post(let message, .incidentRoom) = effect.action, message.kind == .nudge { return message.plainText() }
            return nil
        }.first)
        #expect(!nudge.contains("nobody fills"), "\(nudge)")
        #expect(late.effects.contains { if case .page(let page) = $0.action { page.person == "carol" } else { false } })
    }

    /// A P2 caught up at 15:59:30 nudges for the 14:00 deadline; the 16:00 deadline thirty
    /// seconds later is skipped, not nudged again, and the next is 18:00.
    @Test func aCatchUpNudgeMomentsBeforeTheNextDeadlineSkipsIt() throws {
        let declared = try Drill("/incident declare Reports slow --sev P2")
        let at = Fixtures.start + .seconds(5 * 3600 + 59 * 60 + 30)
        let late = declared.incident.tick(at: at, roster: declared.roster)
        func nudges(_ decision: Decision) -> Int {
            decision.effects.filter { if case .post(let message, .incidentRoom) = $0.action { message.kind == .nudge } else { false } }.count
        }
        #expect(nudges(late) == 1)
        #expect(late.incident.nextUpdateDue == Fixtures.at(8 * 60))
        #expect(nudges(late.incident.tick(at: Fixtures.at(6 * 60), roster: declared.roster)) == 0)
    }

    @Test func catchingUpSendsEachPersonOnePageAndOneNudge() throws {
        let declared = try Drill("/incident declare Payment API errors --sev P1")
        let late = declared.incident.tick(at: Fixtures.at(100), roster: declared.roster)
        let paged = late.effects.compactMap { effect -> String? in
            if case .page(let page) = effect.action { return "\(page.person)" }
            return nil
        }
        #expect(paged == ["bob", "carol", "frank", "grace"])
        let nudges = late.effects.filter {
            if case .post(let message, _) = $0.action { return message.kind == .nudge }
            return false
        }
        #expect(nudges.count == 1)
        #expect(late.incident.missedUpdates == 3)
    }

    /// A small team where the engineering manager is also the VP: a late tick reaches the top
    /// and repeats it while it was down. One page goes out; the timeline and the escalation's
    /// list say so once for each level, not once for every repeat that fell due.
    @Test func catchingUpOnATopFilledByTheLevelBelowRecordsItOnce() throws {
        let yaml = try Fixtures.text("roster.example.yaml").replacingOccurrences(of: "L4: dave", with: "L4: carol")
        let roster = try Roster.load(yaml: yaml, file: "roster.yaml", policy: Fixtures.policy())
        let declared = try Drill("/incident declare Checkout down --sev P0", roster: roster)
        let late = declared.incident.tick(at: Fixtures.at(300), roster: roster)
        let carols = late.effects.filter { if case .page(let page) = $0.action { page.person == "carol" } else { false } }
        #expect(carols.count == 1)
        let entries = late.timeline.filter { $0.kind == .paged && $0.text.hasPrefix("Paged @carol") }.map(\.text)
        #expect(entries.count <= 2, "\(entries)")
        let listed = late.incident.pagesSent.filter { $0.person == "carol" && $0.at == Fixtures.at(300) }
        #expect(Set(listed.map(\.level)).count == listed.count, "\(listed)")
        let forecast = EscalationForecast(late.incident, now: Fixtures.at(300), roster: roster).message(for: late.incident).plainText()
        #expect(forecast.components(separatedBy: "\n").filter { $0.contains("@carol") && $0.contains("15:00") }.count == listed.count,
                "\(forecast)")
    }

    /// The top's repeats that fell due while the scheduler was down were folded into the one
    /// page it sent when it came back: they reached nobody, so they are not spent. The VP of an
    /// unanswered P0 is paged after the downtime as often as a running bot pages them, not once
    /// and then never again.
    @Test func repeatsFoldedWhileDownAreStillOwed() throws {
        var steady = try Drill("/incident declare Checkout down --sev P0")
        try steady.run(to: 600)
        var late = try Drill("/incident declare Checkout down --sev P0")
        late.jump(to: 180)
        try late.run(to: 600)
        let vp = { (drill: Drill) in drill.pages.filter { $0.hasSuffix(" dave") && !$0.hasPrefix("0 ") } }
        #expect(vp(late).first == "180 engineering.L4 dave")
        #expect(vp(late).count == vp(steady).count, "late \(vp(late)), running \(vp(steady))")
        #expect(late.incident.ladders == steady.incident.ladders)
    }

    @Test func aTickNeverFiresTheSameThingTwice() throws {
        var drill = try Drill("/incident declare Checkout down --sev P0")
        try drill.run(to: 47)
        let again = drill.incident.tick(at: Fixtures.at(47), roster: drill.roster)
        #expect(again.effects.isEmpty)
        #expect(again.timeline.isEmpty)
        #expect(again.incident == drill.incident)
    }

    @Test func nextDueIsTheEarliestScheduledItem() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        // The P1's 30-minute target to acknowledge is warned of at 24.
        #expect(drill.incident.nextDue == Fixtures.at(24))
        try drill.run(to: 24)
        #expect(drill.incident.nextDue == Fixtures.at(30))
        // Its miss is told the second after the deadline, which an acknowledgement may still meet.
        try drill.run(to: 30)
        #expect(drill.incident.nextDue == Fixtures.at(30) + .seconds(1))
        try drill.run(to: 31)
        #expect(drill.incident.nextDue == Fixtures.at(60))
        #expect(drill.incident.due(at: Fixtures.at(59)).isEmpty)
        // Ties in ladder order, then the nudge.
        #expect(drill.incident.due(at: Fixtures.at(60)).map(\.kind) == [.ladderStep("engineering"), .ladderStep("business"), .statusUpdate])
    }
}
