import IncidentEngine
import IncidentHTTP
import IncidentSlack
import Logging
import Testing

/// A slash command read just after the process stood still (SIGSTOP, a frozen container, a VM
/// paused) may have waited past Slack's 3 s in the kernel, unseen: it is not saved. It was
/// committed when read, after Slack had shown its person a failure, and typed again on another
/// replica it was stored twice.
@Suite struct ProcessStallTests {
    @Test func aCommandReadInOrJustAfterAStallIsNotSaved() async throws {
        let bot = try await SlackHarness.start()
        defer { Task { await bot.stop() } }
        var logger = Logger(label: "stall-test")
        logger.logLevel = .critical
        func gateway(_ stalls: ProcessStalls) -> SlackGateway<ManualClock> {
            SlackGateway(engine: bot.engine, api: nil,
                         workspaces: SlackWorkspaces(allowed: ["T0TEAM001"], api: nil, logger: logger, now: { bot.clock.now }),
                         stalls: stalls, logger: logger)
        }
        let fields = (SlackSocketModeTests.slash(1, "declare Payment API errors --sev P1").object ?? [:]).compactMapValues { $0.string }
        // Read while the stall lasts, before the watch has noted the time again.
        let stalls = ProcessStalls(lastNote: .now - .seconds(60), backlogRead: .seconds(600))
        let standing = try await gateway(stalls).handle(try SlackRequest.slashCommand(fields))
        #expect("\(standing)".contains("Not saved"), "\(standing)")
        // Read in the backlog the stall left, after the watch noted its end.
        stalls.note(at: .now)
        let after = try await gateway(stalls).handle(try SlackRequest.slashCommand(fields))
        #expect("\(after)".contains("Not saved"), "\(after)")
        #expect(try await bot.storeCounts()["incident"] == 0)
        // A process that has not stood still takes it.
        let running = try await gateway(ProcessStalls()).handle(try SlackRequest.slashCommand(fields))
        #expect("\(running)".contains("INC-1"), "\(running)")
    }

    /// A gap between the watch's notes longer than a second is a stall; what is read in it, or
    /// in the backlog's second after it, may have come as it began.
    @Test func aStallIsAGapBetweenTheWatchesNotes() {
        let start = ContinuousClock.now
        let stalls = ProcessStalls(lastNote: start)
        stalls.note(at: start + .milliseconds(100))
        #expect(stalls.unseenWait(at: start + .milliseconds(150)) == .zero)
        stalls.note(at: start + .milliseconds(900))
        #expect(stalls.unseenWait(at: start + .milliseconds(950)) == .zero, "800 ms is no stall")
        // Stopped for 4 s: read before the watch runs again.
        #expect(stalls.unseenWait(at: start + .milliseconds(4_900)) == .seconds(4))
        stalls.note(at: start + .milliseconds(5_000))
        // Read in the backlog's second after it: it may have come as the stall began.
        #expect(stalls.unseenWait(at: start + .milliseconds(5_100)) == .milliseconds(4_200))
        stalls.note(at: start + .milliseconds(5_900))
        #expect(stalls.unseenWait(at: start + .milliseconds(6_100)) == .zero)
    }
}
