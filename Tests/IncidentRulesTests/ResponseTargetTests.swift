import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// Response targets minute by minute on the shipped policy (P0: acknowledge 15m, mitigate 1h,
/// resolve 4h; P1: 30m, 4h, 1d; P2: 2h, 1d, 3d; P3: acknowledge 8h; the acknowledgement's are
/// the plans' response times), declared at 10:00 UTC.
@Suite struct ResponseTargetTests {
    /// Target warnings and misses posted in the room, as `minute text`.
    func targetPosts(_ drill: Drill) -> [String] {
        drill.effects.compactMap { minute, effect in
            guard case .post(let message, .incidentRoom) = effect.action else { return nil }
            let text = message.plainText()
            return text.hasPrefix("⏳") || text.hasPrefix("⌛") ? "\(minute) \(text)" : nil
        }
    }

    @Test func aP1NobodyAnswersIsWarnedThenToldOfEachMiss() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 1_441)
        // A miss is told the second after its deadline (the drill ticks once a minute): an
        // acknowledgement in the deadline's own second meets the target.
        #expect(targetPosts(drill) == [
            "24 ⏳ INC-1: the P1 target to acknowledge (30m) runs out at 10:30 UTC, 6m from now.",
            "31 ⌛ INC-1 missed its P1 target to acknowledge (30m, due 10:30 UTC).",
            "192 ⏳ INC-1: the P1 target to mitigate (4h) runs out at 14:00 UTC, 48m from now.",
            "241 ⌛ INC-1 missed its P1 target to mitigate (4h, due 14:00 UTC).",
            "1152 ⏳ INC-1: the P1 target to resolve (1d) runs out at 10:00 UTC, 4h48m from now.",
            "1441 ⌛ INC-1 missed its P1 target to resolve (1d, due 10:00 UTC).",
        ])
        #expect(drill.timeline.filter { $0.kind == .target }.count == 6)
        #expect(drill.timeline.first { $0.kind == .target }?.text == "P1 target to acknowledge (30m) runs out at 10:30 UTC; 6m left.")
    }

    /// A bot back at 10:29:59 does not warn that the 10:30 target runs out "1s from now": the
    /// miss a second later says it.
    @Test func aWarningCaughtUpMomentsBeforeItsDeadlineGivesWayToTheMiss() throws {
        let declared = try Drill("/incident declare Payment API errors --sev P1")
        let late = declared.incident.tick(at: Fixtures.start + .seconds(29 * 60 + 59), roster: declared.roster)
        let posts = late.effects.compactMap { effect -> String? in
            if case .post(let message, _) = effect.action { message.plainText() } else { nil }
        }
        #expect(!posts.contains { $0.hasPrefix("⏳") }, "\(posts)")
        #expect(late.timeline.contains { $0.kind == .target && $0.text.hasSuffix("too soon to warn of it.") })
        let missed = late.incident.tick(at: Fixtures.at(31), roster: declared.roster)
        #expect(missed.effects.contains { if case .post(let message, _) = $0.action { message.plainText().hasPrefix("⌛") } else { false } })
    }

    @Test func targetsMetInTimeSayNothingAndResolvingEndsTheClocks() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 300, script: [5: [("alice", "/ack")], 100: [("carol", "/incident mitigated")],
                                         200: [("carol", "/incident resolve fixed")]])
        #expect(targetPosts(drill) == [])
        let status = IncidentQueries.status(drill.incident, now: Fixtures.at(300)).plainText()
        #expect(status.contains("Targets: acknowledge 30m: met (5m) · mitigate 4h: met (1h40m) · resolve 1d: met (3h20m)"), "\(status)")
        try drill.run(to: 1_500)
        #expect(targetPosts(drill) == [])
    }

    /// The scheduler's tick at the deadline, then an acknowledgement in the same second: the
    /// target is met, and the room is not told it was missed.
    @Test func anAcknowledgementInTheDeadlinesOwnSecondMeetsTheTarget() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 30)
        try drill.type("/ack", by: "alice")
        try drill.run(to: 35)
        #expect(targetPosts(drill) == ["24 ⏳ INC-1: the P1 target to acknowledge (30m) runs out at 10:30 UTC, 6m from now."])
        #expect(drill.incident.responseClocks.first { $0.target == .acknowledge }?.met == true)
    }

    /// Mitigated at 10 with nobody acknowledging, then an acknowledgement at 20: the target
    /// was met at 10 and stays met; the draft and the report measure 10m too, not the later
    /// acknowledgement (which once made the target missed after the fact, and time to
    /// acknowledge longer than time to mitigate).
    @Test func anAcknowledgementAfterTheMitigationDoesNotUnmeetTheTarget() throws {
        var drill = try Drill("/incident declare Checkout down --sev P1", by: "bob")
        try drill.run(to: 20, script: [10: [("bob", "/incident mitigated")], 20: [("alice", "/ack")]])
        #expect(drill.incident.acknowledgedAt == Fixtures.at(20))
        let status = IncidentQueries.status(drill.incident, now: Fixtures.at(20)).plainText()
        #expect(status.contains("Targets: acknowledge 30m: met (10m) · mitigate 4h: met (10m)"), "\(status)")
        let durations = IncidentDurations(timeline: drill.timeline)
        #expect(durations.toAcknowledge == .minutes(10))
        #expect(durations.toMitigate == .minutes(10))
        #expect(durations.toResolve == nil)
        let draft = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline)
        // Said so: read bare, it told a review someone acknowledged at 10m.
        #expect(draft.contains("| Time to acknowledge | 10m (counted at the mitigation, which came before any acknowledgement) |"), "\(draft)")
        #expect(draft.contains("| Time to mitigate | 10m |"), "\(draft)")
    }

    /// Resolved at 50 minutes with nobody answering: the draft's measures are the
    /// resolution's, and say so (an audit read "acknowledged in 50m" of a page nobody answered).
    @Test func aDraftSaysWhichMeasuresWereCountedAtALaterStep() throws {
        var drill = try Drill("/incident declare Checkout down --sev P1", by: "bob")
        try drill.run(to: 50, script: [50: [("bob", "/incident resolve")]])
        let draft = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline)
        #expect(draft.contains("| Time to acknowledge | 50m (counted at the resolution, which came before any acknowledgement) |"), "\(draft)")
        #expect(draft.contains("| Time to mitigate | 50m (counted at the resolution, which came before any mitigation) |"), "\(draft)")
        #expect(draft.contains("| Time to resolve | 50m |"), "\(draft)")
        // The impact's span too ends at the resolution, and says so.
        #expect(draft.contains("for how long (50m from the declaration to resolution)"), "\(draft)")
    }

    /// The summary stands on a line of its own: a typed `~~~` opened a code block that took the
    /// rest of the draft in, and `#` made a heading of it (found by an audit).
    @Test func aSummaryCannotOpenABlockThatSwallowsTheDraft() throws {
        for (typed, shown) in [("~~~ everything below is hidden", "\\~~~ everything below is hidden"),
                               ("## Root cause: nobody", "\\## Root cause: nobody"), ("500s for 20 minutes", "500s for 20 minutes"),
                               // A numbered list's start (audit s70b), and numbers that start none.
                               ("2) freed space", "2\\) freed space"), ("1. rolled back", "1\\. rolled back"), ("3.", "3\\."),
                               ("1.5 GB freed", "1.5 GB freed"), ("1234567890. no list", "1234567890. no list")] {
            var drill = try Drill("/incident declare Checkout down --sev P1", by: "bob")
            try drill.type("/incident resolve \(typed)", by: "bob")
            let draft = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline)
            #expect(draft.contains("## Summary\n\n\(shown)\n"), "\(draft)")
        }
    }

    /// A P0 lowered to P2 as the picture cleared was a P0 while it lasted: the draft's header
    /// says so, and names the P0 targets the room was told were missed, which P2's would
    /// have met (audit s65b).
    @Test func aLoweredIncidentsDraftKeepsItsWorstSeverityAndItsMisses() throws {
        var drill = try Drill("/incident declare Search down --sev P0")
        try drill.run(to: 30, script: [20: [("alice", "/ack")], 25: [("alice", "/sev P2 only a few merchants")]])
        func header() -> String { PostmortemDraft.markdown(drill.incident, timeline: drill.timeline) }
        #expect(header().contains("| Severity | P2 (P0 at its worst) |"), "\(header())")
        // As the room was told, under the severity it was missed at (audit s81b: the bare
        // "to acknowledge", beside a status saying P2's was met, read as a contradiction).
        #expect(header().contains("| Targets missed | P0 target to acknowledge (15m, due 10:15 UTC) |"), "\(header())")
        // Raised part of the way, the worst stays; raised back to it, there is nothing more to say.
        try drill.type("/sev P1 more merchants", by: "alice")
        #expect(header().contains("| Severity | P1 (P0 at its worst) |"), "\(header())")
        try drill.type("/sev P0 every merchant", by: "alice")
        #expect(header().contains("| Severity | P0 |"), "\(header())")
        // Never lowered, never missed: the header says the severity, and none.
        let calm = try Drill("/incident declare Search slow --sev P2")
        let calmDraft = PostmortemDraft.markdown(calm.incident, timeline: calm.timeline)
        #expect(calmDraft.contains("| Severity | P2 |") && calmDraft.contains("| Targets missed | none |"), "\(calmDraft)")
    }

    /// A severity change that moves a target's deadline to a time still ahead tells the room
    /// of the new deadline: warned of the P1's at 10:24, a P1 lowered to P2 at 10:26 heard
    /// nothing of the P2's at 12:00 until it was missed; one whose P0 target to mitigate had
    /// been missed, lowered to P1, was never told of the P1's.
    @Test func aSeverityChangeThatMovesADeadlineIsToldOfTheNewOne() throws {
        var lowered = try Drill("/incident declare Payment API errors --sev P1")
        try lowered.run(to: 121, script: [26: [("carol", "/sev P2 contained to one region")]])
        #expect(targetPosts(lowered).prefix(3) == [
            "24 ⏳ INC-1: the P1 target to acknowledge (30m) runs out at 10:30 UTC, 6m from now.",
            "96 ⏳ INC-1: the P2 target to acknowledge (2h) runs out at 12:00 UTC, 24m from now.",
            "121 ⌛ INC-1 missed its P2 target to acknowledge (2h, due 12:00 UTC).",
        ], "\(targetPosts(lowered))")
        var missed = try Drill("/incident declare Checkout down --sev P0 --ic @alice", by: Fixtures.responder)
        try missed.run(to: 241, script: [70: [("alice", "/sev P1 only retries fail")]])
        let posts = targetPosts(missed)
        #expect(posts.contains("61 ⌛ INC-1 missed its P0 target to mitigate (1h, due 11:00 UTC).")
                && posts.contains("192 ⏳ INC-1: the P1 target to mitigate (4h) runs out at 14:00 UTC, 48m from now.")
                && posts.contains("241 ⌛ INC-1 missed its P1 target to mitigate (4h, due 14:00 UTC)."), "\(posts)")
    }

    /// A miss the room heard of is not told again when the severity comes back to it: a P1
    /// lowered to P3 and raised again was told a second time that it had missed its target to
    /// acknowledge, as the P3's deadline, still ahead, had wiped what the room was told.
    @Test func aMissToldBeforeALowerAndARaiseIsNotToldAgain() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 60, script: [40: [("carol", "/sev P3 a typo in a banner")], 50: [("carol", "/sev P1 the banner hides checkout")]])
        #expect(targetPosts(drill) == [
            "24 ⏳ INC-1: the P1 target to acknowledge (30m) runs out at 10:30 UTC, 6m from now.",
            "31 ⌛ INC-1 missed its P1 target to acknowledge (30m, due 10:30 UTC).",
        ], "\(targetPosts(drill))")
        #expect(drill.timeline.filter { $0.kind == .target }.count == 2)
    }

    @Test func aRaiseToP0PastItsAcknowledgeTargetIsToldOnceWithoutAWarning() throws {
        var drill = try Drill("/incident declare Search slow --sev P2")
        try drill.run(to: 21, script: [20: [("carol", "/sev P0 checkout too")]])
        #expect(targetPosts(drill) == ["20 ⌛ INC-1 missed its P0 target to acknowledge (15m, due 10:15 UTC)."])
        let status = IncidentQueries.status(drill.incident, now: Fixtures.at(21)).plainText()
        #expect(status.contains("Targets: acknowledge 15m: missed · mitigate 1h: 39m left · resolve 4h: 3h39m left"), "\(status)")
    }

    /// A P2 (pages in working hours) declared at 03:00 on a Saturday: its page waits for
    /// Monday 09:00, and so do its target clocks. It was told at 07:00 on Saturday that it had
    /// missed its target to acknowledge, and counted so, though nobody had been paged.
    @Test func aWorkingHoursSeveritysTargetsStartWhenWorkingHoursOpen() throws {
        let saturday = Timestamp(iso8601: "2026-11-28T03:00:00Z")!
        let monday = Timestamp(iso8601: "2026-11-30T09:00:00Z")!
        var drill = try Drill("/incident declare Search slow --sev P2", at: saturday)
        let toMonday = saturday.minutes(to: monday)
        try drill.run(to: toMonday + 5 * 60, script: [toMonday + 30: [("alice", "/ack")]])
        #expect(targetPosts(drill) == [])
        let clock = try #require(drill.incident.responseClocks.first { $0.target == .acknowledge })
        #expect(clock.started == monday && clock.deadline == monday + .hours(2) && clock.met == true)
        // Declared inside working hours, or at a severity that pages around the clock, the
        // clocks start at the declaration.
        #expect(try Drill("/incident declare Search slow --sev P2").incident.responseClocks.first?.started == Fixtures.start)
        #expect(try Drill("/incident declare Search slow --sev P1", at: saturday).incident.responseClocks.first?.started == saturday)
        // Paged at once as a P1, then lowered to P2: answered, or not, from the declaration
        // (the clocks once started again on Monday, and the report said met).
        var lowered = try Drill("/incident declare Search slow --sev P1", at: saturday)
        try lowered.run(to: 20, script: [20: [(Fixtures.responder, "/sev P2 only search")]])
        #expect(lowered.incident.responseClocks.first?.started == saturday)
        #expect(lowered.incident.responseClocks.first?.outcome(at: saturday + .hours(3)) == false)
    }

    /// A P2 declared on Friday evening, taken by the on-call on Saturday morning: its clocks
    /// still start on Monday. Naming the IC dropped the held page, and the clocks fell back to
    /// Friday's declaration: the target to acknowledge read as missed by 16 hours, a miss was
    /// posted on Saturday evening and the report counted both. Declared with `--ic`, whoever
    /// it names, the same.
    @Test func takingAWorkingHoursIncidentEarlyKeepsItsClocksOnWorkingHours() throws {
        let friday = Timestamp(iso8601: "2026-11-27T18:00:00Z")!
        let monday = Timestamp(iso8601: "2026-11-30T09:00:00Z")!
        var drill = try Drill("/incident declare Batch exports failing --sev P2", at: friday)
        try drill.run(to: 16 * 60, script: [16 * 60: [("alice", "/ic @alice")]])
        let clocks = drill.incident.responseClocks
        #expect(clocks.allSatisfy { $0.started == monday }, "\(clocks)")
        #expect(clocks.first { $0.target == .acknowledge }?.met == true)
        try drill.run(to: friday.minutes(to: monday))
        #expect(targetPosts(drill) == [], "\(targetPosts(drill))")
        for ic in ["@alice", "@bob"] {
            let named = try Drill("/incident declare Batch exports failing --sev P2 --ic \(ic)", by: Fixtures.responder, at: friday)
            #expect(named.incident.responseClocks.allSatisfy { $0.started == monday }, "\(ic)")
        }
        // A P3 raised to P2 over the weekend: from Monday too.
        var raised = try Drill("/incident declare Batch exports failing --sev P3", at: friday)
        try raised.run(to: 60, script: [60: [("alice", "/sev P2 customers notice")]])
        #expect(raised.incident.responseClocks.allSatisfy { $0.started == monday })
    }

    /// The on-call keeps their own hours (New York): the P2's page waits for their morning,
    /// and so do its clocks, not for the policy's zone's.
    @Test func theClocksWaitForThePagedPersonsOwnHours() throws {
        var roster = try Fixtures.roster()
        roster.people["alice"]?.zone = LocalZone(identifier: "America/New_York")
        let early = Timestamp(iso8601: "2026-11-24T03:00:00Z")!
        var drill = try Drill("/incident declare Search slow --sev P2", roster: roster, at: early)
        let opening = Timestamp(iso8601: "2026-11-24T14:00:00Z")!  // 09:00 in New York
        #expect(drill.incident.responseClocks.first?.started == opening)
        try drill.run(to: 14 * 60)
        // No warning or miss before the page went at 14:00 (minute 660 of the drill).
        #expect(targetPosts(drill).allSatisfy { Int($0.prefix { $0.isNumber }) ?? 0 >= 660 }, "\(targetPosts(drill))")
        #expect(targetPosts(drill).count == 2)
        #expect(drill.incident.responseClocks.first?.started == opening)
        #expect(drill.incident.responseClocks.first?.deadline == opening + .hours(2))
    }

    /// A policy that informs the business ladder of a P2 too, its operations manager keeping
    /// Tokyo's hours: her page for information goes at her 09:00 (00:00 UTC), nine hours
    /// before the on-call's. It asks nobody to acknowledge, so the clocks wait for the
    /// on-call's page: they started at hers, and the room heard the target missed at 02:00,
    /// before anyone who could answer was paged.
    @Test func aPageForInformationDoesNotStartTheClocks() throws {
        let text = try Fixtures.text("policy.yaml").replacing("""
                    role: operations manager
                    methods: [chat, email]
                    wait: 1h
                    severities: [P0, P1]
            """, with: """
                    role: operations manager
                    methods: [chat, email]
                    wait: 1h
                    severities: [P0, P1, P2]
            """)
        let policy = try Policy.load(yaml: text, file: "policy.yaml")
        var roster = try Roster.load(yaml: Fixtures.text("roster.example.yaml"), file: "roster.example.yaml", policy: policy)
        roster.people["erin"]?.zone = LocalZone(identifier: "Asia/Tokyo")
        let evening = Timestamp(iso8601: "2026-11-24T20:00:00Z")!
        var drill = try Drill("/incident declare Billing lag --sev P2", policy: policy, roster: roster, at: evening)
        let opening = Timestamp(iso8601: "2026-11-25T09:00:00Z")!  // the on-call's 09:00
        #expect(drill.incident.responseClocks.first?.started == opening)
        try drill.run(to: 13 * 60 + 5)
        #expect(drill.pages == ["240 business.L1 erin", "780 engineering.L1 alice"], "\(drill.pages)")
        #expect(targetPosts(drill) == [], "\(targetPosts(drill))")
        #expect(drill.incident.responseClocks.first?.started == opening)
    }

    /// A P3 has the plans' response time, 8 hours, to be acknowledged, and nothing more.
    @Test func aP3HasOnlyItsResponseTime() throws {
        var drill = try Drill("/incident declare Typo --sev P3")
        try drill.run(to: 2_000)
        #expect(targetPosts(drill) == ["384 ⏳ INC-1: the P3 target to acknowledge (8h) runs out at 18:00 UTC, 1h36m from now.",
                                       "481 ⌛ INC-1 missed its P3 target to acknowledge (8h, due 18:00 UTC)."])
        let status = IncidentQueries.status(drill.incident, now: Fixtures.at(10)).plainText()
        #expect(status.contains("Targets: acknowledge 8h: 7h50m left") && !status.contains("mitigate"), "\(status)")
    }

    @Test func theImpactStartMeasuresTimeToDetect() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 5)
        try drill.type("/incident started 09:42", by: "alice")
        #expect(drill.incident.impactStartedAt == Fixtures.at(-18))
        #expect(drill.incident.timeToDetect == .minutes(18))
        #expect(drill.timeline.last?.text == "Impact started 2026-11-24 09:42 UTC; detected after 18m.")
        #expect(IncidentQueries.status(drill.incident, now: Fixtures.at(5)).plainText()
            .contains("Impact started 2026-11-24 09:42 UTC · detected after 18m"))
        #expect(PostmortemDraft.markdown(drill.incident, timeline: drill.timeline).contains("| Time to detect | 18m |"))
        #expect(PostmortemDraft.markdown(drill.incident, timeline: drill.timeline).contains("for how long (not mitigated yet)"))
        // A time of day later than now is yesterday's.
        try drill.type("/incident started 11:00", by: "alice")
        #expect(drill.incident.impactStartedAt == Fixtures.at(60 - 1_440))
        #expect(throws: IncidentError.self) { try drill.type("/incident started 2026-11-24 10:30", by: "alice") }
        #expect(throws: IncidentError.self) { try drill.type("/incident started 2026-10-01 10:30", by: "alice") }
        #expect(throws: IncidentError.self) { try drill.type("/incident started 09:00", by: "bob") }
        // Customers were hurt from 09:42, not from the declaration.
        try drill.type("/incident started 09:42", by: "alice")
        // Said again, it changes nothing and records nothing more (audit s65b).
        let entries = drill.timeline.count
        #expect { try drill.type("/incident started 09:42", by: "alice") } throws: {
            "\($0)" == "INC-1's impact already started 2026-11-24 09:42 UTC on its record."
        }
        #expect(drill.timeline.count == entries)
        try drill.run(to: 30, script: [30: [("alice", "/incident mitigated")]])
        let draft = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline)
        #expect(draft.contains("for how long (48m from the impact's start at 2026-11-24 09:42 UTC to mitigation)"), "\(draft)")
        // A start after the mitigation made the draft say "0s from the impact's start".
        try drill.run(to: 40)
        #expect { try drill.type("/incident started 10:35", by: "alice") } throws: {
            "\($0)" == "2026-11-24 10:35 UTC is after INC-1 was mitigated (2026-11-24 10:30 UTC); say when the impact started."
        }
    }

    /// A time the clocks skipped names no start: read as the hour before (as it was), the
    /// time to detect was an hour long without a word.
    @Test func anImpactStartTheClocksSkippedIsRefused() throws {
        var policy = try Fixtures.policy()
        policy.timeZone = try #require(LocalZone(identifier: "America/New_York"))
        let declared = try #require(Timestamp(iso8601: "2026-03-08T07:40:00Z"))  // 03:40 EDT
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder, policy: policy, at: declared)
        #expect { try drill.type("/incident started 02:30", by: "alice") } throws: {
            "\($0)" == "2026-03-08 02:30 never happened in America/New_York: the clocks went forward that night; say the time the clock showed."
        }
        #expect(drill.incident.impactStartedAt == nil)
        try drill.type("/incident started 01:50", by: "alice")
        #expect(drill.incident.impactStartedAt == declared - .minutes(50))
    }

    /// An impact that started after the declaration (found later, while investigating) counts
    /// from its start, not from the declaration.
    @Test func anImpactStartAfterTheDeclarationCountsFromThere() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 60, script: [50: [("alice", "/incident started 10:20")], 60: [("alice", "/incident mitigated")]])
        let draft = PostmortemDraft.markdown(drill.incident, timeline: drill.timeline)
        #expect(draft.contains("for how long (40m from the impact's start at 2026-11-24 10:20 UTC to mitigation)"), "\(draft)")
    }

    @Test func thePolicyChecksItsTargets() throws {
        let shipped = try Fixtures.text("policy.yaml")
        let p1 = "targets: {acknowledge: 30m, mitigate: 4h, resolve: 1d}"
        #expect(try Fixtures.policy()[.p1].targets == ResponseTargets(acknowledge: .minutes(30), mitigate: .hours(4), resolve: .days(1)))
        for (bad, reason) in [("targets: {acknowledge: soon}", "expected a duration"), ("targets: {answer: 5m}", "answer")] {
            do {
                _ = try Policy.load(yaml: shipped.replacing(p1, with: bad), file: "policy.yaml")
                Issue.record("\(bad) was accepted")
            } catch {
                #expect("\(error)".contains(reason) && "\(error)".contains("policy.yaml:"), "\(error)")
            }
        }
    }
}
