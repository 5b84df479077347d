import IncidentCore
import IncidentEngine
import IncidentTesting
import Logging
import ServiceLifecycle
import Testing

/// A transaction wakes the scheduler only when it moved a due time before the scheduler's own
/// wake-up; one that did not (a note) leaves it asleep, and a fire while it runs a round is kept.
@Suite struct SchedulerWakeTests {
    @Test func aDueTimeNoEarlierThanTheSleepersOwnLeavesItAsleep() async throws {
        let signal = WakeSignal()
        let waiting = Task { await signal.wait(wakingAnywayAt: TestConfig.at(30)) }
        while !signal.isWaitedOn { await Task.yield() }
        signal.fire(unlessAwakeBy: TestConfig.at(30))
        signal.fire(unlessAwakeBy: TestConfig.at(45))
        #expect(signal.isWaitedOn)
        signal.fire(unlessAwakeBy: TestConfig.at(29))
        #expect(!signal.isWaitedOn)
        await waiting.value
    }

    @Test func aSleeperWithNoDeadlineWakesForAnyDueTime() async throws {
        let signal = WakeSignal()
        let waiting = Task { await signal.wait() }
        while !signal.isWaitedOn { await Task.yield() }
        signal.fire(unlessAwakeBy: TestConfig.at(10_000))
        #expect(!signal.isWaitedOn)
        await waiting.value
    }

    /// With nobody waiting (the scheduler is in a round, which may have read the due times
    /// before the transaction), the fire is kept whatever the due time: the next wait returns.
    @Test func aFireWithNobodyWaitingIsKept() async throws {
        let signal = WakeSignal()
        signal.fire(unlessAwakeBy: TestConfig.at(45))
        await signal.wait(wakingAnywayAt: TestConfig.at(30))
        #expect(!signal.isWaitedOn)
    }

    /// A P3 declared in working hours pages the on-call and waits hours for the team lead;
    /// the scheduler sleeps until then. `/sev P1` brings the team lead's page forward to minute
    /// 30: that transaction must wake it, or the page would wait for the old wake-up.
    @Test(.timeLimit(.minutes(1))) func aCommandThatBringsAPageForwardWakesTheSleepingScheduler() async throws {
        let bot = try TestBot()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P3")
        try await bot.settle()
        #expect(bot.pages == ["0 alice"])
        let services = ServiceGroup(services: [Scheduler(engine: bot.engine, logger: logger), bot.delivery], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await services.run() }
            while !bot.engine.schedulerWake.isWaitedOn { await Task.yield() }
            // A note moves no due time: the scheduler stays asleep.
            #expect(try await bot.say("U0CAROL03", "/note INC-1 looking at the payment logs").disposition == .handled)
            #expect(bot.engine.schedulerWake.isWaitedOn)
            try await bot.say("U0CAROL03", "/sev INC-1 P1 card payments fail")
            // The raise pages the operations manager at once; the team lead is due at minute 30.
            await bot.slack.waitForDirectMessage(to: "erin")
            // Woken, it reads the new due time and sleeps until it.
            while !bot.engine.schedulerWake.isWaitedOn { await Task.yield() }
            bot.clock.advance(to: TestConfig.at(30))
            await bot.matrix.waitForDirectMessage(to: "bob")
            await services.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(bot.pages == ["0 alice", "0 erin", "30 bob"])
    }
}
