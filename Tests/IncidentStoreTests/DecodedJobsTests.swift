import IncidentEngine
@testable import IncidentPostgres
@testable import IncidentSQLite
import IncidentStorage
import IncidentTesting
import Testing

/// The jobs a store keeps decoded are those that may still be sent: a finished item's is let
/// go of once its mark commits, and kept when the mark rolls back.
@Suite struct DecodedJobsTests {
    struct RolledBack: Error {}

    func decoded(_ store: any IncidentStore) -> Int {
        if let store = store as? SQLiteStore { return store.jobs.count }
        if let store = store as? PostgresStore { return store.jobs.count }
        Issue.record("no decoded jobs in \(type(of: store))")
        return -1
    }

    @Test(arguments: StoreKind.allCases)
    func aFinishedItemsJobIsLetGoOnceItsMarkCommits(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.write { records in try records.enqueue((0..<4).map { StoreContractTests.item("k\($0)", lane: "lane\($0)") }) }
        let heads = try await store.read { try $0.outboxHeads(perLane: 4).items }
        #expect(heads.count == 4)
        #expect(decoded(store) == 4)
        let ids = heads.compactMap(\.id)

        await #expect(throws: RolledBack.self) {
            try await store.write { records in
                try records.markDelivered([(id: ids[0], at: TestConfig.at(1))])
                throw RolledBack()
            }
        }
        #expect(decoded(store) == 4)

        try await store.write { try $0.markDelivered([(id: ids[0], at: TestConfig.at(1)), (id: ids[1], at: TestConfig.at(1))]) }
        #expect(decoded(store) == 2)
        try await store.write { try $0.markDelivered(ids[2], at: TestConfig.at(2)) }
        try await store.write { try $0.markFailed(ids[3], reason: "operator", at: TestConfig.at(2)) }
        #expect(decoded(store) == 0)
        // What is left pending still reads whole: nothing here was pending.
        #expect(try await store.read { try $0.outboxHeads(perLane: 4).items }.isEmpty)
    }
}
