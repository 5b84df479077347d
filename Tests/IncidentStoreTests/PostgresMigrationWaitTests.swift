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
        // The bot's write lock (`PostgresSchema.writeLock`), held by another session until the
        // store has said it waits (a fixed hold ran out before a loaded machine got the store
        // started), and looked for in this test's own database: `pg_locks` is the whole
        // cluster's, and other tests' leases (advisory locks too) let the store open before it
        // was taken.
        let holder = Task { try? await TestTools.offPool { try cluster.psql("SELECT pg_advisory_lock(4498252912); SELECT pg_sleep(120)", database: database) } }
        let deadline = Date().addingTimeInterval(60)
        while try await TestTools.offPool({ try cluster.psql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                                                + "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())", database: database) }) == "0",
              Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(Date() < deadline, "the other session never took the write lock")
        let recorder = LogRecorder()
        let logger = recorder.logger
        let opening = Task { try await TestTools.offPool { _ = try PostgresStore(settings: cluster.settings(database), logger: logger) } }
        let waiting = { recorder.lines.withLock { $0 }.contains { $0.hasPrefix("notice waiting for the database's write lock to migrate") } }
        while !waiting(), Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        _ = try await TestTools.offPool {
            try cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()",
                             database: database)
        }
        _ = await holder.value
        try await opening.value
        #expect(waiting(), "\(recorder.lines.withLock { $0 })")
    }
}
