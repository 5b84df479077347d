import IncidentCore
import IncidentEngine
import IncidentTesting
import Logging
import ServiceLifecycle
import Testing

/// The scheduler and delivery as the services `serve` runs, on a manual clock: nothing sleeps
/// for real, the test moves the clock and awaits what the services deliver.
@Suite struct SchedulerServiceTests {
    @Test func servicesFireOnTheClockAndStopGracefully() async throws {
        let bot = try TestBot()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let scheduler = Scheduler(engine: bot.engine, logger: logger)
        let group = ServiceGroup(services: [scheduler, bot.delivery], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // The scheduler is asleep with nothing due; the declaration wakes it and delivery.
            try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
            await bot.slack.waitForDirectMessage(to: "alice")
            await bot.slack.waitForDirectMessage(to: "erin")
            #expect(!bot.matrix.directMessages.contains { $0.person == "bob" })
            bot.clock.advance(to: TestConfig.at(30))
            await bot.matrix.waitForDirectMessage(to: "bob")
            #expect(bot.matrix.directMessages.first { $0.person == "bob" }?.at == TestConfig.at(30))
            bot.clock.advance(to: TestConfig.at(60))
            // Both of minute 60's pages (carol's on Slack, frank's on Matrix, two delivery loops)
            // before the services stop: the test stopped them after carol's alone and, on a
            // loaded machine, found frank's not yet sent.
            await bot.slack.waitForDirectMessage(to: "carol")
            await bot.matrix.waitForDirectMessage(to: "frank")
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(bot.pages == ["0 alice", "0 erin", "30 bob", "60 carol", "60 frank"])
    }
}

/// Delivery starts once the scheduler has moved open incidents' pages to whom the roster
/// names now: a restart with an edited roster sent the outgoing person's page as it told the
/// room the page had moved.
@Suite struct DeliveryStartGateTests {
    @Test func deliveryWaitsForTheSchedulersStart() async throws {
        let bot = try TestBot()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        let gate = WakeSignal()
        let delivery = Delivery(store: bot.store, clock: bot.clock, transports: [bot.slack, bot.matrix], router: bot.engine.router,
                                wake: bot.engine.deliveryWake, startGate: gate, logger: logger)
        let running = Task { try await delivery.run() }
        defer { running.cancel() }
        try await Task.sleep(for: .milliseconds(200))
        #expect(bot.slack.directMessages.isEmpty)
        let scheduler = Scheduler(engine: bot.engine, logger: logger, startGate: gate)
        let scheduling = Task { try await scheduler.run() }
        defer { scheduling.cancel() }
        await bot.slack.waitForDirectMessage(to: "alice")
    }
}
