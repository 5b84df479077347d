import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// The business ladder's people "follow the broadcast updates": one with no chat account here
/// (an operations manager on mail alone) hears of the incident once, by the page, and never of
/// its mitigation or its resolution. Said before an outage, as `serve` starts and by
/// `check-config`, where nothing said it.
@Suite struct UnfollowedUpdatesTests {
    @Test func aBusinessPersonWithNoChatAccountIsSaidToFollowNoUpdates() throws {
        var roster = try TestConfig.roster()
        roster.people["erin"]?.addresses = [.email: "erin@example.org"]
        roster.people["erin"]?.contactOrder = [.email]
        let policy = try TestConfig.policy()
        let directory = Directory(roster: roster, platforms: [.slack, .matrix], pagers: [.email])
        let warnings = UnfollowedUpdates.warnings(directory, policy: policy)
        #expect(warnings.count == 1, "\(warnings)")
        #expect(warnings.first?.hasPrefix("business.L1: @erin has no chat account here, so after their page they cannot follow the broadcast channel") == true,
                "\(warnings)")
        // With a chat account, or on the engineering ladder (whose pages ask for an answer and
        // are warned of otherwise), nothing is said here.
        #expect(UnfollowedUpdates.warnings(Directory(roster: try TestConfig.roster(), platforms: [.slack, .matrix], pagers: [.email]),
                                           policy: policy).isEmpty)
    }
}
