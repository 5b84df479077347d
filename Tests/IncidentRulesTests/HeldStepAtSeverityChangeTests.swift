import IncidentCore
import Testing

/// A step of the ladder held for working hours (the team lead's page, their repeat at the
/// top) is timed again by the new severity's plan when the severity changes, as a step not
/// held is (behaviour.md section 5). Sent as held, a raise in the morning paged the P2's team
/// lead a repeat the P1 plan does not call for, and the engineering manager 30 minutes late;
/// a lowering to P3 paged the team lead at the opening, hours before the P3 plan's 24 hours.
@Suite struct HeldStepAtSeverityChangeTests {
    /// Declared P2 on Tuesday at 10:00: the on-call at 10:00, the team lead at 14:00, a missed
    /// update's page to him at 16:00, and his repeat at 20:00 held until Wednesday 09:00.
    /// Raised to P1 at 07:00: he has waited since 14:00 yesterday, past the P1 plan's 30
    /// minutes, so the engineering manager is paged at once, and he gets no repeat.
    @Test func aRaiseInTheMorningBringsTheEngineeringManagerAtOnce() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P2")
        try drill.run(to: 21 * 60)
        #expect(drill.pages.contains("240 engineering.L2 bob"), "\(drill.pages)")
        #expect(!drill.pages.contains { $0.hasPrefix("600 ") }, "held overnight: \(drill.pages)")
        try drill.type("/sev P1 worse overnight", by: Fixtures.responder)
        try drill.run(to: 21 * 60 + 31)
        let morning = drill.pages.filter { Int($0.split(separator: " ")[0])! >= 21 * 60 }
        #expect(morning.contains("1260 engineering.L3 carol"), "\(morning)")
        #expect(!morning.contains { $0.hasSuffix("engineering.L2 bob") }, "\(morning)")
    }

    /// Declared P2 on Tuesday at 16:00: the on-call at 16:00, the team lead's page due at 20:00
    /// held until 09:00. Lowered to P3 at 21:00: the P3 plan gives the on-call 24 hours, so the
    /// team lead is paged on Wednesday at 16:00, not at the opening.
    @Test func aLoweringAtNightTimesTheHeldPageByTheLowerPlan() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P2", at: Timestamp(iso8601: "2026-11-24T16:00:00Z")!)
        try drill.run(to: 5 * 60)
        try drill.type("/sev P3 not that bad", by: Fixtures.responder)
        try drill.run(to: 24 * 60 + 1)
        #expect(drill.pages == ["0 engineering.L1 alice", "1440 engineering.L2 bob"], "\(drill.pages)")
    }
}
