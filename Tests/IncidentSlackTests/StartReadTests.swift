@testable import IncidentApp
import IncidentCore
@testable import IncidentEngine
import IncidentTesting
import SlackFake
import Testing

/// A restarted `serve` on SQLite reads the newest outbox id before its HTTP listener opens: an
/// item queued since is none the process before it may have sent. Read after a command the
/// listener answered first, the command's post counted as one that process may have sent, and
/// waited for such a send to land (`Delivery.landingWindow`, 10 s) when Slack did not show it.
@Suite struct StartReadTests {
    @Test func aCommandAnsweredAsTheProcessStartsGoesAtOnce() async throws {
        for readBeforeTheCommand in [true, false] {
            let bot = try await SlackHarness.start()
            try await bot.slash("alice", "/incident declare Payment API errors --sev P2 --ic @alice")
            try await bot.settle()
            let room = try #require(bot.fake.channel(named: SlackScenarioTests.room))

            // The process restarts: a delivery of its own, its first command taken as it starts.
            let delivery = bot.freshDelivery()
            if readBeforeTheCommand { await delivery.noteWhatWasQueuedBeforeStart() }
            try await bot.slash("alice", "/note INC-1 typed as the bot came up")
            // What `run` does first: a read made before is kept.
            await delivery.noteWhatWasQueuedBeforeStart()
            _ = await delivery.drain()
            let posted = { bot.fake.messages(in: room.id).filter { $0.text.contains("typed as the bot came up") } }
            #expect(posted().count == (readBeforeTheCommand ? 1 : 0), "read before the command: \(readBeforeTheCommand)")

            bot.clock.advance(by: Delivery<ManualClock>.landingWindow)
            _ = await delivery.drain()
            #expect(posted().count == 1)
            #expect(bot.fake.violations.isEmpty, "\(bot.fake.violations)")
            await bot.stop()
        }
    }
}
