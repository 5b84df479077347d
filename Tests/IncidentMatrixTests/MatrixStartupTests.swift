@testable import IncidentApp
import IncidentCore
import IncidentPolicy
import Logging
import MatrixSynapse
import Testing

/// A homeserver down as the bot starts does not stop it: Slack and the pagers go on, and the
/// bot's own Matrix server is learned once the homeserver answers.
@Suite struct MatrixStartupTests {
    @Test func aHomeserverDownAtStartStopsNothingAndItsServerIsLearnedLater() async throws {
        let synapse = try await SharedSynapse.get()
        let bot = try await synapse.register("incident-bot.startup\(UInt16.random(in: 0...UInt16.max))")
        var logger = Logger(label: "matrix-startup-test")
        logger.logLevel = .critical
        var settings = BotConfig.MatrixSettings()
        settings.homeserver = synapse.url
        // Nothing listens on port 9 here: the homeserver is down.
        let down = try MatrixSetup.load(settings, environment: ["MATRIX_ACCESS_TOKEN": bot.token, "MATRIX_HOMESERVER": "http://127.0.0.1:9"],
                                        tokenFile: nil)
        let (community, learning) = await down.community(client: down.client(), logger: logger)
        let own = try #require(community.ownMatrixServer)
        #expect(learning != nil)
        #expect(!community.serves(.matrix, account: "@alice:localhost"))
        #expect(community.matrixDescription.contains("not known yet"))

        // The homeserver answers: its accounts are served from then on.
        let up = try MatrixSetup.load(settings, environment: ["MATRIX_ACCESS_TOKEN": bot.token], tokenFile: nil)
        try await MatrixSetup.OwnServerLookup(client: up.client(), server: own, logger: logger).run()
        #expect(community.serves(.matrix, account: "@alice:localhost"))
        #expect(!community.serves(.matrix, account: "@mallory:evil.example"))
        #expect(community.matrixDescription == "localhost")
    }
}
