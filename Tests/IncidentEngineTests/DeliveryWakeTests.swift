import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// A commit wakes the delivery loops of the methods it queued something on, and no others: a
/// post in a room used to wake every method's loop, each reading the whole outbox's heads.
@Suite struct DeliveryWakeTests {
    @Test func firesKeptMeanwhileAddUpAndAFireAboutAnythingCoversThemAll() async {
        let signal = WakeSignal()
        signal.fire(for: [.email])
        signal.fire(for: [.sms, .email])
        #expect(await signal.wait() == [.email, .sms])
        signal.fire(for: [.voice])
        signal.fire()
        #expect(await signal.wait() == nil)
        // A fire about no method is none.
        signal.fire(for: [])
        signal.fire(for: [.slack])
        #expect(await signal.wait() == [.slack])
    }

    @Test func aWaiterHearsWhatTheFireIsAbout() async {
        let signal = WakeSignal()
        let waiting = Task { await signal.wait() }
        while !signal.isWaitedOn { await Task.yield() }
        signal.fire(for: [.pagerduty])
        #expect(await waiting.value == [.pagerduty])
    }

    /// A P0's declaration posts on Slack and calls the VP (the roster's dave, reached by voice
    /// first), and wakes those two loops; a note posts in the room and wakes Slack's alone.
    @Test func aCommandWakesTheLoopsOfTheMethodsItQueuedOn() async throws {
        let bot = try TestBot(pagers: [.voice, .sms, .email])
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        #expect(await bot.engine.deliveryWake.wait() == [.slack, .voice])
        #expect(try await bot.say("U0CAROL03", "/note INC-1 looking at the payment logs").disposition == .handled)
        #expect(await bot.engine.deliveryWake.wait() == [.slack])
    }

    /// The running delivery service: the fire about Slack and voice wakes those loops, and the
    /// call and the on-call's page go out without waiting for the loops' poll.
    @Test(.timeLimit(.minutes(1))) func theLoopsNamedDeliverAtOnce() async throws {
        let bot = try TestBot(pagers: [.voice, .email])
        let voice = try #require(bot.pagers[.voice])
        let running = Task { try await bot.delivery.run() }
        defer { running.cancel() }
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P0")
        await voice.waitForDirectMessage(to: "dave")
        await bot.slack.waitForDirectMessage(to: "alice")
        #expect(voice.directMessages.map(\.person) == ["dave"])
        #expect(voice.directMessages.first?.at == TestConfig.at(0))
    }
}
