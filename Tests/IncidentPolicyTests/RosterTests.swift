import IncidentCore
import IncidentPolicy
import Testing

@Suite struct RosterTests {
    func exampleRoster() throws -> Roster {
        try Roster.load(yaml: ConfigFiles.text("roster.example.yaml"), file: "config/roster.example.yaml",
                        policy: ConfigFiles.policy())
    }

    @Test func theExampleRosterFillsEveryLevelWithADemoPerson() throws {
        let roster = try exampleRoster()
        let policy = try ConfigFiles.policy()
        #expect(Set(roster.people.keys.map(\.rawValue)) == ["alice", "bob", "carol", "dave", "erin", "frank", "grace"])
        let monday = try #require(Timestamp(iso8601: "2026-11-23T10:00:00Z"))
        var onDuty: [String] = []
        for ladder in policy.ladders {
            for index in ladder.levels.indices {
                onDuty.append(try #require(roster.onDuty(ladder.reference(index), at: monday)).rawValue)
            }
        }
        #expect(onDuty == ["alice", "bob", "carol", "dave", "erin", "frank", "grace"])
        #expect(roster.admins == ["grace"])
        #expect(roster.people["bob"]?.contactOrder == [.matrix, .slack])
        #expect(roster.people["carol"]?.contactOrder == [.slack, .matrix, .email, .sms, .voice])
        #expect(roster.people["dave"]?.contactOrder == [.voice, .sms, .slack])
        #expect(roster.people["dave"]?.addresses[.voice] == "+15550100004")
        #expect(roster.people["dave"]?.chatOrder == [.slack])
    }

    @Test func aLevelMayHaveItsOwnPagerDutyService() throws {
        let text = try ConfigFiles.text("roster.example.yaml").replacingOccurrences(
            of: "L1: { rotation: primary-oncall }", with: "L1: { rotation: primary-oncall, pagerduty: PAGERDUTY_KEY_ONCALL }")
        let roster = try Roster.load(yaml: text, file: "roster.yaml", policy: ConfigFiles.policy())
        #expect(roster.levelAddresses[LevelRef(ladder: "engineering", level: "L1")] == [.pagerduty: "PAGERDUTY_KEY_ONCALL"])
        #expect(roster.levels[LevelRef(ladder: "engineering", level: "L1")] == .rotation("primary-oncall"))
    }

    @Test func aRotationHandsOverWeekly() throws {
        let start = try #require(Timestamp(iso8601: "2026-01-05T09:00:00Z"))
        let rotation = Roster.Rotation(people: ["alice", "bob", "carol"], handover: start)
        #expect(rotation.onDuty(at: start) == "alice")
        #expect(rotation.onDuty(at: start + .days(7) - .seconds(1)) == "alice")
        #expect(rotation.onDuty(at: start + .days(7)) == "bob")
        #expect(rotation.onDuty(at: start + .days(15)) == "carol")
        #expect(rotation.onDuty(at: start + .days(21)) == "alice")
        #expect(rotation.onDuty(at: start - .seconds(1)) == "carol")
        #expect(Roster.Rotation(people: [], handover: start).onDuty(at: start) == nil)
        #expect(Roster.Rotation(people: ["alice"], handover: start, every: .zero).onDuty(at: start) == nil)
    }

    /// A weekly handover at Monday 09:00 in Berlin stays at 09:00 on the wall clock when the
    /// clocks go forward in March and back in October, not at the same UTC instant.
    @Test func aRotationHandsOverAtItsLocalTimeAcrossDaylightSavingChanges() throws {
        let berlin = try #require(LocalZone(identifier: "Europe/Berlin"))
        let march = try #require(Timestamp(iso8601: "2027-03-22T08:00:00Z"))  // Monday 09:00 CET
        let spring = Roster.Rotation(people: ["alice", "bob"], handover: march, zone: berlin)
        // The clocks go forward on Sunday 28 March; Monday 09:00 CEST is 07:00 UTC.
        #expect(spring.onDuty(at: try #require(Timestamp(iso8601: "2027-03-29T06:59:59Z"))) == "alice")
        #expect(spring.onDuty(at: try #require(Timestamp(iso8601: "2027-03-29T07:00:00Z"))) == "bob")
        #expect(spring.onDuty(at: try #require(Timestamp(iso8601: "2027-04-05T07:00:00Z"))) == "alice")
        let october = try #require(Timestamp(iso8601: "2027-10-25T07:00:00Z"))  // Monday 09:00 CEST
        let autumn = Roster.Rotation(people: ["alice", "bob"], handover: october, zone: berlin)
        // The clocks go back on Sunday 31 October; Monday 09:00 CET is 08:00 UTC.
        #expect(autumn.onDuty(at: try #require(Timestamp(iso8601: "2027-11-01T07:59:59Z"))) == "alice")
        #expect(autumn.onDuty(at: try #require(Timestamp(iso8601: "2027-11-01T08:00:00Z"))) == "bob")
    }

    /// West of UTC, at a handover time a daylight-saving change skips or repeats: New York's
    /// 02:30 does not exist on 14 March 2027, and 01:30 comes twice on 1 November 2026.
    @Test func aRotationHandsOverAtAnHourTheClocksSkipOrRepeat() throws {
        let newYork = try #require(LocalZone(identifier: "America/New_York"))
        func at(_ text: String) throws -> Timestamp { try #require(Timestamp(iso8601: text)) }
        // Sunday 02:30 EDT weekly, alice then bob: the skipped 02:30 hands over just after the
        // gap (03:30 EDT, 07:30 UTC); before, the handover was placed before the gap, and
        // nobody took the page over.
        let spring = Roster.Rotation(people: ["alice", "bob"], handover: try at("2026-10-04T06:30:00Z"), zone: newYork)
        #expect(spring.onDuty(at: try at("2027-03-10T00:00:00Z")) == "alice")
        #expect(spring.nextHandover(after: try at("2027-03-10T00:00:00Z"), from: "alice") == (try at("2027-03-14T07:30:00Z")))
        #expect(spring.onDuty(at: try at("2027-03-14T07:29:59Z")) == "alice")
        #expect(spring.onDuty(at: try at("2027-03-14T07:30:00Z")) == "bob")
        // Sunday 01:30 weekly: the turn starts at the first 01:30 (05:30 UTC) and stays through
        // the repeated hour; it did not give way to the one before from 06:00 to 06:30.
        let autumn = Roster.Rotation(people: ["alice", "bob"], handover: try at("2026-10-04T05:30:00Z"), zone: newYork)
        #expect(autumn.onDuty(at: try at("2026-11-01T05:29:59Z")) == "bob")
        for instant in ["2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:15:00Z", "2026-11-01T06:45:00Z", "2026-11-07T12:00:00Z"] {
            #expect(autumn.onDuty(at: try at(instant)) == "alice", "\(instant)")
        }
        #expect(autumn.nextHandover(after: try at("2026-10-30T00:00:00Z"), from: "bob") == (try at("2026-11-01T05:30:00Z")))
        #expect(autumn.nextHandover(after: try at("2026-11-01T06:00:00Z"), from: "alice") == (try at("2026-11-08T06:30:00Z")))
        // Turns of ten minutes through the repeated hour: each person's turn in order, never back.
        let short = Roster.Rotation(people: (0..<50).map { PersonID("p\($0)") }, handover: try at("2026-11-01T04:00:00Z"),
                                    every: .minutes(10), zone: newYork)
        var last = -1
        for minute in stride(from: 0, through: 240, by: 1) {
            let index = Int(short.onDuty(at: try at("2026-11-01T04:00:00Z") + .minutes(minute))!.rawValue.dropFirst())!
            #expect(index >= last, "minute \(minute): p\(index) after p\(last)")
            last = index
        }
        // A time the zone skips lands the gap's length later, west and east of UTC.
        #expect(newYork.instant(of: CivilTime(year: 2027, month: 3, day: 14, hour: 2, minute: 30)) == (try at("2027-03-14T07:30:00Z")))
        let berlin = try #require(LocalZone(identifier: "Europe/Berlin"))
        #expect(berlin.instant(of: CivilTime(year: 2027, month: 3, day: 28, hour: 2, minute: 30)) == (try at("2027-03-28T01:30:00Z")))
        #expect(berlin.instant(of: CivilTime(year: 2026, month: 10, day: 25, hour: 2, minute: 30)) == (try at("2026-10-25T00:30:00Z")))
    }

    @Test func mentionsResolveToRosterPeople() throws {
        let roster = try exampleRoster()
        #expect(roster.resolve(.handle("alice")) == "alice")
        #expect(roster.resolve(.handle("Alice")) == "alice")
        #expect(roster.resolve(.slack(userID: "U0BOB0002", label: nil)) == "bob")
        #expect(roster.resolve(.matrix(userID: "@carol:example.org")) == "carol")
        #expect(roster.resolve(.slack(userID: "U9STRANGER", label: "x")) == "slack:U9STRANGER")
        #expect(roster.resolve(.matrix(userID: "@eve:evil.org")) == "matrix:@eve:evil.org")
        #expect(roster.resolve(.handle("nobody")) == nil)
        #expect(roster.identify(.console, accountID: "erin") == "erin")
    }

    @Test(arguments: [
        ("    L3: carol                          # engineering manager\n", "", "  engineering:", "no one fills engineering L3"),
        ("  frank:\n    name: Frank Osei\n    matrix: \"@frank:example.org\"\n", "  frank:\n    name: Frank Osei\n", "  frank:", "frank has no contact"),
        ("    email: carol@example.org", "    email: carol at example.org", "carol at example.org", "a mail address looks like alice@example.org"),
        ("    email: carol@example.org", "    email: \"carol@example.org\\r\\nBcc: all@example.org\"", "Bcc", "a mail address looks like"),
        ("    email: carol@example.org", "    email: \"cärol@exämple.org\"", "cärol", "in ASCII"),
        ("    phone: \"+15550100003\"", "    phone: \"555-0100\"", "555-0100", "E.164"),
        ("    phone: \"+15550100004\"", "    phone: \"+15550100003\"  # carol's", "# carol's", "phone +15550100003 is already carol's"),
        ("    contact: [voice, sms, slack]", "    contact: [voice, email]", "contact: [voice, email]", "dave lists email but has no email to reach it"),
        ("    contact: [voice, sms, slack]", "    contact: [voice, pager]", "contact: [voice, pager]", "a contact method is one of"),
        ("    contact: [voice, sms, slack]", "    contact: [voice, voice]", "contact: [voice, voice]", "voice is listed twice"),
        ("    contact: [voice, sms, slack]", "    contact: [voice]\n    prefer: slack  # dave", "prefer: slack  # dave", "either contact:"),
        ("    slack: U0DAVE004", "    slack: U0DAVE004\n    pagerduty: pd-key", "pd-key", "environment variable"),
        ("    slack: U0DAVE004", "    slack: U0DAVE004\n    pagerduty: TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN", "PAGERDUTY_ and a name"),
        ("    people: [alice]", "    people: [alice, zed]", "people: [alice, zed]", "“zed” is not in people"),
        ("    prefer: matrix\n", "    prefer: matrix\n  henry:\n    slack: U0HENRY08\n    prefer: matrix  # henry\n", "# henry", "has no matrix id"),
        ("{ rotation: primary-oncall }", "{ rotation: secondary }", "rotation: secondary", "no rotation “secondary”"),
        ("admins: [grace]", "admins: [root]", "admins: [root]", "“root” is not in people"),
        ("    name: Frank Osei\n", "    name: Frank Osei\n    time_zone: Mars/Olympus\n", "Mars/Olympus", "unknown time zone “Mars/Olympus”"),
        ("    slack: U0ERIN005\n", "    slack: erin\n", "slack: erin", "Slack user id"),
        ("    slack: U0ERIN005\n", "    slack: U0ALICE01 # erin too\n", "# erin too", "slack U0ALICE01 is already alice's"),
        ("    matrix: \"@frank:example.org\"", "    matrix: \"@bob:example.org\" # frank too", "# frank too",
         "matrix @bob:example.org is already bob's"),
        ("    L2: frank ", "    L9: frank ", "L9: frank", "unknown key “L9”"),
        ("{ rotation: primary-oncall }", "{ rotation: primary-oncall, pagerduty: oncall-key }", "oncall-key", "environment variable"),
        ("{ rotation: primary-oncall }", "{ pagerduty: PD_KEY }", "{ pagerduty: PD_KEY }", "rotation: or person:"),
        ("    handover: 2026-01-05T09:00:00Z", "    handover: monday", "handover: monday", "expected a time"),
        // A minute's turn (a month meant) handed the page between two people all night.
        ("    every: 1w", "    every: 1m", "every: 1m", "must be at least 1h: each handover pages the incoming person"),
        ("    every: 1w", "    every: 59m", "every: 59m", "must be at least 1h"),
        ("  bob:\n", "  Alice:\n    slack: U0ALICE02\n  bob:\n", "  Alice:", "Alice differs from alice only in case"),
    ])
    func refusesABrokenRosterWithItsLine(find: String, replace: String, lineOf: String, reason: String) throws {
        let policy = try ConfigFiles.policy()
        try ConfigFiles.expectRefused("roster.example.yaml", find: find, replace: replace, lineOf: lineOf, reason: reason) {
            _ = try Roster.load(yaml: $0, file: "config/roster.yaml", policy: policy)
        }
    }

    /// A routing key pasted where its variable's name goes is not repeated in the refusal,
    /// which ends up in the journal or a CI log.
    @Test func aKeyWrittenWhereItsVariableGoesIsNotRepeated() throws {
        let policy = try ConfigFiles.policy()
        let key = "e93facc04764012d7bfb002500d5d1a6"
        for (find, replace) in [("    slack: U0DAVE004", "    slack: U0DAVE004\n    pagerduty: \(key)"),
                                ("{ rotation: primary-oncall }", "{ rotation: primary-oncall, pagerduty: \(key) }")] {
            let text = try ConfigFiles.text("roster.example.yaml").replacingOccurrences(of: find, with: replace)
            #expect(text.contains(key))
            do {
                _ = try Roster.load(yaml: text, file: "config/roster.yaml", policy: policy)
                Issue.record("accepted")
            } catch {
                #expect(!error.description.contains(key), "\(error)")
                #expect(error.description.contains("environment variable"))
            }
        }
    }

    @Test func aPersonMayWorkOnTheirOwnClock() throws {
        let text = try ConfigFiles.text("roster.example.yaml")
            .replacingOccurrences(of: "    name: Frank Osei\n", with: "    name: Frank Osei\n    time_zone: America/New_York\n")
        let roster = try Roster.load(yaml: text, file: "roster.yaml", policy: try ConfigFiles.policy())
        #expect(roster.people["frank"]?.zone == LocalZone(identifier: "America/New_York"))
        #expect(roster.people["alice"]?.zone == nil)
    }
}
