import Foundation
import IncidentCore
import IncidentEngine
import IncidentPostgres
import IncidentTesting
import Logging
import Testing

/// A session opened while the database was read-only (`default_transaction_read_only` set for
/// a while, or a hot standby a failover pointed the bot at) stays read-only after the database
/// is writable again. Kept, it refused every write for good: after a ten-second spell both
/// replicas stood by with nobody leading and no page sent, until restarted. The store drops a
/// connection that answers read-only, and the next write opens one that can write.
@Suite struct PostgresReadOnlySpellTests {
    @Test func aSessionThatAnsweredReadOnlyIsReplaced() async throws {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("readonly_spell") }
        let settings = cluster.settings(database)
        let store = try await TestTools.offPool { try PostgresStore(settings: settings, logger: Logger(label: "readonly-spell")) }
        try await store.write { try $0.markSeen(.slack, eventID: "before", at: TestConfig.start) }
        // The spell begins: the setting applies to sessions opened from now on.
        _ = try await TestTools.offPool {
            try cluster.psql("ALTER DATABASE \(database) SET default_transaction_read_only = on")
            return try cluster.psql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()")
        }
        for attempt in 0..<3 {
            await #expect(throws: (any Error).self, "attempt \(attempt)") {
                try await store.write { try $0.markSeen(.slack, eventID: "during", at: TestConfig.start) }
            }
        }
        // It ends; the session opened during it is still read-only, and must not be kept.
        _ = try await TestTools.offPool { try cluster.psql("ALTER DATABASE \(database) RESET default_transaction_read_only") }
        var written = false
        for _ in 0..<2 where !written {
            written = (try? await store.write { try $0.markSeen(.slack, eventID: "after", at: TestConfig.start) }) != nil
        }
        #expect(written, "the store kept a read-only session")
        #expect(try await store.read { try $0.isSeen(.slack, eventID: "after") })
    }
}
