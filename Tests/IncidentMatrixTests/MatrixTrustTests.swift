import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentTesting
import MatrixSynapse
import Testing

/// Who the bot takes commands from on a real Synapse (docs/behaviour.md, "Who may do what").
@Suite(.serialized) struct MatrixTrustTests {
    /// The bot serves only the roster's people here; the reporter's commands change nothing,
    /// and they are told why.
    @Test func commandsFromAccountsNotAllowedAreRefusedWithOneLine() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get(),
                                                allowCommandsFrom: MatrixHarness.people)
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let lobby = try await bot.lobby()
        try await reporter.say("!incident declare Payment API errors --sev P1", in: lobby)
        let refusal = try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "takes commands only from")
        #expect(refusal["content"]?["body"]?.string?.contains(bot.mxid("reporter")) == true)
        #expect(try await bot.current.store.read { try $0.incident(1) } == nil)

        // A served account is heard.
        let alice = try bot.user("alice")
        let aliceLobby = try await bot.lobby(of: "alice")
        try await alice.say("!incident declare Payment API errors --sev P1", in: aliceLobby)
        try await alice.waitForNotice(in: aliceLobby, from: bot.bot.user, containing: "INC-1")
    }
}
