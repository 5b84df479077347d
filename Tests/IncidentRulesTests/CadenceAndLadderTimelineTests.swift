import IncidentCore
import IncidentPolicy
import IncidentRules
import Testing

/// The timelines of behaviour.md sections 4 and 5, minute by minute, on the shipped policy and the
/// example roster (engineering L1 alice, L2 bob, L3 carol, L4 dave; business L1 erin, L2
/// frank, L3 grace). Declared at minute 0 by someone outside the ladders.
@Suite struct CadenceAndLadderTimelineTests {
    struct Scenario: CustomTestStringConvertible, Sendable {
        var name: String
        var declare: String
        /// Who declares: someone off the roster unless the declaration names an IC.
        var declarer: PersonID = Fixtures.reporter
        var script: [Int: [(String, String)]] = [:]
        var until: Int
        var pages: [String]
        var nudges: [Int]
        var testDescription: String { name }
    }

    static let scenarios: [Scenario] = [
        Scenario(name: "P1, nobody answers", declare: "/incident declare Payment API errors --sev P1", until: 120,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "30 engineering.L2 bob", "60 business.L2 frank",
                         "60 engineering.L3 carol", "90 business.L3 grace", "90 engineering.L3 carol", "120 engineering.L3 carol"],
                 nudges: [30, 60, 90, 120]),
        Scenario(name: "P1 raised to P0 at minute 20", declare: "/incident declare Payment API errors --sev P1",
                 script: [20: [("carol", "/sev P0 all regions")]], until: 60,
                 // The on-call has had 20 minutes, more than P0's 15: the team lead is paged at once.
                 // At 50 the ladder's own wait and the second missed update fall together: one step.
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "20 engineering.L2 bob", "20 engineering.L4 dave",
                         "50 engineering.L3 carol", "60 business.L2 frank"],
                 nudges: [35, 50]),
        Scenario(name: "P1 acknowledged at minute 5, no updates", declare: "/incident declare Payment API errors --sev P1",
                 script: [5: [("alice", "/ack")]], until: 120,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "60 business.L2 frank", "60 engineering.L2 bob",
                         "90 business.L3 grace", "90 engineering.L3 carol", "120 engineering.L3 carol"],
                 nudges: [30, 60, 90, 120]),
        Scenario(name: "P1 acknowledged, updates on time", declare: "/incident declare Payment API errors --sev P1",
                 script: [5: [("alice", "/ack")], 20: [("alice", "/update looking")], 45: [("alice", "/update found it")],
                          70: [("alice", "/update fixing")], 95: [("alice", "/update still fixing")],
                          120: [("alice", "/update nearly")]],
                 until: 120,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "60 business.L2 frank", "90 business.L3 grace"],
                 nudges: []),
        Scenario(name: "P1 mitigated at 40, resolved at 100", declare: "/incident declare Payment API errors --sev P1",
                 script: [40: [("carol", "/incident mitigated")],
                          100: [("carol", "/incident resolve rolled back")]],
                 until: 180,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "30 engineering.L2 bob"],
                 nudges: [30, 60, 90]),
        Scenario(name: "P2, nobody answers", declare: "/incident declare Search slow --sev P2", until: 420,
                 // The third missed update pages the top (the team lead) again.
                 pages: ["0 engineering.L1 alice", "240 engineering.L2 bob", "360 engineering.L2 bob"],
                 nudges: [120, 240, 360]),
        Scenario(name: "P3, nobody answers", declare: "/incident declare Typo on status page --sev P3", until: 420,
                 pages: ["0 engineering.L1 alice"],
                 nudges: []),
        Scenario(name: "P0, nobody answers", declare: "/incident declare Checkout down --sev P0", until: 60,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "0 engineering.L4 dave", "15 engineering.L2 bob",
                         "30 engineering.L3 carol", "45 engineering.L4 dave", "60 business.L2 frank", "60 engineering.L4 dave"],
                 nudges: [15, 30, 45, 60]),
        Scenario(name: "P1 lowered to P2 at minute 20", declare: "/incident declare Payment API errors --sev P1",
                 script: [20: [("carol", "/sev P2 only EU")]], until: 240,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "240 engineering.L2 bob"],
                 nudges: [120, 240]),
        Scenario(name: "P2 raised to P1 at minute 20", declare: "/incident declare Search slow --sev P2",
                 script: [20: [("carol", "/sev P1")]], until: 90,
                 pages: ["0 engineering.L1 alice", "20 business.L1 erin", "30 engineering.L2 bob", "60 engineering.L3 carol",
                         "80 business.L2 frank", "90 engineering.L3 carol"],
                 nudges: [30, 60, 90]),
        Scenario(name: "P1 declared with an IC", declare: "/incident declare Payment API errors --sev P1 --ic @alice",
                 declarer: Fixtures.responder,
                 until: 60,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "60 business.L2 frank", "60 engineering.L2 bob"],
                 nudges: [30, 60]),
        Scenario(name: "P0 acknowledged at 3, updates every 10 minutes", declare: "/incident declare Checkout down --sev P0",
                 script: [3: [("dave", "/ack")], 10: [("alice", "/update a")], 20: [("alice", "/update b")],
                          30: [("alice", "/update c")], 40: [("alice", "/update d")], 50: [("alice", "/update e")],
                          60: [("alice", "/update f")]],
                 until: 60,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "0 engineering.L4 dave", "60 business.L2 frank"],
                 nudges: []),
        Scenario(name: "P0 mitigated at 20", declare: "/incident declare Checkout down --sev P0",
                 script: [20: [("carol", "/incident mitigated")]], until: 60,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "0 engineering.L4 dave", "15 engineering.L2 bob"],
                 nudges: [15, 30, 45, 60]),
        // Acknowledged, then mitigated: the missed updates after it wake nobody up the ladder.
        Scenario(name: "P0 acknowledged at 3, mitigated at 20, no updates", declare: "/incident declare Checkout down --sev P0",
                 script: [3: [("alice", "/ack")], 20: [("carol", "/incident mitigated")]], until: 90,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice", "0 engineering.L4 dave"],
                 nudges: [15, 30, 45, 60, 75, 90]),
        Scenario(name: "P2 acknowledged at 10, no updates", declare: "/incident declare Search slow --sev P2",
                 script: [10: [("alice", "/ack")]], until: 360,
                 pages: ["0 engineering.L1 alice", "240 engineering.L2 bob", "360 engineering.L2 bob"],
                 nudges: [120, 240, 360]),
        Scenario(name: "P3 resolved at 30", declare: "/incident declare Typo --sev P3",
                 script: [30: [("carol", "/incident resolve")]], until: 300,
                 pages: ["0 engineering.L1 alice"],
                 nudges: []),
        Scenario(name: "P1, IC named at minute 20 by a roster responder", declare: "/incident declare Payment API errors --sev P1",
                 script: [20: [("carol", "/ic @carol")]], until: 45,
                 pages: ["0 business.L1 erin", "0 engineering.L1 alice"],
                 nudges: [30]),
    ]

    @Test(arguments: scenarios)
    func pagesAndNudgesComeOnTheirMinutes(scenario: Scenario) throws {
        var drill = try Drill(scenario.declare, by: scenario.declarer)
        let script = scenario.script.mapValues { $0.map { (PersonID($0.0), $0.1) } }
        try drill.run(to: scenario.until, script: script)
        #expect(drill.pages == scenario.pages)
        #expect(drill.nudges == scenario.nudges)
    }

    @Test func theSpecExampleHoldsToTheMinute() throws {
        // behaviour.md example: a P1 declared at 10:00 with nobody acknowledging pages L1 at 10:00,
        // L2 at 10:30, L3 at 11:00, and the business L1 at 10:00, L2 at 11:00, L3 at 11:30;
        // raised to P0 at 10:20 it pages the VP engineering at once.
        var quiet = try Drill("/incident declare Payment API errors --sev P1")
        try quiet.run(to: 100)
        let climbs = quiet.incident.pages.filter { $0.reason == .climb }.map { "\(Fixtures.start.minutes(to: $0.at)) \($0.level)" }
        #expect(climbs == ["0 engineering.L1", "0 business.L1", "30 engineering.L2", "60 engineering.L3",
                           "60 business.L2", "90 business.L3"])

        var raised = try Drill("/incident declare Payment API errors --sev P1")
        try raised.run(to: 20, script: [20: [(Fixtures.responder, "/sev P0")]])
        #expect(raised.pages.last == "20 engineering.L4 dave")
    }

    /// The business ladder does not run at P2: lowered there and raised back before its next
    /// step, it keeps the times it had, counted from the operations manager's page.
    @Test func aLadderTheLowerSeverityDoesNotRunKeepsItsTimesWhenRaisedAgain() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 100, script: [10: [(Fixtures.responder, "/sev P2 contained")],
                                        30: [(Fixtures.responder, "/sev P1 spreading again")]])
        let business = drill.pages.filter { $0.contains("business") }
        #expect(business == ["0 business.L1 erin", "60 business.L2 frank", "90 business.L3 grace"])
    }

    @Test func theBusinessLadderStopsAtItsTopWithoutRepeating() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1")
        try drill.run(to: 300)
        let business = drill.pages.filter { $0.contains("business") }
        #expect(business == ["0 business.L1 erin", "60 business.L2 frank", "90 business.L3 grace"])
        #expect(drill.timeline.contains { $0.kind == .ladderStopped && $0.text.contains("business ladder reached its top") })
    }

    @Test func theTopIsPagedAgainAFewTimesNotAllNight() throws {
        // P1: the engineering manager at 60 minutes, then four more times, 30 minutes apart.
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 24 * 60)
        let carol = drill.pages.filter { $0.hasSuffix("carol") }.map { Int($0.split(separator: " ")[0])! }
        #expect(carol == [60, 90, 120, 150, 180])
        #expect(drill.timeline.contains { $0.kind == .ladderStopped && $0.text.contains("engineering ladder reached its top") })
        #expect(drill.incident.ladders["engineering"]?.nextStepAt == nil)
        // Answering still works after the ladder went quiet.
        try drill.run(to: 24 * 60 + 1, script: [24 * 60 + 1: [("carol", "/ack")]])
        #expect(drill.incident.acknowledgedAt != nil)
    }

    /// A P1 left open and forgotten: eight nudges in a row (four hours at its half hour), the
    /// eighth saying it is the last; after it, a miss is told in the room only when it pages
    /// someone. The next update starts the nudges again. It mentioned the IC every half hour,
    /// day and night, for as long as the incident stayed open: 48 a day.
    @Test func nudgesInARowAreBoundedAsPagesAre() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 24 * 60)
        #expect(Array(drill.nudges.prefix(8)) == [30, 60, 90, 120, 150, 180, 210, 240], "\(drill.nudges)")
        let nudges = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("⏰") }
        #expect(nudges[7].contains("This is the last nudge for INC-1 until an update: 8 in a row."), "\(nudges[7])")
        #expect(!nudges[6].contains("last nudge"))
        // After it, only the misses that paged (the engineering manager's last repeat at 180
        // came before the limit here): nothing more, all night.
        #expect(drill.nudges.count == 8, "\(drill.nudges)")
        #expect(drill.timeline.filter { $0.kind == .updateMissed }.count == 48)
        try drill.type("/update still digging", by: Fixtures.reporter)
        try drill.run(to: 24 * 60 + 31)
        #expect(drill.nudges.last == 24 * 60 + 30, "\(drill.nudges)")
    }

    /// The scheduler down across the bound (the seventh nudge at 210, back at 271 with the
    /// misses of 240 and 270 owed): its one catch-up nudge is the last, and says so. Dropped
    /// as past the bound, the room never heard that the nudges had stopped.
    @Test func aCatchUpAcrossTheBoundIsTheLastNudge() throws {
        var drill = try Drill("/incident declare DB down --sev P1")
        try drill.run(to: 230)
        #expect(drill.nudges.count == 7, "\(drill.nudges)")
        drill.jump(to: 271)
        #expect(drill.nudges.last == 271, "\(drill.nudges)")
        let last = try #require(drill.posts(to: .incidentRoom).last { $0.hasPrefix("⏰") })
        #expect(last.contains("This is the last nudge for INC-1 until an update: 9 in a row."), "\(last)")
        try drill.run(to: 24 * 60)
        #expect(drill.nudges.count == 8, "\(drill.nudges)")
    }

    /// The policy's own bound, and a miss past it that pages someone is still told.
    @Test func aNudgePastTheBoundIsPostedWhenItsMissPages() throws {
        let policy = try Policy.load(yaml: Fixtures.text("policy.yaml").replacing("nudges_in_a_row: 8", with: "nudges_in_a_row: 1"),
                                     file: "policy.yaml")
        #expect(policy.mostNudgesInARow == 1)
        var drill = try Drill("/incident declare DB down --sev P1", policy: policy)
        try drill.run(to: 200)
        // 30: the first, and last; from 60 on each miss pages the next level or repeats the top.
        let nudges = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("⏰") }
        #expect(drill.nudges.first == 30 && nudges.first?.contains("This is the last nudge for INC-1 until an update: 1 in a row.") == true)
        #expect(nudges.dropFirst().allSatisfy { $0.contains("escalating to the next level") || $0.contains("paged again") }, "\(nudges)")
        #expect(drill.nudges.count > 1, "\(drill.nudges)")
    }

    /// Alice acknowledged and works the incident, and nobody took IC: the nudge asks her as
    /// well as the declarer. It asked the declarer alone, and the misses went on to page carol.
    @Test func beforeAnICTheNudgeAsksWhoAcknowledgedToo() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P1", by: "erin")
        try drill.run(to: 31, script: [5: [("alice", "/ack")]])
        let nudge = try #require(drill.posts(to: .incidentRoom).last { $0.hasPrefix("⏰") })
        #expect(nudge.hasPrefix("⏰ @erin @alice a status update for INC-1 is overdue"), "\(nudge)")
        try drill.type("/ic @alice", by: "alice")
        try drill.run(to: 61)
        #expect(drill.posts(to: .incidentRoom).last { $0.hasPrefix("⏰") }?.hasPrefix("⏰ @alice a status update") == true)
    }

    @Test func resolvedIncidentsAreNeverNudged() throws {
        var drill = try Drill("/incident declare Checkout down --sev P0")
        try drill.run(to: 10, script: [10: [(Fixtures.responder, "/incident resolve fixed")]])
        try drill.run(to: 48 * 60 - 1)
        #expect(drill.nudges.isEmpty)
        #expect(drill.incident.nextUpdateDue == nil)
        #expect(drill.pages.allSatisfy { Int($0.split(separator: " ")[0])! == 0 })
    }
}

