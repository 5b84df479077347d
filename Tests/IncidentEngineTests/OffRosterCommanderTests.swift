import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// An account off the roster acts on an incident only in its room, so it is named IC or given
/// a role only on a platform the incident has a room on. A Matrix account named IC of a Slack
/// incident with no mirror saw every command it typed refused ("type it in #incident-…", a
/// Slack channel) while its silence paged up the ladder.
@Suite struct OffRosterCommanderTests {
    static let lobby = "!lobby:localhost"

    @Test func anAccountOnAPlatformWithoutTheIncidentsRoomIsNotNamed() async throws {
        let bot = try TestBot()
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        for typed in ["/ic @mallory:example.org", "/role scribe @mallory:example.org"] {
            let refused = try await bot.say("U0CAROL03", typed, in: ScenarioTests.room)
            #expect(refused.disposition == .refused, "\(typed)")
            #expect(refused.reply?.plainText() == "@mallory:example.org is a Matrix account off the roster, and this incident's room is on Slack alone: "
                + "they could not read the room or type its commands; name someone on the roster or in that room.", "\(typed)")
        }
        let incident = try #require(try await bot.store.read { try $0.incident(1)?.incident })
        #expect(incident.commander == nil)
        // A Slack account of the workspace, and a roster person who chats on Matrix alone
        // (told by direct message, and acting from anywhere), are named.
        #expect(try await bot.say("U0CAROL03", "/role scribe <@U0MEMBER1>", in: ScenarioTests.room).disposition == .handled)
        #expect(try await bot.say("U0CAROL03", "/ic @frank", in: ScenarioTests.room).disposition == .handled)
    }

    /// The other way round: a Slack account, for an incident whose one room is on Matrix.
    @Test func aSlackAccountIsNotNamedForAMatrixIncident() async throws {
        let bot = try TestBot()
        let declared = try await bot.say("@erin:example.org", "/incident declare Payment API errors --sev P1 --ic <@U0MEMBER1>",
                                         in: Self.lobby, platform: .matrix)
        #expect(declared.disposition == .refused)
        #expect(declared.reply?.plainText().hasPrefix("Nothing was declared: @U0MEMBER1 is a Slack account off the roster, and this incident's room is on Matrix alone") == true,
                "\(declared.reply?.plainText() ?? "")")
    }

    /// With `mirror`, the incident has a room on every platform: the Matrix account is named.
    @Test func withAMirrorRoomTheAccountIsNamed() async throws {
        let bot = try TestBot(mirror: true)
        try await bot.say("U0ERIN005", "/incident declare Payment API errors --sev P1")
        try await bot.settle()
        let named = try await bot.say("U0CAROL03", "/ic @mallory:example.org", in: ScenarioTests.room)
        #expect(named.disposition == .handled, "\(named.reply?.plainText() ?? "")")
    }
}
