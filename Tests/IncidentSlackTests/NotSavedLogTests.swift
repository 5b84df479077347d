import IncidentEngine
import IncidentSlack
import IncidentSQLite
import IncidentTesting
import Logging
import Testing

/// A store that fails under a busy incident fails every command: each person is told to type
/// it again and each is counted, but the error is logged once every 10 s with how many were
/// not since, not once a command, which pushed every other line out of a rate-limited journal.
@Suite struct NotSavedLogTests {
    @Test func commandsNotSavedAreLoggedOnceAPeriodWithTheirCount() async throws {
        let bot = try TestBot(store: FailingWrites(try SQLiteStore.inMemory()))
        let recorder = LogRecorder()
        let gateway = SlackGateway(engine: bot.engine, api: nil,
                                   workspaces: SlackWorkspaces(allowed: ["T0TEAM001"], api: nil, logger: recorder.logger, now: { bot.clock.now }),
                                   logger: recorder.logger)
        func slash(_ number: Int) async throws -> String {
            let fields = (SlackSocketModeTests.slash(number, "declare Payment API errors --sev P1").object ?? [:]).compactMapValues { $0.string }
            return "\(try await gateway.handle(try SlackRequest.slashCommand(fields)))"
        }
        func notSaved() -> [String] { recorder.lines.withLock { $0 }.filter { $0.contains("slash command not saved") } }
        for number in 1...3 { #expect(try await slash(number).contains("Not saved")) }
        #expect(notSaved().count == 1)
        bot.clock.advance(by: .seconds(10))
        #expect(try await slash(4).contains("Not saved"))
        #expect(notSaved().count == 2)
        #expect(recorder.metadataOfLines.withLock { $0 }.last?["not_saved.unlogged"] == "2")
    }
}
