import IncidentCore
import IncidentRules
import Testing

/// `/ic @next handover: <note>`: a P1 declared at 10:00 by carol with alice as IC; bob
/// acknowledged nothing; at minute 40 alice hands over to bob.
@Suite struct HandoverTests {
    @Test func theNewIcIsBriefedByDirectMessage() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 40, script: [20: [("alice", "/update Rolled back the deploy status: recovering")],
                                       25: [("alice", "/action @dave Review the deploy gate due: 2026-11-27")]])
        try drill.type("/ic @bob handover: rollback running, DB team paged, going off shift", by: "alice")
        #expect(drill.incident.commander == "bob")
        #expect(drill.timeline.last?.text == "Handover from @alice to @bob: rollback running, DB team paged, going off shift")
        #expect(drill.posts(to: .incidentRoom).last == "🔁 Handover to @bob: rollback running, DB team paged, going off shift")
        let briefing = drill.effects.compactMap { _, effect -> String? in
            if case .directMessage(let message, let to) = effect.action, to == "bob" { message.plainText() } else { nil }
        }
        #expect(briefing == ["""
            🔁 You are now the incident commander of INC-1 (P1): Payment API errors
            Room #incident-20261124-payment-api-errors · handed over by @alice
            Note: rollback running, DB team paged, going off shift
            Last update 10:20 UTC · status: recovering
            Next update due 10:50 UTC
            Paged: @alice (engineering.L1, 10:00 UTC), @erin (business.L1, 10:00 UTC)
            Action A1: @dave Review the deploy gate · due 2026-11-27
            """])
    }

    /// Each person once, from their first page: a P0's VP engineering, paged at once and again
    /// when missed updates climbed the ladder to them, is not shown as first paged at the last.
    @Test func theBriefingSaysWhenEachPersonWasFirstPaged() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P0 --ic @alice", by: Fixtures.responder)
        try drill.run(to: 90, script: [:])
        let davesPages = drill.incident.pages.filter { $0.person == "dave" && $0.withdrawn != true }.map(\.at)
        try #require(davesPages.count > 1, "dave is paged at once and again: \(davesPages)")
        try drill.type("/ic @bob handover: going off shift", by: "alice")
        let briefing = drill.effects.compactMap { _, effect -> String? in
            if case .directMessage(let message, let to) = effect.action, to == "bob" { message.plainText() } else { nil }
        }.last ?? ""
        let zone = drill.incident.policy.timeZone
        let expected = "@dave (engineering.L4, \(zone.clockTime(davesPages[0], seenAt: drill.origin + .minutes(drill.minute))), again at "
            + "\(zone.clockTime(davesPages[davesPages.count - 1], seenAt: drill.origin + .minutes(drill.minute))))"
        #expect(briefing.contains(expected), "\(briefing)")
    }

    @Test func onlyWhoMayNameTheIcMayHandOver() throws {
        var drill = try Drill("/incident declare Payment API errors --sev P1 --ic @alice", by: Fixtures.responder)
        #expect(throws: IncidentError.self) { try drill.type("/ic @bob handover: mine now", by: "bob") }
        #expect(throws: IncidentError.self) { try drill.type("/ic @alice handover: still me", by: "alice") }
        #expect(drill.incident.commander == "alice")
    }
}
