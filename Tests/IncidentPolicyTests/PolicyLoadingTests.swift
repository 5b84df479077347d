import IncidentCore
import IncidentPolicy
import Testing

@Suite struct PolicyLoadingTests {
    @Test func theShippedPolicyIsSpecSectionsFourAndFive() throws {
        let policy = try ConfigFiles.policy()
        #expect(policy.timeZone == .utc)
        #expect(policy.defaultSeverity == .p2)
        #expect(policy.escalateAfterMissed == 2)
        #expect(policy.updateInterval(.p0) == .minutes(15))
        #expect(policy.updateInterval(.p1) == .minutes(30))
        #expect(policy.updateInterval(.p2) == .hours(2))
        #expect(policy.updateInterval(.p3) == nil)
        #expect(policy[.p0].nudge == [.commander, .comms])
        #expect(policy[.p2].nudge == [.commander])
        #expect(policy[.p0].pageAtOnce == [LevelRef(ladder: "engineering", level: "L4")])
        #expect(policy[.p1].postmortemDue == .hours(48))
        #expect(policy[.p2].postmortemDue == .days(5))
        #expect(policy[.p3].postmortemDue == nil)

        let engineering = try #require(policy.ladder("engineering"))
        #expect(engineering.levels.map(\.id) == ["L1", "L2", "L3", "L4"])
        #expect(engineering.levels.map(\.role) == ["on-call engineer", "team lead", "engineering manager", "VP engineering"])
        #expect(engineering.levels.map(\.wait) == [.minutes(15), .minutes(30), .hours(1), .minutes(15)])
        #expect(engineering.levels[3].severities == [.p0])
        #expect(engineering.levels[0].severities == Set(Severity.allCases))
        #expect(engineering.stopOn == [.acknowledged, .mitigated, .resolved])
        #expect(engineering.repeatAtTop == .times(4))
        #expect(engineering.stepsOnMissedUpdate)

        let business = try #require(policy.ladder("business"))
        #expect(business.levels.map(\.role) == ["operations manager", "director of operations", "CTO"])
        #expect(business.levels.map(\.wait) == [.hours(1), .minutes(30), .minutes(15)])
        #expect(business.levels.allSatisfy { $0.severities == [.p0, .p1] })
        #expect(business.stopOn == [.mitigated, .resolved])
        #expect(business.repeatAtTop == .times(0))
        #expect(!business.stepsOnMissedUpdate)
        #expect(!business.runs(at: .p2))
    }

    /// The plans' matrix: when each level is reached per severity if nobody answers, the bound
    /// on repeats, and which severities page only in working hours.
    @Test func theShippedMatrixFollowsThePlans() throws {
        let policy = try ConfigFiles.policy()
        let engineering = try #require(policy.ladder("engineering"))
        let business = try #require(policy.ladder("business"))
        func minutes(_ ladder: Ladder, _ severity: Severity) -> [String] {
            policy.plan(ladder, at: severity).steps.map { "\(ladder.levels[$0.index].id)@\($0.reachedAfter.wholeSeconds / 60)" }
        }
        #expect(minutes(engineering, .p0) == ["L1@0", "L2@15", "L3@45", "L4@105"])
        #expect(minutes(engineering, .p1) == ["L1@0", "L2@30", "L3@60"])
        #expect(minutes(engineering, .p2) == ["L1@0", "L2@240"])
        #expect(minutes(engineering, .p3) == ["L1@0", "L2@1440"])
        #expect(minutes(business, .p0) == ["L1@0", "L2@60", "L3@90"])
        #expect(minutes(business, .p1) == ["L1@0", "L2@60", "L3@90"])
        #expect(!policy.plan(business, at: .p2).runs)
        #expect(policy.plan(engineering, at: .p0).repeats == .times(8))
        #expect(policy.plan(engineering, at: .p0).repeatEvery == .minutes(15))
        #expect(policy.plan(engineering, at: .p1).repeatEvery == .minutes(30))
        #expect(policy.plan(engineering, at: .p3).repeats == .times(1))
        #expect(policy.plan(engineering, at: .p3).repeatEvery == .hours(24))
        #expect(policy.plan(business, at: .p1).repeats == .times(0))
        #expect(Severity.allCases.map { policy[$0].workingHoursOnly } == [false, false, true, true])
        #expect(policy.workingHours == .office)
        #expect(policy.escalationTable.contains("  P1               0              30              60               -            0           60           90"))
    }

