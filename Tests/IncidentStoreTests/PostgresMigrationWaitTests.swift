import Foundation
import IncidentPostgres
import IncidentTesting
import Logging
import Synchronization
import Testing

/// A replica that starts while another session holds the write lock (another replica
/// migrating, a long transaction) waits for it, as it must, and says so: it waited in
/// silence, no probe answered, and an operator saw a process that did nothing.
@Suite struct PostgresMigrationWaitTests {
    @Test func aMigrationThatWaitsForTheWriteLockSaysSo() async throws {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("migrate_wait") }
        // The bot's write lock (`PostgresSchema.writeLock`), held by another session for 2 s.
        let holder = Task { try await TestTools.offPool { try cluster.psql("SELECT pg_advisory_lock(4498252912); SELECT pg_sleep(2)", database: database) } }
        let deadline = Date().addingTimeInterval(10)
        while try await TestTools.offPool({ try cluster.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", database: database) }) == "0",
              Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let recorder = LogRecorder()
        let logger = recorder.logger
        _ = try await TestTools.offPool { try PostgresStore(settings: cluster.settings(database), logger: logger) }
        _ = try await holder.value
        #expect(recorder.lines.withLock { $0 }.contains { $0.hasPrefix("notice waiting for the database's write lock to migrate") },
                "\(recorder.lines.withLock { $0 })")
    }
}
