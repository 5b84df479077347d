import GRDB
import IncidentEngine
import IncidentSQLite
import IncidentTesting
import Synchronization
import Testing

/// Another program holding the SQLite file's write lock (a `sqlite3` shell's open
/// transaction) keeps the bot's writes waiting, each up to 10 s. A write whose answers are due
/// (a slash command's) queued behind one with no deadline (delivery recording a send) is given
/// up as its answers fall due, while the write ahead of it still waits: it used to be answered
/// only when that one's 10 s ran out, long after Slack had shown its person an error.
@Suite struct SQLiteLockWaitTests {
    @Test func aWriteQueuedBehindALockWaitIsGivenUpOnceLateBeforeItBegins() async throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        let store = try SQLiteStore(path: path)
        var holding = Configuration()
        holding.allowsUnsafeTransactions = true   // its transaction stays open between two accesses
        let other = try DatabaseQueue(path: path, configuration: holding)
        try await other.writeWithoutTransaction { try $0.execute(sql: "BEGIN IMMEDIATE") }

        let delivery = Task { try await store.write { try $0.markSeen(.slack, eventID: "delivery", at: TestConfig.start) } }
        // Real time, for the writer's thread to begin delivery's wait for the lock.
        try await Task.sleep(for: .milliseconds(300))
        let late = Mutex(false)
        let command = Task {
            try await store.write(givingUpWhen: { late.withLock { $0 } }) {
                try $0.markSeen(.slack, eventID: "command", at: TestConfig.start)
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        late.withLock { $0 = true }
        await #expect(throws: TooLateToCommit.self) { try await command.value }

        // Answered while delivery was still waiting: let go of the lock, and delivery's write,
        // never given up, commits.
        try await other.writeWithoutTransaction { try $0.execute(sql: "COMMIT") }
        try await delivery.value
        let seen = try await store.read { records in
            (try records.isSeen(.slack, eventID: "delivery"), try records.isSeen(.slack, eventID: "command"))
        }
        #expect(seen == (true, false))
    }
}
