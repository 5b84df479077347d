import IncidentCore
import IncidentEngine
import IncidentSQLite
import IncidentTesting
import Testing

/// The bot stops mid-scenario (the store closed, the process gone) and a new one opens the
/// same file: nothing is lost and nothing fires twice.
@Suite struct RestartTests {
    static let room = ScenarioTests.room

    /// A bot on a new database file declares the P1 and runs to `minute`, then is gone.
    func firstRun(toMinute minute: Int) async throws -> (path: String, clock: ManualClock, pages: [String]) {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        let clock = ManualClock(start: TestConfig.start)
        let first = try TestBot(path: path, clock: clock)
        try await first.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await first.run(toMinute: minute)
        return (path, clock, first.pages)
    }

    @Test func aRestartWithoutDowntimeChangesNothing() async throws {
        let (path, clock, firstPages) = try await firstRun(toMinute: 50)
        var pages = firstPages
        let second = try TestBot(path: path, clock: clock)
        try await second.run(toMinute: 120)
        pages += second.pages
        #expect(pages.sorted() == ScenarioTests.p1Pages.sorted())
    }

    @Test func whatFellDueWhileDownFiresOnceOldestFirst() async throws {
        let (path, clock, firstPages) = try await firstRun(toMinute: 20)
        var pages = firstPages
        // Down from minute 20 to 50: bob's 30-minute page and the 30-minute nudge fell due.
        clock.advance(to: TestConfig.at(50))
        let second = try TestBot(path: path, clock: clock)
        try await second.settle()
        #expect(second.pages == ["50 bob"])
        #expect(second.nudges(in: Self.room) == [50])
        try await second.settle()
        #expect(second.pages == ["50 bob"])
        try await second.run(toMinute: 120)
        pages += second.pages
        let people = pages.map { $0.split(separator: " ")[1] }
        #expect(people == ["alice", "erin", "bob", "carol", "frank", "carol", "grace", "carol"])
    }

    @Test func anOutboxLeftUndeliveredIsDeliveredOnceAfterTheRestart() async throws {
        let folder = try TestConfig.temporaryDirectory()
        let path = folder.appendingPathComponent("bot.sqlite").path
        let clock = ManualClock(start: TestConfig.start)
        do {
            let first = try TestBot(path: path, clock: clock)
            try await first.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
            // The process dies before delivery ran.
            #expect(first.slack.delivered.isEmpty)
        }
        let second = try TestBot(path: path, clock: clock)
        try await second.settle()
        try await second.settle()
        #expect(second.pages == ["0 alice", "0 erin"])
        let created = second.slack.delivered.filter { if case .createRoom = $0.job.action { true } else { false } }
        #expect(created.count == 1)
        #expect(try await second.store.read { try $0.pendingOutbox(limit: 100) }.isEmpty)
    }
}
