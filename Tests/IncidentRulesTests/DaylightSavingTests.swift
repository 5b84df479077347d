import IncidentCore
import IncidentPolicy
@testable import IncidentRules
import Testing

/// Paging across the spring change of a policy on London's clock (Sunday 2027-03-28, 01:00 UTC:
/// the clocks go from 01:00 GMT to 02:00 BST), where an hour is skipped: working hours open at
/// 09:00 on the wall clock, which is 08:00 UTC from that day, and a page that was due while the
/// bot was down goes once.
@Suite struct DaylightSavingTests {
    func londonPolicy() throws -> Policy {
        var policy = try Fixtures.policy()
        policy.timeZone = try #require(LocalZone(identifier: "Europe/London"))
        return policy
    }

    /// Friday 2027-03-26 18:00 GMT: after working hours.
    static let fridayEvening = Timestamp(iso8601: "2027-03-26T18:00:00Z")!

    /// Minutes from the drill's start to `iso` (UTC).
    func minute(_ drill: Drill, _ iso: String) -> Int {
        drill.origin.minutes(to: Timestamp(iso8601: iso)!)
    }

    /// A P2 declared on Friday evening holds its page over the weekend; it goes on Monday at
    /// 09:00 on London's clock, which is 08:00 UTC after the change, not at 09:00 UTC.
    @Test func aPageHeldOverTheSpringChangeGoesAtNineOnTheWallClock() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P2", policy: londonPolicy(), at: Self.fridayEvening)
        #expect(drill.pages.filter { $0.contains("engineering") }.isEmpty, "\(drill.pages)")
        try drill.run(to: minute(drill, "2027-03-29T09:00:00Z"))
        let monday = minute(drill, "2027-03-29T08:00:00Z")
        let engineering = drill.pages.filter { $0.contains(" engineering.") }
        #expect(engineering.first == "\(monday) engineering.L1 alice", "\(engineering)")
    }

    /// Raised to P1 (paged around the clock) on Sunday just after the skipped hour, while its
    /// page waits for Monday: the page goes at once.
    @Test func aSeverityRaisedDuringAHeldPageAcrossTheChangePagesAtOnce() throws {
        var drill = try Drill("/incident declare Checkout slow --sev P2", policy: londonPolicy(), at: Self.fridayEvening)
        let sunday = minute(drill, "2027-03-28T01:30:00Z")  // 02:30 BST
        try drill.run(to: sunday, script: [sunday: [(Fixtures.responder, "/sev P1 cards failing too")]])
        let engineering = drill.pages.filter { $0.contains(" engineering.") }
        #expect(engineering.first == "\(sunday) engineering.L1 alice", "\(engineering)")
    }

    /// A P1 declared before the change, with the bot down from 00:30 to 03:00 UTC (across it):
    /// the catch-up pages each level at most once, and no level it would not have reached by
    /// then running all night.
    @Test func aCatchUpAcrossTheChangePagesEachLevelOnce() throws {
        let declared = Timestamp(iso8601: "2027-03-28T00:20:00Z")!
        var continuous = try Drill("/incident declare Checkout down --sev P1", policy: londonPolicy(), at: declared)
        var restarted = try Drill("/incident declare Checkout down --sev P1", policy: londonPolicy(), at: declared)
        let down = minute(restarted, "2027-03-28T00:30:00Z")
        let back = minute(restarted, "2027-03-28T03:00:00Z")
        try continuous.run(to: back)
        try restarted.run(to: down)
        let before = restarted.pages.count
        restarted.jump(to: back)
        let caughtUp = restarted.pages[before...].map { $0.split(separator: " ").dropFirst().joined(separator: " ") }
        #expect(!caughtUp.isEmpty, "the ladder climbed while the bot was down")
        #expect(Set(caughtUp).count == caughtUp.count, "a level paged twice in one catch-up: \(caughtUp)")
        let reached = Set(continuous.pages.map { $0.split(separator: " ").dropFirst().joined(separator: " ") })
        #expect(Set(caughtUp).isSubset(of: reached), "\(caughtUp) against \(reached)")
        #expect(restarted.incident.ladders["engineering"]?.level == continuous.incident.ladders["engineering"]?.level)
    }
}