    @Test func workingHoursAreReadOnTheWallClock() throws {
        let hours = WorkingHours.office
        let berlin = try #require(LocalZone(identifier: "Europe/Berlin"))
        // Friday 2026-11-27 16:30 UTC is 17:30 in Berlin: closed until Monday 09:00 Berlin (08:00 UTC).
        let friday = try #require(Timestamp(iso8601: "2026-11-27T16:30:00Z"))
        #expect(hours.contains(friday, in: .utc))
        #expect(!hours.contains(friday, in: berlin))
        #expect(hours.nextWorkingTime(from: friday, in: berlin) == Timestamp(iso8601: "2026-11-30T08:00:00Z"))
        // Across the spring change: Monday 2026-03-30 09:00 in Berlin is 07:00 UTC.
        let sunday = try #require(Timestamp(iso8601: "2026-03-29T12:00:00Z"))
        #expect(hours.nextWorkingTime(from: sunday, in: berlin) == Timestamp(iso8601: "2026-03-30T07:00:00Z"))
        #expect(hours.description == "Mon Tue Wed Thu Fri 09:00–17:00")
        // Hours opening in the hour the autumn change repeats: at 01:10 GMT, after 01:30 BST,
        // they open at 01:30 GMT, twenty minutes on; a page waited for the next day's opening.
        let london = try #require(LocalZone(identifier: "Europe/London"))
        let night = WorkingHours(days: Set(1...7), start: 90, end: 540)
        #expect(night.nextWorkingTime(from: try #require(Timestamp(iso8601: "2026-10-25T01:10:00Z")), in: london)
                == Timestamp(iso8601: "2026-10-25T01:30:00Z"))
        #expect(night.nextWorkingTime(from: try #require(Timestamp(iso8601: "2026-10-25T00:10:00Z")), in: london)
                == Timestamp(iso8601: "2026-10-25T00:30:00Z"))
        // Hours as the bot prints them (an en dash) read as typed with a hyphen.
        let shipped = try ConfigFiles.text("policy.yaml")
        let printed = try Policy.load(yaml: shipped.replacing("  hours: \"09:00-17:00\"\n", with: "  hours: \"10:00–16:00\"\n"), file: "p.yaml")
        #expect(printed.workingHours?.description == "Mon Tue Wed Thu Fri 10:00–16:00")
    }

    /// Each broken policy: what to replace in the shipped file, the text whose line the error
    /// must name, and words the reason must contain.
    @Test(arguments: [
        ("        methods: [phone]\n", "        methods: [phone, fax]\n", "[phone, fax]", "a level's method is chat, phone"),
        ("        methods: [pagerduty, chat]", "        methods: []", "methods: []", "list at least one method"),
        ("  P3:\n", "  P5:\n", "  P5:", "unknown severity “P5”"),
        ("  P3:\n", "  p1:\n    definition: the same again\n  P3:\n", "  p1:", "p1 is P1 again"),
        ("        role: team lead\n", "", "      - level: L2", "missing “role”"),
        ("        wait: 30m\n", "        wait: -5m\n", "wait: -5m", "must not be negative"),
        ("        wait: 1h\n", "        wait: soon\n", "wait: soon", "expected a duration"),
        ("        wait: 1h\n", "        wait: 1M\n", "wait: 1M", "M may mean months or minutes"),
        ("        wait: 15m\n", "        wait: 0m\n", "wait: 0m", "longer than zero"),
        ("    update_every: 30m\n", "    update_every: [30m\n", "update_every: [30m", "YAML syntax"),
        ("    update_every: 2h\n", "    updat_every: 2h\n", "updat_every", "unknown key “updat_every”"),
        ("[engineering.L4]", "[engineering.L9]", "engineering.L9", "unknown level “engineering.L9”"),
        ("        severities: [P0]\n", "        severities: [P0, P7]\n", "[P0, P7]", "unknown severity “P7”"),
        ("    repeat: 0\n", "    repeat: twice\n", "repeat: twice", "whole number"),
        ("    stop_on: [mitigated, resolved]\n", "    stop_on: [mitigated, paged]\n", "[mitigated, paged]", "unknown stop condition"),
        ("    stop_on: [mitigated, resolved]\n", "    stop_on: []\n", "stop_on: []", "nothing would stop the business ladder"),
        ("time_zone: UTC\n", "time_zone: Mars/Base\n", "time_zone: Mars", "unknown time zone"),
        ("time_zone: UTC\n", "time_zone: BST\n", "time_zone: BST", "“BST” is an abbreviation or a legacy name"),
        ("escalate_after_missed: 2\n", "escalate_after_missed: 0\n", "escalate_after_missed: 0", "must be 1 or more"),
        ("    nudge: [ic]\n", "    nudge: [boss]\n", "nudge: [boss]", "unknown role “boss”"),
        ("      - level: L3\n", "      - level: L2\n", "role: engineering manager", "level L2 appears twice"),
        ("    definition: Low.", "    runbook2: x\n    definition: Low.", "runbook2", "unknown key"),
        ("    repeat: 4\n", "    repeat: unlimited\n", "repeat: unlimited", "repeats are bounded"),
        ("        levels: { L1: 0m, L2: 30m, L3: 1h }\n", "        levels: { L1: 0m, L3: 30m, L2: 1h }\n", "L3: 30m, L2: 1h",
         "in the ladder's order"),
        ("        levels: { L1: 0m, L2: 4h }\n", "        levels: { L1: 5m, L2: 4h }\n", "L1: 5m", "first level is reached when the ladder starts"),
        ("        levels: { L1: 0m, L2: 24h }\n", "        levels: { L1: 0m, L2: 0m }\n", "L2: 0m", "must be reached at least 1m after L1"),
        // Seconds where minutes were meant must be refused, not run: `update_every: 1s` paged the
        // team lead two seconds after a declaration and the VP a second later.
        ("        levels: { L1: 0m, L2: 24h }\n", "        levels: { L1: 0m, L2: 1s }\n", "L2: 1s", "must be reached at least 1m after L1 (0s), as a level's own wait must be, not 1s"),
        ("    update_every: 30m\n", "    update_every: 15s\n", "update_every: 15s", "must be at least 1m: each update missed pages further up the ladder"),
        ("acknowledge: 15m,", "acknowledge: 15s,", "acknowledge: 15s", "must be at least 1m: it is a time to respond in"),
        ("postmortem_reminder_every: 24h\n", "postmortem_reminder_every: 1s\n", "postmortem_reminder_every: 1s", "must be at least 1h"),
        ("        levels: { L1: 0m, L2: 24h }\n", "        levels: { L1: 0m, L7: 1h }\n", "L7: 1h", "unknown key “L7”"),
        ("  hours: \"09:00-17:00\"\n", "  hours: \"17:00-09:00\"\n", "17:00-09:00", "start before end"),
        ("  hours: \"09:00-17:00\"\n", "  hours: \"9-5\"\n", "9-5", "expected hours like 09:00-17:00"),
        ("  days: [Mon, Tue, Wed, Thu, Fri]\n", "  days: [Mon, Tue, Funday]\n", "Funday", "unknown day “Funday”"),
        ("  days: [Mon, Tue, Wed, Thu, Fri]\n", "  days: []\n", "days: []", "at least one working day"),
        ("    paging: around_the_clock\n    escalation:\n      engineering:\n        # levels",
         "    paging: working_hours\n    escalation:\n      engineering:\n        # levels", "[engineering.L4]", "cannot page at once"),
        ("    paging: working_hours    #", "    paging: nights    #", "paging: nights", "expected around_the_clock or working_hours"),
        ("        repeat: { times: 2, every: 4h }\n", "        repeat: { times: 2, every: 4h, jitter: 1m }\n", "jitter", "unknown key"),
        // A typo must not page someone every second all night (the audit's 3,603 pages in two hours).
        ("        repeat: { times: 2, every: 4h }\n", "        repeat: { times: 99999999999, every: 1h }\n", "times: 99999999999", "must be 100 or less"),
        ("        repeat: { times: 2, every: 4h }\n", "        repeat: { times: 2, every: 1s }\n", "every: 1s", "must be at least 1m"),
        // A ladder's bare `repeat` written under a severity: said what it takes, not "expected a mapping".
        ("        repeat: { times: 2, every: 4h }\n", "        repeat: unlimited\n", "repeat: unlimited", "repeats are bounded so nothing pages all night"),
        ("        repeat: { times: 2, every: 4h }\n", "        repeat: 3\n", "repeat: 3", "like repeat: { times: 4, every: 30m }, not “3”"),
        ("    repeat: 4\n", "    repeat: 101\n", "repeat: 101", "must be 100 or less"),
        ("        wait: 30m\n", "        wait: 30s\n", "wait: 30s", "must be at least 1m"),
        // A runbook is posted as a link in every kickoff: a note or a mention is not one.
        ("    runbook: https://runbooks.example.com/incident/p1\n", "    runbook: see the wiki\n", "runbook: see the wiki", "expected an http or https link"),
        ("    runbook: https://runbooks.example.com/incident/p1\n", "    runbook: \"https://x.example.com/ @channel\"\n", "runbook: \"https", "no spaces"),
        // A password in a link the bot posts in every room, page and topic: refused, not shown.
        ("    runbook: https://runbooks.example.com/incident/p1\n", "    runbook: https://wiki:Hunter2@wiki.example.com/p1\n", "runbook: https://wiki:", "carries credentials before its host"),
        ("    runbook: https://runbooks.example.com/incident/p1\n", "    runbook: \"https://wiki:Hunter2#x@wiki.example.com/p1\"\n", "runbook: \"https://wiki:", "carries credentials before its host"),
        ("    call: https://meet.example.com/incident-{number}", "    call: https://bot:Pw99@meet.example.com/incident-{number}", "call: https://bot:", "the link is not shown here"),
        ("      engineering:   # \"response 8 hours", "      ops:   # \"response 8 hours", "ops:", "unknown key “ops”"),
        // Said in the editor's words and at the line, not in YAML's.
        ("        wait: 30m\n", "\t       wait: 30m\n", "\t       wait", "a tab at column 1: YAML indents with spaces, never tabs"),
        ("escalate_after_missed: 2\n", "escalate_after_missed: 2\u{0}\n", "escalate_after_missed: 2", "control characters are not allowed (U+0000)"),
        ("time_zone: UTC\n", "time_zone: ~\n", "time_zone: ~", "must not be empty (“~” is YAML's empty value)"),
        ("time_zone: UTC\n", "time_zone: Zulu\n", "time_zone: Zulu", "write a place's zone name: UTC, the zone it names"),
        // Too long is said as too long, and a duration of 19,000 years is no wait a team means.
        ("        wait: 1h\n", "        wait: 2000000w\n", "wait: 2000000w", "must be at most 366d, not “2000000w”"),
        ("        wait: 1h\n", "        wait: 1000000w\n", "wait: 1000000w", "must be at most 366d, not “1000000w”"),
        ("        wait: 1h\n", "        wait: 30m1h\n", "wait: 30m1h", "writes a unit twice or a smaller one before a larger"),
    ])
    func refusesABrokenPolicyWithItsLine(find: String, replace: String, lineOf: String, reason: String) throws {
        try ConfigFiles.expectRefused("policy.yaml", find: find, replace: replace, lineOf: lineOf, reason: reason) {
            _ = try Policy.load(yaml: $0, file: "config/policy.yaml")
        }
    }

    @Test func refusesAPolicyMissingASeverity() throws {
        let shipped = try ConfigFiles.text("policy.yaml")
        let start = try #require(shipped.range(of: "  P3:\n"))
        let end = try #require(shipped.range(of: "# Ladders run side by side"))
        let broken = shipped.replacingCharacters(in: start.lowerBound..<end.lowerBound, with: "\n")
        #expect(throws: ConfigError.self) { try Policy.load(yaml: broken, file: "p.yaml") }
        do {
            _ = try Policy.load(yaml: broken, file: "p.yaml")
        } catch {
            #expect(error.reason.contains("missing P3"))
            #expect(error.line == ConfigFiles.line(of: "severities:", in: broken))
        }
    }

    @Test(arguments: ["", "# only a comment\n", "just text", "- a\n- b\n"])
    func refusesFilesThatAreNotAPolicy(text: String) {
        #expect(throws: ConfigError.self) { try Policy.load(yaml: text, file: "p.yaml") }
    }

    @Test func duplicateKeysAreRefused() throws {
        let shipped = try ConfigFiles.text("policy.yaml")
        let broken = shipped.replacingOccurrences(of: "default_severity: P2\n", with: "default_severity: P2\ndefault_severity: P1\n")
        #expect(throws: ConfigError.self) { try Policy.load(yaml: broken, file: "p.yaml") }
    }

    @Test func thePolicyRoundTripsThroughItsStoredForm() throws {
        let policy = try ConfigFiles.policy()
        let copy = try JSONRoundTrip.copy(policy)
        #expect(copy == policy)
    }
}

@Suite struct LevelMethodTests {
    /// The shipped policy reaches each level as the plans say: on-call by PagerDuty or chat,
    /// team lead by chat or phone, engineering manager and above by phone, the operations
    /// manager by chat or mail.
    @Test func theShippedLevelsSayHowTheyAreReached() throws {
        let policy = try ConfigFiles.policy()
        let methods = policy.ladders.flatMap { ladder in ladder.levels.map { "\(ladder.id) \($0.role): \($0.methods.map(\.rawValue).joined(separator: ","))" } }
        #expect(methods == [
            "engineering on-call engineer: pagerduty,slack,matrix",
            "engineering team lead: slack,matrix,voice,sms",
            "engineering engineering manager: voice,sms",
            "engineering VP engineering: voice,sms",
            "business operations manager: slack,matrix,email",
            "business director of operations: voice,sms,email",
            "business CTO: voice,sms",
        ])
    }
}
