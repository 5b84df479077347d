@testable import IncidentEngine
import IncidentCore
import IncidentTesting
import Logging
import ServiceLifecycle
import Testing

/// SIGTERM: delivery stops between two messages. What went out is recorded; the rest waits in
/// the outbox for the next start, instead of being sent while the shutdown's grace runs out
/// and then cut off mid-send (a text or call cut off unrecorded goes out twice).
@Suite struct DeliveryShutdownTests {
    @Test func deliveryStopsBetweenMessagesWhenTheProcessStops() async throws {
        let bot = try TestBot()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let group = ServiceGroup(services: [bot.delivery], logger: logger)
        bot.slack.behave(.hanging)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // A P1 queues Slack's room, the on-call's page, the announcement and more, in lanes
            // of their own: the first call hangs while the rest wait their turn.
            try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
            try await Self.until { bot.slack.attempts == 1 }
            await group.triggerGracefulShutdown()
            try await Self.until { bot.delivery.isStopping }
            // The hung call ends (it times out); nothing after it is tried.
            bot.slack.behave(.working)
            try await tasks.waitForAll()
        }
        #expect(bot.slack.attempts == 1)
        let pending = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.method == .slack }
        #expect(pending.count > 3)
    }

    /// SIGTERM while calls are under way: their provider keeps nothing the next start could
    /// look them up by, so each runs to its end though the stop cancels delivery (an HTTP
    /// request is torn down by its task's cancellation), and is recorded: it is not placed
    /// again at the next start. Before, a stop that met Twilio answering slowly called twice.
    @Test func callsUnderWayAreRecordedThoughTheStopCancelsDelivery() async throws {
        let bot = try TestBot(pagers: [.voice], roster: SlowProviderTests.roster())
        let voice = try #require(bot.pagers[.voice])
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let group = ServiceGroup(services: [bot.delivery], logger: logger)
        voice.behave(.answeringLate)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await bot.say("U0ERIN005", "/incident declare Checkout is down --sev P0")
            try await Self.until { voice.heldLate == 2 }
            #expect(bot.finishing.count == 2)
            await group.triggerGracefulShutdown()
            // The grace is over: the group cancels delivery, calls and all.
            tasks.cancelAll()
            for _ in 0..<100 { await Task.yield() }
            voice.behave(.working)
            try await tasks.waitForAll()
        }
        #expect(voice.directMessages.count == 2)
        let pending = try await bot.store.read { try $0.pendingOutbox(limit: 100) }.filter { $0.method == .voice }
        #expect(pending.isEmpty, "\(pending.map(\.key))")
        #expect(bot.finishing.count == 0)
    }

    /// Waits, in real time, for something another task does; fails after 10 s.
    static func until(_ condition: @Sendable () -> Bool) async throws {
        for _ in 0..<1_000 {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("waited 10 s in vain")
    }
}
