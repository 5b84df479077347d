import Foundation
import IncidentPostgres
import IncidentTesting
import Logging
import Testing

/// Replicas see each other's policy and roster files through their connections' names in
/// `pg_stat_activity`: while connected, on the same database only.
@Suite struct ReplicaFilesTests {
    @Test func replicasOnOneDatabaseSeeThoseOnOtherFilesWhileConnected() async throws {
        let cluster = try await PostgresCluster.get()
        let (database, elsewhere) = try await TestTools.offPool { (try cluster.database("replicafiles"), try cluster.database("replicaelsewhere")) }
        func connect(_ tag: ReplicaTag, to database: String) async throws -> PostgresStore {
            var settings = cluster.settings(database)
            settings.replica = tag
            let tagged = settings
            return try await TestTools.offPool { try PostgresStore(settings: tagged, logger: Logger(label: "test")) }
        }
        let first = ReplicaTag(id: "0000000a", filesDigest: "111111111111aaaa")
        let second = ReplicaTag(id: "0000000b", filesDigest: "222222222222aaaa")
        let third = ReplicaTag(id: "0000000c", filesDigest: "111111111111bbbb")
        let stores = try await [connect(first, to: database), connect(second, to: database), connect(third, to: database),
                                connect(ReplicaTag(id: "0000000d", filesDigest: "333333333333"), to: elsewhere)]
        defer { for store in stores { store.close() } }

        #expect(third.files == first.files, "the first twelve digits name the files")
        #expect(try await stores[0].replicasOnOtherFiles(than: first) == [ReplicaOnOtherFiles(tag: second, address: "127.0.0.1")])
        #expect(try await stores[1].replicasOnOtherFiles(than: second).map(\.tag) == [first, third])
        #expect(try await stores[2].replicasOnOtherFiles(than: third).map(\.tag) == [second])

        // One that leaves is seen no more, once the server has ended its connections.
        stores[1].close()
        let deadline = ContinuousClock.now + TestTools.patience
        while try await !stores[0].replicasOnOtherFiles(than: first).isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await stores[0].replicasOnOtherFiles(than: first).isEmpty)
    }
}
