import Foundation
import IncidentCore
import IncidentEngine
import IncidentPostgres
import IncidentRules
import IncidentTesting
import Logging
import Testing

/// Writes run at READ COMMITTED whatever the server's default: each statement sees what
/// committed before the write lock was granted. On a database whose default is SERIALIZABLE
/// (a DBA's choice), a replica's snapshot would be taken as it asks for the lock, before the
/// other replica's commit, and its writes would collide with rows it cannot see.
@Suite struct PostgresIsolationTests {
    @Test func writesSeeWhatCommittedBeforeTheLockWhateverTheDefaultIsolation() async throws {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("isolation") }
        _ = try await TestTools.offPool {
            try cluster.psql("ALTER DATABASE \(database) SET default_transaction_isolation TO 'serializable'")
        }
        let settings = cluster.settings(database)
        let stores = try await TestTools.offPool {
            try (0..<2).map { _ in try PostgresStore(settings: settings, logger: Logger(label: "isolation-test")) }
        }
        let policy = try TestConfig.policy()
        @Sendable func declare(_ records: any IncidentRecords, pause: TimeInterval) throws -> Int {
            let number = try records.nextIncidentNumber()
            Thread.sleep(forTimeInterval: pause)   // holds the lock while the other replica asks for it
            try records.save(StoredIncident(incident: Incident(number: number, title: "Outage \(number)", room: "incident-20261124-outage-\(number)",
                                                               severity: .p2, declaredAt: TestConfig.start, declaredBy: "alice", policy: policy),
                                            home: .slack))
            return number
        }
        let first = Task { try await stores[0].write { try declare($0, pause: 0.5) } }
        try await Task.sleep(for: .milliseconds(150))
        let second = try await stores[1].write { try declare($0, pause: 0) }
        #expect(Set([try await first.value, second]) == [1, 2])
    }
}
