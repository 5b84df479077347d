import Foundation
import IncidentCore
import IncidentEngine
import IncidentPostgres
import IncidentTesting
import Logging
import Testing

/// The commands that only read (export, report, outbox) open the database without migrating:
/// as a role that may only read, which PostgreSQL 15 and later give no CREATE on `public`.
@Suite struct PostgresReadOnlyTests {
    @Test func aRoleThatMayOnlyReadOpensTheDatabaseToRead() async throws {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("readonly") }
        let owner = cluster.settings(database)
        let store = try await TestTools.offPool { try PostgresStore(settings: owner, logger: Logger(label: "test")) }
        try await store.write { try $0.markSeen(.slack, eventID: "before", at: TestConfig.start) }
        let role = "reader_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try await TestTools.offPool {
            try cluster.psql("""
                CREATE ROLE \(role) LOGIN; REVOKE CREATE ON SCHEMA public FROM PUBLIC;
                GRANT SELECT ON ALL TABLES IN SCHEMA public TO \(role);
                """, database: database)
        }
        let reader = cluster.settings(database, user: role)
        let opened = try await TestTools.offPool { try PostgresStore(settings: reader, migrate: false, logger: Logger(label: "test")) }
        #expect(try await opened.read { try $0.isSeen(.slack, eventID: "before") })

        // An empty database is refused with a reason, not made.
        let empty = try await TestTools.offPool { try cluster.database("readonly") }
        let fresh = cluster.settings(empty)
        await #expect(throws: (any Error).self) {
            try await TestTools.offPool { _ = try PostgresStore(settings: fresh, migrate: false, logger: Logger(label: "test")) }
        }
        #expect(try await TestTools.offPool { try cluster.psql("SELECT to_regclass('schema_migration') IS NULL", database: empty) } == "t")
    }
}
