import Foundation
import IncidentCore
import IncidentEngine
import IncidentSlack
import IncidentTesting
import IncidentWire
import Logging
import ServiceLifecycle
import SlackFake
import Testing

/// Socket Mode against the fake's WebSocket: acks by envelope id, a `disconnect` and a dropped
/// socket mid-stream, nothing lost and nothing handled twice.
@Suite struct SlackSocketModeTests {
    static func slash(_ n: Int, _ text: String, user: String = "U0ALICE01") -> JSONValue {
        ["command": "/incident", "text": .string(text), "user_id": .string(user), "channel_id": .string(SlackHarness.lobby),
         "trigger_id": .string("\(n).socket"), "team_id": "T0TEAM001", "response_url": "https://hooks.slack.com/x"]
    }

    static func noteMention(_ n: Int, channel: String) -> JSONValue {
        ["type": "event_callback", "event_id": .string("EvSOCK\(n)"), "team_id": "T0TEAM001",
         "authorizations": [["user_id": .string(FakeSlack.botUserID)]],
         "event": ["type": "app_mention", "user": "U0ALICE01", "channel": .string(channel),
                   "text": .string("<@\(FakeSlack.botUserID)> note INC-1 finding \(n)")]]
    }

    /// Declares INC-1 (P1) by a slash command envelope and returns its channel's id.
    static func declareOverSocket(_ bot: SlackHarness) async throws -> String {
        bot.fake.sendEnvelope(type: "slash_commands", payload: slash(1, "declare Payment API errors --sev P1"))
        try await waitFor { bot.fake.acknowledged.count == 1 }
        try await bot.settle()
        return try #require(bot.fake.channel(named: "incident-20261124-payment-api-errors")).id
    }

    /// Socket Mode for `bot`, not yet running.
    /// `stopGrace`: real time, so a test that stops with envelopes in hand gives them longer
    /// than a process does. A pinned message's read back is given 30 s instead of a second:
    /// tests hold its answer in real time, and a debug build beside the whole suite can stall
    /// for a second, which failed the read (not acknowledged, as Slack's resend wants).
    static func socketMode(_ bot: SlackHarness, readsBack: Bool = false, health: LoopHealth = LoopHealth("connection"),
                           stopGrace: Duration = .milliseconds(800), logs: LogRecorder? = nil) -> SlackSocketMode<ManualClock> {
        var logger = logs?.logger ?? Logger(label: "socket-test")
        if logs == nil { logger.logLevel = .critical }
        let api = readsBack ? SlackWebAPI(baseURL: bot.fake.apiURL, token: Secret(FakeSlack.botToken)) : nil
        return SlackSocketMode(gateway: SlackGateway(engine: bot.engine, api: api,
                                                     workspaces: SlackWorkspaces(allowed: ["T0TEAM001"], api: nil, logger: logger, now: { bot.clock.now }),
                                                     readBackLimit: .seconds(30), logger: logger),
                               appAPI: SlackWebAPI(baseURL: bot.fake.apiURL, token: Secret(FakeSlack.appToken)),
                               logger: logger, backoff: Backoff(first: .seconds(1), ceiling: .seconds(4)), health: health,
                               stopGrace: stopGrace)
    }

