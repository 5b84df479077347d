import IncidentCore
import IncidentEngine
import IncidentSlack
import IncidentTesting
import IncidentWire
import Logging
import ServiceLifecycle
import SlackFake
import Testing

/// Stopping (SIGTERM, a deploy) with envelopes in hand.
extension SlackSocketModeTests {
    /// The envelopes in hand finish, and are acknowledged, before the connection closes: a
    /// slash command's answer travels in its acknowledgement, and one committed whose
    /// acknowledgement the stop cut off showed its person an error, and was typed again.
    @Test func envelopesInHandAreAcknowledgedBeforeTheConnectionCloses() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        var logger = Logger(label: "socket-stop-test")
        logger.logLevel = .critical
        let group = ServiceGroup(services: [Self.socketMode(bot, readsBack: true, stopGrace: .seconds(10))], logger: logger)
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await waitFor { bot.fake.socketConnections == 1 }
        let room = try await Self.declareOverSocket(bot)
        let said = bot.fake.say(SlackHarness.users["bob"]!, "Error rate back to 0.1%", in: room)
        // A 📌 whose message is read back from Slack: in hand while that answer is held.
        bot.fake.inject(.holdAnswer(method: "conversations.history"))
        bot.fake.sendEnvelope(type: "events_api", payload: [
            "type": "event_callback", "event_id": "EvSTOP1", "team_id": "T0TEAM001",
            "authorizations": [["user_id": .string(FakeSlack.botUserID)]],
            "event": ["type": "reaction_added", "user": "U0ALICE01", "reaction": "pushpin", "item_user": "U0BOB0002",
                      "item": ["type": "message", "channel": .string(room), "ts": .string(said.ts)], "event_ts": "1.2"],
        ])
        try await waitFor { bot.fake.heldAnswers == 1 }
        await group.triggerGracefulShutdown()
        try await Task.sleep(for: .milliseconds(100))
        bot.fake.releaseHeldAnswers()
        _ = await running.result
        // The fake reads what was sent before the close in its own task: counted once it ends.
        try await waitFor { bot.fake.socketConnections == 0 }
        #expect(bot.fake.acknowledged.count == 2, "\(bot.fake.acknowledged.map(\.id))")
        #expect(bot.fake.unacknowledged == 0)
    }
}
