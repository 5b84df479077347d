@testable import IncidentApp
import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// Slack turned off while a Slack incident is open: its pages move to the methods there are,
/// but its room, posts and nudges wait for Slack with nothing said. The start says so.
@Suite struct UnservedHomesTests {
    @Test func anOpenIncidentOnAPlatformNoLongerServedIsNamed() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        let open = try await bot.store.read { try $0.openIncidents() }
        #expect(open.map(\.home) == [.slack])
        #expect(UnservedHomes.warnings(open: open, served: [.slack, .matrix]).isEmpty)
        let warnings = UnservedHomes.warnings(open: open, served: [.matrix])
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("open incidents INC-1 live on Slack, which this config does not serve") == true, "\(warnings)")
    }
}
