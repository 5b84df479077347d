import IncidentCore
import Testing

/// Missed updates reach the level the incident commander fills, with nobody above it: the IC
/// is paged about their own silence (better them than nobody), and the room is told that
/// nobody new was woken. It read "escalating to the next level", and everyone waited for help
/// that was not coming.
@Suite struct CommanderAtTheTopTests {
    @Test func theRoomHearsThatOnlyTheQuietCommanderWasPaged() throws {
        // carol is the engineering manager, the top of a P1's engineering ladder.
        var drill = try Drill("/incident declare Checkout down --sev P1 --ic @carol", by: "alice")
        try drill.run(to: 91)
        let commanderPaged = drill.pages.filter { $0.hasSuffix(" carol") }
        #expect(!commanderPaged.isEmpty, "\(drill.pages)")
        let nudges = drill.posts(to: .incidentRoom).filter { $0.hasPrefix("⏰") }
        let saying = nudges.filter { $0.contains("nobody is above the incident commander on the ladder, so they were paged and nobody new was") }
        #expect(saying.count == commanderPaged.count, "\(nudges)\n\(drill.pages)")
        for nudge in saying { #expect(!nudge.contains("escalating"), "\(nudge)") }
    }
}
