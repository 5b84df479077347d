@testable import IncidentApp
import IncidentCore
@testable import IncidentEngine
import IncidentPolicy
import IncidentTesting
import Logging
import SlackFake
import Testing

/// A restarted `serve` on SQLite reads the newest outbox id before its HTTP listener opens
/// (`BotRuntime.leadingAlone`): an item queued since is none the process before it may have
/// sent. Read after a command the listener answered first, the command's post counted as one
/// that process may have sent, and waited for such a send to land (`Delivery.landingWindow`,
/// 10 s) when Slack did not show it.
@Suite struct StartReadTests {
    @Test func aCommandAnsweredAsTheProcessStartsGoesAtOnce() async throws {
        for startedAsServeDoes in [true, false] {
            let bot = try await SlackHarness.start()
            try await bot.slash("alice", "/incident declare Payment API errors --sev P2 --ic @alice")
            try await bot.settle()
            let room = try #require(bot.fake.channel(named: SlackScenarioTests.room))

            // The process restarts on the same database; its listener takes a command at once.
            let config = try BotConfig.load(path: bot.folder.appendingPathComponent("incident-bot.yaml").path)
            var quiet = Logger(label: "start-read-test")
            quiet.logLevel = .critical
            let restarted = BotRuntime(loaded: try LoadedConfig.load(config, allowExampleRoster: false), store: bot.runtime.store,
                                       clock: bot.clock, transports: bot.runtime.transports, logger: quiet)
            if startedAsServeDoes { _ = await restarted.leadingAlone() }
            try await bot.slash("alice", "/note INC-1 typed as the bot came up")
            // What delivery's `run` does first.
            await restarted.delivery.noteWhatWasQueuedBeforeStart()
            _ = await restarted.delivery.drain()
            let posted = { bot.fake.messages(in: room.id).filter { $0.text.contains("typed as the bot came up") } }
            #expect(posted().count == (startedAsServeDoes ? 1 : 0), "started as serve does: \(startedAsServeDoes)")

            bot.clock.advance(by: Delivery<ManualClock>.landingWindow)
            _ = await restarted.delivery.drain()
            #expect(posted().count == 1)
            #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
            await bot.stop()
        }
    }
}
