import IncidentEngine
import IncidentSQLite
import IncidentTesting
import Testing

/// `IncidentStore.commitCount` on SQLite: delivery trusts a round's read of its pages for as
/// long as it stays the same, so every commit must move it, wherever it was made.
@Suite struct CommitCountTests {
    struct Refused: Error {}

    @Test func everyCommitMovesTheCountAndARollbackDoesNot() async throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        let store = try SQLiteStore(path: path)
        let start = try #require(store.commitCount)
        try await store.write { try $0.markSeen(.slack, eventID: "Ev1", at: TestConfig.start) }
        #expect(store.commitCount == start + 1)
        await #expect(throws: Refused.self) {
            try await store.write { records in
                try records.markSeen(.slack, eventID: "Ev2", at: TestConfig.start)
                throw Refused()
            }
        }
        #expect(store.commitCount == start + 1)
        // A second store on the same file (a test's restart) counts with the first.
        let again = try SQLiteStore(path: path)
        try await again.write { try $0.markSeen(.slack, eventID: "Ev3", at: TestConfig.start) }
        #expect(store.commitCount == start + 2)
        // Opened to read only, beside a bot that writes the file: no count to trust.
        #expect(try SQLiteStore.readOnly(path: path).commitCount == nil)
    }
}
