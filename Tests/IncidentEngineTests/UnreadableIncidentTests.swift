import GRDB
import IncidentCore
import IncidentEngine
import IncidentTesting
import Testing

/// A stored incident this version cannot read, when its reminders and pages fall due.
@Suite struct UnreadableIncidentTests {
    /// One incident's row in a format a newer version wrote (an older replica leading during a
    /// rolling update, or a damaged row) does not stop the scheduler: the other incidents'
    /// pages go on time, and the unreadable one is left out instead of failing every round.
    @Test func oneUnreadableRowDoesNotStopTheOtherIncidentsPages() async throws {
        let bot = try TestBot()
        try await bot.say("U0REPORTER", "/incident declare Payment API errors --sev P1")
        try await bot.say("U0REPORTER", "/incident declare Search is slow --sev P1")
        try await bot.settle()
        try await bot.sqlite.writer.write { db in try db.execute(sql: "UPDATE incident SET format = 99 WHERE number = 1") }

        bot.clock.advance(to: TestConfig.at(30))
        try await bot.engine.fireDue()
        let second = try await bot.store.read { try $0.timeline(incident: 2) }.map(\.text)
        #expect(second.contains { $0.hasPrefix("Paged @bob as team lead") }, "\(second)")
        // The scheduler's next wake is the readable incident's, not the unreadable one's, past.
        let next = try #require(try await bot.engine.nextDue())
        #expect(next > TestConfig.at(30))
    }
}
