import Foundation
import IncidentCore
import IncidentEngine
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
        let holder = try await Self.holdInAnotherSession("SELECT pg_advisory_lock(4498252912)", until: """
            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, cluster, database, "the other session never took the write lock")
        let deadline = Date().addingTimeInterval(60)
        let recorder = LogRecorder()
        let logger = recorder.logger
        let opening = Task { try await TestTools.offPool { _ = try PostgresStore(settings: cluster.settings(database), logger: logger) } }
        let waiting = { recorder.lines.withLock { $0 }.contains { $0.hasPrefix("notice waiting for the database's write lock to migrate") } }
        while !waiting(), Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Self.endTheOtherSession(cluster, database)
        _ = await holder.value
        try await opening.value
        #expect(waiting(), "\(recorder.lines.withLock { $0 })")
    }

    /// A long read of a table a migration alters (a `pg_dump`) held the migration's wait for
    /// the table's lock, under the write lock every replica's writes take first: the running
    /// replicas answered `⚠️ Not saved` and paged nobody until the read ended (audit s82b). The
    /// migration now gives way, says so, and migrates once the read is over.
    @Test func aMigrationGivesWayToALongReadOfATable() async throws {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("migrate_give_way") }
        let running = try await TestTools.offPool { try PostgresStore(settings: cluster.settings(database), logger: Logger(label: "test")) }
        // Back to the schema before v4 (the last migration that alters the outbox), as the
        // version before made it.
        try #require(PostgresStore.versions.last?.hasPrefix("v5:") == true, "a migration was added: undo it here too")
        _ = try await TestTools.offPool {
            try cluster.psql("""
                ALTER TABLE leader_lease DROP COLUMN sendable_through, DROP COLUMN sendable_through_kept_by;
                ALTER TABLE outbox DROP COLUMN queued_at; ALTER TABLE leader_lease DROP COLUMN earlier_expires_at;
                DELETE FROM schema_migration WHERE name LIKE 'v4:%' OR name LIKE 'v5:%'
                """, database: database)
        }
        try await running.write { try $0.enqueue([StoreContractTests.item("queued before", lane: "lane-before")]) }
        let reader = try await Self.holdInAnotherSession("BEGIN; LOCK TABLE outbox IN ACCESS SHARE MODE", until: """
            SELECT count(*) FROM pg_locks WHERE relation = 'outbox'::regclass AND granted AND pid <> pg_backend_pid()
            """, cluster, database, "the reader never took the table")
        let deadline = Date().addingTimeInterval(60)

        let recorder = LogRecorder()
        let logger = recorder.logger
        let opening = Task { try await TestTools.offPool { _ = try PostgresStore(settings: cluster.settings(database), logger: logger) } }
        let lines = { recorder.lines.withLock { $0 } }
        while !lines().contains(where: { $0.hasPrefix("notice waiting for another session to let go of a table to migrate") }), Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(Date() < deadline, "the migration never said it gave way: \(lines())")
        // The replica already running writes while the read goes on.
        try await running.write { try $0.markSeen(.slack, eventID: "during the read", at: TestConfig.start) }
        #expect(try await running.read { try $0.isSeen(.slack, eventID: "during the read") })

        try await Self.endTheOtherSession(cluster, database)
        _ = await reader.value
        try await opening.value
        let migrated = zip(lines(), recorder.metadataOfLines.withLock { $0 }).filter { $0.0 == "notice migrated the database" }
        #expect(migrated.map { "\($0.1["migration"] ?? "")" } == Array(PostgresStore.versions.suffix(2)), "\(lines())")
        // An item from before counts as queued before any lease ran out; one queued now has its time.
        try await running.write { try $0.enqueue([StoreContractTests.item("queued after", lane: "lane-after")]) }
        #expect(try await TestTools.offPool {
            try cluster.psql("SELECT key, queued_at = '-infinity' FROM outbox ORDER BY id", database: database)
        } == "queued before|t\nqueued after|f")
    }

    /// Runs `taking` then a two-minute sleep in a session of its own on `database`, and waits
    /// (at most a minute) until `until`, a count, says the lock is taken.
    static func holdInAnotherSession(_ taking: String, until taken: String, _ cluster: PostgresCluster, _ database: String,
                                     _ neverTaken: Comment) async throws -> Task<Void, Never> {
        let holder = Task { _ = try? await TestTools.offPool { try cluster.psql("\(taking); SELECT pg_sleep(120)", database: database) } }
        let deadline = Date().addingTimeInterval(60)
        while try await TestTools.offPool({ try cluster.psql(taken, database: database) }) == "0", Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try #require(Date() < deadline, neverTaken)
        return holder
    }

    /// Ends the session `holdInAnotherSession` started on `database` (and no other test's).
    static func endTheOtherSession(_ cluster: PostgresCluster, _ database: String) async throws {
        _ = try await TestTools.offPool {
            try cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid() "
                             + "AND datname = current_database()", database: database)
        }
    }
}
