import IncidentCore
import IncidentEngine
import IncidentMatrix
import IncidentTesting
import MatrixSynapse
import Testing

/// What was typed on the homeserver while the bot was down is decided before the restart's
/// first round fires what fell due meanwhile (audit s64b: the team lead was paged after
/// alice's `!ack`, typed while the bot was down, because the round ran before the sync read it;
/// in 3 runs of 4 the page was withdrawn in time, in 1 it rang his phone).
@Suite struct MatrixRestartTests {
    @Test func anAckTypedWhileTheBotWasDownStopsTheLadderBeforeTheStepThatFellDue() async throws {
        let bot = try await MatrixHarness.start(on: try await SharedSynapse.get())
        defer { Task { await bot.stopBot() } }
        let reporter = try bot.user("reporter")
        let alice = try bot.user("alice")
        let lobby = try await bot.lobby()
        _ = try await reporter.call(.POST, "rooms/\(MatrixClient.segment(lobby))/invite", body: ["user_id": .string(alice.user)])
        _ = try await alice.call(.POST, "join/\(MatrixClient.segment(lobby))", body: [:])
        try await reporter.say("!incident declare Disk full on db --sev P1", in: lobby)
        try await reporter.waitForNotice(in: lobby, from: bot.bot.user, containing: "INC-1")
        try await bot.settle()
        await bot.stopBot()
        // Down: alice acknowledges, and the team lead's step (minute 30) falls due.
        try await alice.say("!ack INC-1", in: lobby)
        bot.clock.advance(to: TestConfig.at(31))
        try await bot.startBot(scheduling: true)
        let engine = try bot.current.engine
        try await bot.waitUntil("the restart's first round has run") { engine.schedulerWake.isWaitedOn }
        let incident = try #require(try await bot.current.store.read { try $0.incident(1) }?.incident)
        #expect(incident.ladders["engineering"]?.stopped == .acknowledged)
        // Nobody above alice on the engineering ladder (the business ladder's pages ask for no answer).
        #expect(incident.pages.filter { $0.level.ladder == "engineering" }.map(\.person) == ["alice"], "\(incident.pages)")
    }
}