extension Timestamp {
    func minutes(to later: Timestamp) -> Int { Int((later - self).wholeSeconds / 60) }
}

/// The top of a lowered severity's plan, paged for the first time, is told so.
@Suite struct FirstPageAtALoweredTopTests {
    /// Carol declared a P0, so the climb passed over her level (engineering manager) as the
    /// acting IC's; lowered to P1, whose top her level is, the climb's next step pages her.
    /// It is counted as a repeat of the top, but she was told "this is a repeat page" of
    /// pages she never had (audit s71b).
    @Test func aTopNeverPagedThereIsNotToldItIsARepeat() throws {
        var drill = try Drill("/incident declare Search down --sev P0", by: "carol")
        try drill.run(to: 120, script: [50: [("carol", "/sev P1 only one region")]])
        let carols = drill.incident.pages.filter { $0.person == "carol" }
        #expect(!carols.isEmpty, "\(drill.pages)")
        #expect(carols.first?.reason == .climb, "\(carols)")
        #expect(carols.dropFirst().allSatisfy { $0.reason != .climb } && carols.contains { $0.reason == .repeatAtTop }, "\(carols)")
        #expect(!drill.timeline.contains { $0.text.hasPrefix("Paged @carol") && $0.text.contains("again") && $0.at == carols.first?.at },
                "\(drill.timeline.filter { $0.text.hasPrefix("Paged @carol") })")
    }
}
