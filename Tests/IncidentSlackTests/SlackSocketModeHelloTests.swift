import IncidentCore
import IncidentEngine
@testable import IncidentSlack
import IncidentTesting
import Logging
import SlackFake
import Testing

/// A connection that never becomes one counts as a failure, so the loop goes on and `/readyz`
/// can say so: the bot sat deaf to Slack, ready.
extension SlackSocketModeTests {
    /// A connection upgraded and then silent, no `hello`: closed 15 s on, a failure, and the next one made.
    /// The loss is logged with why, and a clean stop afterwards logs no loss.
    @Test func aConnectionWithNoHelloIsClosedAndAnotherMade() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        bot.fake.withholdNextHello()
        let logs = LogRecorder()
        try await withSocketMode(bot, connected: false, logs: logs) {
            try await waitFor { bot.fake.socketConnections == 1 }
            try await waitFor {
                if bot.fake.connectionsOpened < 2 { bot.clock.advance(by: .seconds(1)) }
                return bot.fake.connectionsOpened == 2 && bot.fake.socketConnections == 1
            }
            // The new one works.
            bot.fake.sendEnvelope(type: "slash_commands", payload: Self.slash(1, "list"))
            try await waitFor { bot.fake.acknowledged.count == 1 }
        }
        let lost = logs.lines.withLock { $0 }.enumerated().filter { $0.element.hasPrefix("warning Socket Mode: connection lost") }
        #expect(lost.count == 1, "\(logs.lines.withLock { $0 })")
        let reason = lost.first.map { index, _ in logs.metadataOfLines.withLock { $0[index]["reason"] } }
        #expect("\(String(describing: reason))".contains("no hello within 15s"), "\(String(describing: reason))")
    }

    /// A connection whose handshake completed after it was given up (a proxy slow past 15 s)
    /// is closed at once: it had run on beside the next one, its `hello` counting the bot as
    /// connected whatever became of the one in use.
    @Test func aConnectionCompletedAfterItWasGivenUpIsClosedAtOnce() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        let health = LoopHealth("connection")
        for _ in 0..<LoopHealth.failuresBeforeUnready { health.failed("the connections before") }
        let socket = Self.socketMode(bot, health: health)
        let url = try await socket.open()
        let outcome = SessionOutcome()
        #expect(outcome.abandon())
        let session = Task { try await socket.session(url, outcome: outcome) }
        defer { session.cancel() }
        try await waitFor { bot.fake.socketsAccepted == 1 && bot.fake.socketConnections == 0 }
        guard bot.fake.socketsAccepted == 1, bot.fake.socketConnections == 0 else { return }
        let end = try await session.value
        #expect("\(end)".contains("closed before hello"), "\(end)")
        bot.clock.advance(by: SlackSocketMode<ManualClock>.settled + .seconds(1))
        #expect(health.problem != nil)
        #expect(!outcome.hello(.closedAfterRunning) && !outcome.heardHello)
    }

    /// `hello` and the deadline settle it once: after `hello` the session is not given up.
    @Test func aSessionThatSaidHelloIsNotGivenUp() {
        let outcome = SessionOutcome()
        #expect(outcome.hello(.dropped("closed within 30 s of hello")))
        #expect(!outcome.abandon() && !outcome.abandoned)
    }
}

/// An envelope whose turn in its channel's lane came after its 3 s were nearly up.
@Suite struct SlackQueuedCommandTests {
    /// A slash command that waited its turn behind others in its channel past the 2 s its
    /// answer may take is not committed: it is answered "Not saved", as on HTTP. It was
    /// committed 5 s on, after Slack had shown its person a failure, and typed again.
    @Test func aCommandWhoseTurnCameTooLateIsNotSaved() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        var logger = Logger(label: "queued-test")
        logger.logLevel = .critical
        let gateway = SlackGateway(engine: bot.engine, api: nil,
                                   workspaces: SlackWorkspaces(allowed: ["T0TEAM001"], api: nil, logger: logger, now: { bot.clock.now }),
                                   logger: logger)
        let fields = (SlackSocketModeTests.slash(1, "declare Payment API errors --sev P1").object ?? [:]).compactMapValues { $0.string }
        let received = bot.clock.elapsed
        bot.clock.advance(by: .seconds(3))
        let answer = try await gateway.handle(try SlackRequest.slashCommand(fields), received: received)
        #expect("\(answer)".contains("Not saved"), "\(answer)")
        #expect(try await bot.storeCounts()["incident"] == 0)
        let inTime = try await gateway.handle(try SlackRequest.slashCommand(fields), received: bot.clock.elapsed)
        #expect("\(inTime)".contains("INC-1"), "\(inTime)")
    }
}
