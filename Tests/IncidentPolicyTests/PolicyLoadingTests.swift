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
        #expect(engineering.repeatAtTop == .unlimited)
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

    /// Each broken policy: what to replace in the shipped file, the text whose line the error
    /// must name, and words the reason must contain.
    @Test(arguments: [
        ("  P3:\n", "  P5:\n", "  P5:", "unknown severity “P5”"),
        ("        role: team lead\n", "", "      - level: L2", "missing “role”"),
        ("        wait: 30m\n", "        wait: -5m\n", "wait: -5m", "must not be negative"),
        ("        wait: 1h\n", "        wait: soon\n", "wait: soon", "expected a duration"),
        ("        wait: 15m\n", "        wait: 0m\n", "wait: 0m", "longer than zero"),
        ("    update_every: 30m\n", "    update_every: [30m\n", "update_every: [30m", "YAML syntax"),
        ("    update_every: 2h\n", "    updat_every: 2h\n", "updat_every", "unknown key “updat_every”"),
        ("[engineering.L4]", "[engineering.L9]", "engineering.L9", "unknown level “engineering.L9”"),
        ("        severities: [P0]\n", "        severities: [P0, P7]\n", "[P0, P7]", "unknown severity “P7”"),
        ("    repeat: 0\n", "    repeat: twice\n", "repeat: twice", "whole number"),
        ("    stop_on: [mitigated, resolved]\n", "    stop_on: [mitigated, paged]\n", "[mitigated, paged]", "unknown stop condition"),
        ("    stop_on: [mitigated, resolved]\n", "    stop_on: []\n", "stop_on: []", "nothing would stop the business ladder"),
        ("time_zone: UTC\n", "time_zone: Mars/Base\n", "time_zone: Mars", "unknown time zone"),
        ("escalate_after_missed: 2\n", "escalate_after_missed: 0\n", "escalate_after_missed: 0", "must be 1 or more"),
        ("    nudge: [ic]\n", "    nudge: [boss]\n", "nudge: [boss]", "unknown role “boss”"),
        ("      - level: L3\n", "      - level: L2\n", "role: engineering manager", "level L2 appears twice"),
        ("    definition: Low.", "    runbook2: x\n    definition: Low.", "runbook2", "unknown key"),
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