    /// Runs Socket Mode for `bot` until `body` returns; `readsBack`: the gateway may call the
    /// fake's Web API (to read a pinned message back); `connected`: wait for the first
    /// connection before `body`.
    func withSocketMode(_ bot: SlackHarness, readsBack: Bool = false, health: LoopHealth = LoopHealth("connection"),
                        connected: Bool = true, logs: LogRecorder? = nil, _ body: () async throws -> Void) async throws {
        var logger = Logger(label: "socket-test")
        logger.logLevel = .critical
        let socket = Self.socketMode(bot, readsBack: readsBack, health: health, logs: logs)
        let group = ServiceGroup(services: [socket], logger: logger)
        let task = Task { try await group.run() }
        defer { task.cancel() }
        if connected { try await waitFor { bot.fake.socketConnections == 1 } }
        try await body()
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    @Test func envelopesAreHandledThenAcknowledgedWithTheSlashCommandsAnswer() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot) {
            let id = bot.fake.sendEnvelope(type: "slash_commands", payload: Self.slash(1, "declare Payment API errors --sev P1"),
                                           acceptsResponsePayload: true)
            try await waitFor { bot.fake.acknowledged.count == 1 }
            let ack = try #require(bot.fake.acknowledged.first)
            #expect(ack.id == id)
            #expect(ack.payload?["text"]?.string?.contains("INC-1") == true, "\(String(describing: ack.payload))")
            #expect(ack.payload?["response_type"]?.string == "ephemeral")
        }
        let counts = try await bot.storeCounts()
        #expect(counts["incident"] == 1)
    }

    @Test func aDisconnectAndADroppedSocketMidStreamLoseNothingAndRunNothingTwice() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot) {
            let room = try await Self.declareOverSocket(bot)
            // A burst, then Slack asks for a new connection in the middle of it.
            for n in 1...5 { bot.fake.sendEnvelope(type: "events_api", payload: Self.noteMention(n, channel: room)) }
            bot.fake.requestDisconnect()
            for n in 6...10 { bot.fake.sendEnvelope(type: "events_api", payload: Self.noteMention(n, channel: room)) }
            // The new connection is open beside the one being left (read on until Slack closes
            // it, or for 30 s): the drop below is the new one's, as "newest" says.
            try await waitFor { bot.fake.socketConnections == 2 && bot.fake.unacknowledged == 0 }
            // Another burst, and the socket drops without warning in the middle of it.
            for n in 11...15 { bot.fake.sendEnvelope(type: "events_api", payload: Self.noteMention(n, channel: room)) }
            bot.fake.dropSocket()
            for n in 16...20 { bot.fake.sendEnvelope(type: "events_api", payload: Self.noteMention(n, channel: room)) }
            // The reconnection waits out its backoff on the bot's clock, which the test moves.
            try await waitFor {
                bot.clock.advance(by: .seconds(1))
                return bot.fake.connectionsOpened >= 3 && bot.fake.unacknowledged == 0
            }
        }
        let notes = try await bot.runtime.store.read { try $0.timeline(incident: 1) }
            .map { "\($0)" }.filter { $0.contains("finding ") }
        for n in 1...20 {
            #expect(notes.filter { $0.contains("finding \(n)\"") || $0.hasSuffix("finding \(n)") || $0.contains("finding \(n))") }.count == 1,
                    "finding \(n): \(notes.filter { $0.contains("finding \(n)") })")
        }
        #expect(notes.count == 20, "\(notes)")
    }

    /// A Socket Mode connection that cannot open (a revoked app-level token) makes the loop
    /// unhealthy after five failures in a row, which `/readyz` says: it answered `ready` while
    /// the bot was deaf to Slack. A session that has run 30 s makes it healthy again.
    @Test func failingConnectionsAreSaidAndASettledOneClearsThem() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        for _ in 1...LoopHealth.failuresBeforeUnready { bot.fake.inject(.fail(method: "apps.connections.open", error: "invalid_auth")) }
        let health = LoopHealth("connection")
        try await withSocketMode(bot, health: health, connected: false) {
            try await waitFor {
                if health.problem == nil { bot.clock.advance(by: .seconds(1)) }
                return health.problem != nil
            }
            #expect(health.problem?.hasPrefix("connection failed 5 times in a row: cannot open a connection:") == true, "\(health.problem ?? "")")
            #expect(health.problem?.contains("invalid_auth") == true)
            // The backoff's wait passes on the bot's clock; the clock then stands still while
            // the socket connects in real time, or the hello deadline (on the same clock) could
            // run out first on a loaded machine.
            try await waitFor {
                if bot.fake.connectionsOpened == 0 { bot.clock.advance(by: .seconds(1)) }
                return bot.fake.socketConnections == 1
            }
            #expect(health.problem != nil, "a connection is not settled at its hello")
            try await waitFor { bot.clock.deadlines.contains(bot.clock.now + .seconds(30)) }
            bot.clock.advance(by: .seconds(30))
            try await waitFor { health.problem == nil }
            #expect(bot.fake.connectionsOpened == 1)
        }
    }

    /// Slack's `Retry-After` on `apps.connections.open` is waited out on the bot's clock, not
    /// the backoff's first second: asking again sooner is refused again.
    @Test func aRateLimitedOpenWaitsOutRetryAfter() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.inject(.rateLimit(calls: 1, retryAfter: 20))
        let start = bot.clock.now
        try await withSocketMode(bot, connected: false) {
            try await waitFor { bot.clock.deadlines.contains(start + .seconds(20)) }
            #expect(!bot.clock.deadlines.contains(start + .seconds(1)), "\(bot.clock.deadlines)")
            #expect(bot.fake.connectionsOpened == 0)
            bot.clock.advance(by: .seconds(20))
            try await waitFor { bot.fake.socketConnections == 1 }
            #expect(bot.fake.connectionsOpened == 1)
        }
    }

    /// An open refused for the app's setup (a revoked app-level token) is tried again at the
    /// slow backoff's pace, doubling past the ceiling of an outage's waits (4 s here): the
    /// operator's to fix, it is not asked for every few seconds. An open Slack failed
    /// (`internal_error`) keeps to the outage's waits, so the bot hears Slack within seconds
    /// of its return.
    @Test func anOpenRefusedForTheSetupBacksOffSlowly() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        for _ in 1...4 { bot.fake.inject(.fail(method: "apps.connections.open", error: "invalid_auth")) }
        for _ in 1...3 { bot.fake.inject(.fail(method: "apps.connections.open", error: "internal_error")) }
        try await withSocketMode(bot, connected: false) {
            for seconds in [1, 2, 4, 8, 4, 4, 4] {
                let failed = bot.clock.now
                let wait = Duration.seconds(seconds)
                try await waitFor { bot.clock.deadlines.contains(failed + wait) }
                #expect(!bot.clock.deadlines.contains { $0 > failed && $0 < failed + wait }, "\(seconds) s: \(bot.clock.deadlines)")
                bot.clock.advance(by: wait)
            }
            try await waitFor { bot.fake.socketConnections == 1 }
            #expect(bot.fake.connectionsOpened == 1)
        }
    }

    /// A socket that closes right after `hello` (a proxy that takes the upgrade and drops it)
    /// is a failure: the waits before the next connection grow, 1 s, then 2 s, where it used to
    /// reconnect at once, 22 times a second. A session that ran 30 s first starts them again
    /// from 1 s.
    @Test func aSocketThatClosesAtOnceReconnectsAfterGrowingWaits() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot) {
            /// Drops the socket and waits for the loop to sleep until `wait` from now.
            func drop(thenWait wait: Duration) async throws {
                let dropped = bot.clock.now
                bot.fake.dropSocket()
                try await waitFor { bot.fake.socketConnections == 0 && bot.clock.deadlines.contains(dropped + wait) }
                #expect(!bot.clock.deadlines.contains { $0 > dropped && $0 < dropped + wait }, "\(bot.clock.deadlines)")
                bot.clock.advance(by: wait)
                try await waitFor { bot.fake.socketConnections == 1 }
            }
            try await drop(thenWait: .seconds(1))
            try await drop(thenWait: .seconds(2))
            try await drop(thenWait: .seconds(4))
            // Settled: 30 s after hello on the bot's clock.
            try await waitFor { bot.clock.deadlines.contains(bot.clock.now + .seconds(30)) }
            bot.clock.advance(by: .seconds(30))
            try await drop(thenWait: .seconds(1))
        }
        #expect(bot.fake.connectionsOpened == 5)
    }

    /// An envelope over 16 KiB (a long log pasted into a mention; Slack also repeats the text in
    /// the message's blocks) closed the socket (the WebSocket client's default frame size),
    /// and Slack's resending it closed every new one: the bot deaf to Slack.
    @Test func aLargeEnvelopeIsTakenLikeAnyOther() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot) {
            let room = try await Self.declareOverSocket(bot)
            var mention = Self.noteMention(1, channel: room).object ?? [:]
            var event = mention["event"]?.object ?? [:]
            event["text"] = .string("<@\(FakeSlack.botUserID)> note INC-1 " + String(repeating: "stack frame 0x7f; ", count: 1_000))
            event["blocks"] = .array([["type": "rich_text", "block_id": "b1",
                                       "elements": [["type": "rich_text_section", "elements": [["type": "text", "text": event["text"]!]]]]]])
            mention["event"] = .object(event)
            let id = bot.fake.sendEnvelope(type: "events_api", payload: .object(mention))
            try await waitFor { bot.fake.acknowledged.contains { $0.id == id } }
            #expect(bot.fake.connectionsOpened == 1)
        }
    }

    /// A slash command's answer travels in its acknowledgement: a `disconnect` right after it
    /// waits for it instead of closing with the command run and its answer lost.
    @Test func aSlashCommandsAnswerSurvivesADisconnectRightAfterIt() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot) {
            let id = bot.fake.sendEnvelope(type: "slash_commands", payload: Self.slash(1, "declare Payment API errors --sev P1"),
                                           acceptsResponsePayload: true)
            bot.fake.requestDisconnect()
            try await waitFor { bot.fake.acknowledged.contains { $0.id == id } }
            let ack = try #require(bot.fake.acknowledged.first { $0.id == id })
            #expect(ack.payload?["text"]?.string?.contains("INC-1") == true, "\(String(describing: ack.payload))")
        }
    }

    /// Slack may still send on a connection after its `disconnect`, until it closes it. The bot
    /// closed it at once, unread: a slash command sent then came back only on the next
    /// connection, after the 3 s its user waits for the answer. The connection being left is
    /// now read beside the next one, and closed by the bot if Slack has not, 30 s on.
    @Test func anEnvelopeOnAConnectionBeingLeftIsAnsweredOnIt() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot) {
            bot.fake.inject(.holdAnswer(method: "apps.connections.open"))
            bot.fake.requestDisconnect()
            // The next connection is on its way (its URL held back), and Slack sends on the old.
            try await waitFor { bot.fake.heldAnswers == 1 }
            let id = bot.fake.sendEnvelope(type: "slash_commands", payload: Self.slash(1, "declare Payment API errors --sev P1"),
                                           acceptsResponsePayload: true)
            try await waitFor { bot.fake.acknowledged.contains { $0.id == id } }
            #expect(bot.fake.heldAnswers == 1 && bot.fake.socketConnections == 1)
            let ack = try #require(bot.fake.acknowledged.first { $0.id == id })
            #expect(ack.payload?["text"]?.string?.contains("INC-1") == true, "\(String(describing: ack.payload))")
            bot.fake.releaseHeldAnswers()
            try await waitFor { bot.fake.socketConnections == 2 }
            // The new connection's `hello` read (its 30 s to settle beside the old one's 30 s to
            // close; the old one's own settling ended with its early `disconnect`): moved on
            // sooner, it would have had no `hello` in time.
            try await waitFor { bot.clock.deadlines.filter { $0 == bot.clock.now + .seconds(30) }.count >= 2 }
            bot.clock.advance(by: .seconds(30))
            try await waitFor { bot.fake.socketConnections == 1 }
        }
        let counts = try await bot.storeCounts()
        #expect(counts["incident"] == 1)
    }

    /// Slack asking to leave right after `hello`, again and again: the first time the next
    /// connection opens at once, as Slack asks; the second after the backoff's wait, so
    /// connections do not pile up while each one left is read for 30 s.
    @Test func disconnectsRightAfterHelloInARowBackOff() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot) {
            bot.fake.requestDisconnect()
            try await waitFor { bot.fake.connectionsOpened == 2 && bot.fake.socketConnections == 2 }
            let asked = bot.clock.now
            bot.fake.requestDisconnect()
            try await waitFor { bot.clock.deadlines.contains(asked + .seconds(2)) }
            #expect(bot.fake.connectionsOpened == 2)
            bot.clock.advance(by: .seconds(2))
            try await waitFor { bot.fake.connectionsOpened == 3 }
        }
    }

    /// Slack asking to leave right after `hello` the first time after dropped connections (an
    /// outage) is answered at once too: counted with the drops, it waited the slow backoff,
    /// longer than the connection being left is read, and the bot was deaf meanwhile.
    @Test func aDisconnectAfterAnOutageIsAnsweredAtOnce() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot) {
            for wait in [1, 2, 4] {
                let dropped = bot.clock.now
                bot.fake.dropSocket()
                try await waitFor { bot.fake.socketConnections == 0 && bot.clock.deadlines.contains(dropped + .seconds(wait)) }
                bot.clock.advance(by: .seconds(wait))
                try await waitFor { bot.fake.socketConnections == 1 }
            }
            #expect(bot.fake.connectionsOpened == 4)
            bot.fake.requestDisconnect()
            try await waitFor { bot.fake.connectionsOpened == 5 }
        }
    }

    /// Declares INC-1 over Socket Mode and has Bob say something in its channel: the channel
    /// and the message's `ts`.
    func declareAndSayInItsRoom(_ bot: SlackHarness) async throws -> (room: String, ts: String) {
        bot.fake.sendEnvelope(type: "slash_commands", payload: Self.slash(1, "declare Payment API errors --sev P1"))
        try await waitFor { bot.fake.acknowledged.count == 1 }
        try await bot.settle()
        let room = try #require(bot.fake.channel(named: "incident-20261124-payment-api-errors")).id
        return (room, bot.fake.say("U0BOB0002", "Rolled back", in: room).ts)
    }

    /// A 📌 given (`reaction_added`) or taken back on the message `ts` in `room`.
    static func pushpin(_ type: String, id: String, by user: String, room: String, ts: String) -> JSONValue {
        ["type": "event_callback", "event_id": .string(id), "team_id": "T0TEAM001",
         "authorizations": [["user_id": .string(FakeSlack.botUserID)]],
         "event": ["type": .string(type), "user": .string(user), "reaction": "pushpin",
                   "item": ["type": "message", "channel": .string(room), "ts": .string(ts)]]]
    }

    /// In one channel envelopes are handled in order: a 📌 given (its message read back from
    /// Slack first, so slower) and taken back at once stays taken back.
    @Test func aPinGivenAndTakenBackAtOnceStaysTakenBack() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot, readsBack: true) {
            let (room, ts) = try await declareAndSayInItsRoom(bot)
            for (n, type) in [(1, "reaction_added"), (2, "reaction_removed")] {
                bot.fake.sendEnvelope(type: "events_api", payload: Self.pushpin(type, id: "EvPIN\(n)", by: "U0ALICE01", room: room, ts: ts))
            }
            try await waitFor { bot.fake.acknowledged.count == 3 }
        }
        #expect(bot.fake.calls.contains { $0.method == "conversations.history" })
        #expect(try await bot.runtime.store.read { try $0.incident(1)?.incident.pins } == nil)
    }

    /// Pins keep their order among themselves, not before commands: a 📌 whose message Slack
    /// is slow to give back holds up no command typed after it in the same channel, such as
    /// an acknowledgement (anyone in the room can add a 📌).
    @Test func aPinSlowToReadBackHoldsUpNoCommandInItsChannel() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        try await withSocketMode(bot, readsBack: true) {
            let (room, ts) = try await declareAndSayInItsRoom(bot)
            bot.fake.inject(.holdAnswer(method: "conversations.history"))
            bot.fake.sendEnvelope(type: "events_api", payload: Self.pushpin("reaction_added", id: "EvSLOWPIN", by: "U0CAROL03", room: room, ts: ts))
            try await waitFor { bot.fake.heldAnswers == 1 }
            let ack = bot.fake.sendEnvelope(type: "slash_commands", payload: [
                "command": "/ack", "text": "", "user_id": "U0ALICE01", "channel_id": .string(room),
                "trigger_id": "2.socket", "team_id": "T0TEAM001", "response_url": "https://hooks.slack.com/x",
            ], acceptsResponsePayload: true)
            try await waitFor { bot.fake.acknowledged.contains { $0.id == ack } }
            #expect(bot.fake.heldAnswers == 1, "the acknowledgement waited for the pin")
            let answer = bot.fake.acknowledged.first { $0.id == ack }?.payload?["text"]?.string ?? ""
            #expect(answer.contains("INC-1") && !answer.contains("Only people paged"), "\(answer)")
            bot.fake.releaseHeldAnswers()
            try await waitFor { bot.fake.acknowledged.count == 3 }
        }
        #expect(try await bot.runtime.store.read { try $0.incident(1)?.incident.pins?.count } == 1)
    }
}
