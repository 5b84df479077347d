import IncidentCore
import IncidentRules
import Testing

/// A severity lowered after the ladder climbed above the lower severity's top: the top of the
/// new plan is paged again as often as that severity repeats it, and no more. Going down to it
/// reset the count of repeats (the level changed), so the engineering manager got one page
/// more than P1 allows, the first of them announced as "escalating to the next level". On the
/// shipped policy and the example roster: carol is engineering L3, dave L4.
@Suite struct LoweredBelowTheLevelReachedTests {
    /// A P0 nobody answers climbs to the VP by 45 through missed updates; at 46 an update
    /// comes and the severity is lowered.
    func drill(lowerTo severity: Severity, updatesEvery interval: Int, ic: Bool = false) throws -> Drill {
        var drill = try Drill("/incident declare Checkout down --sev P0", by: Fixtures.responder)
        var script: [Int: [(PersonID, String)]] = [46: [(Fixtures.responder, "/update looking")]
            + (ic ? [(Fixtures.responder, "/ic @alice")] : []) + [(Fixtures.responder, "/sev \(severity) calmer")]]
        if interval > 0 {
            for minute in stride(from: 46 + interval, to: 3 * 24 * 60, by: interval) {
                script[minute] = [(Fixtures.responder, "/update still on it")]
            }
        }
        try drill.run(to: 3 * 24 * 60, script: script)
        #expect(drill.pages.contains("45 engineering.L4 dave"), "\(drill.pages)")
        return drill
    }

    static func pages(after minute: Int, of level: String, in drill: Drill) -> [String] {
        drill.pages.filter { $0.hasSuffix(level) && Int($0.split(separator: " ")[0])! > minute }
    }

    @Test func loweredToP1TheManagerIsPagedAgainFourTimes() throws {
        let drill = try drill(lowerTo: .p1, updatesEvery: 25)
        #expect(Self.pages(after: 46, of: "engineering.L3 carol", in: drill).count == 4, "\(drill.pages)")
        #expect(Self.pages(after: 46, of: "engineering.L4 dave", in: drill).isEmpty, "\(drill.pages)")
    }

    /// The VP repeated four times under P0 (which allows eight) when the severity is lowered to
    /// P1 (four): the engineering manager gets P1's four. The VP's repeats were counted for
    /// P1's top, which had none left, so the ladder went quiet and the manager got none.
    @Test func repeatsTheHigherTopHadDoNotCountForTheLowerOne() throws {
        var drill = try Drill("/incident declare Checkout down --sev P0", by: Fixtures.responder)
        var script: [Int: [(PersonID, String)]] = [:]
        for minute in stride(from: 40, to: 3 * 24 * 60, by: 10) { script[minute] = [(Fixtures.responder, "/update still on it")] }
        script[95] = [(Fixtures.responder, "/sev P1 calmer")]
        try drill.run(to: 3 * 24 * 60, script: script)
        // The missed updates at 15 and 30 take the climb past carol (the declarer) to the VP.
        #expect(Self.pages(after: 0, of: "engineering.L4 dave", in: drill) == ["30 engineering.L4 dave", "45 engineering.L4 dave",
                                                                               "60 engineering.L4 dave", "75 engineering.L4 dave",
                                                                               "90 engineering.L4 dave"], "\(drill.pages)")
        #expect(Self.pages(after: 95, of: "engineering.L3 carol", in: drill).count == 4, "\(drill.pages)")
    }

    /// A P0 nobody answers: the VP is paged through all eight repeats and the ladder goes
    /// idle at 225. Lowered to P1 at 240, it stays idle: the engineering manager was paged
    /// four times more, once a missed update, and raising it back gave the VP eight more. The
    /// raise pages the VP once, as P0 does at once.
    @Test func anIdleLadderLoweredStaysIdle() throws {
        var drill = try Drill("/incident declare Checkout down --sev P0", by: Fixtures.responder)
        try drill.run(to: 6 * 60, script: [240: [(Fixtures.responder, "/sev P1 calmer")], 300: [(Fixtures.responder, "/sev P0 worse again")]])
        #expect(Self.pages(after: 0, of: "engineering.L4 dave", in: drill).count == 10, "\(drill.pages)")
        #expect(drill.pages.filter { Int($0.split(separator: " ")[0])! > 225 && $0.contains("engineering") } == ["300 engineering.L4 dave"],
                "\(drill.pages)")
        #expect(drill.incident.ladders["engineering"]?.nextStepAt == nil)
    }

    @Test func loweredToP2TheTeamLeadIsPagedAgainTwice() throws {
        let drill = try drill(lowerTo: .p2, updatesEvery: 110)
        #expect(Self.pages(after: 46, of: "engineering.L2 bob", in: drill).count == 2, "\(drill.pages)")
        #expect(Self.pages(after: 46, of: "engineering.L3 carol", in: drill).isEmpty, "\(drill.pages)")
    }

    /// The IC named, then updates missed: each miss pages the top again, bounded the same, and
    /// the nudge says the top is paged again, not that the incident escalates.
    @Test func missedUpdatesOfAnAcknowledgedLadderRepeatTheTopAsOften() throws {
        let drill = try drill(lowerTo: .p1, updatesEvery: 0, ic: true)
        #expect(Self.pages(after: 46, of: "engineering.L3 carol", in: drill).count == 4, "\(drill.pages)")
        let nudges = drill.effects.compactMap { minute, effect -> String? in
            guard minute > 46, case .post(let message, .incidentRoom) = effect.action else { return nil }
            return message.plainText()
        }.filter { $0.contains("missed in a row") }
        #expect(!nudges.isEmpty && nudges.allSatisfy { !$0.contains("escalating to the next level") }, "\(nudges)")
    }
}
