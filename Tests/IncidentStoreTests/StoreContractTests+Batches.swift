import Foundation
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentTesting
import Testing

/// Reads and writes of more rows than one statement takes: each is whole, on both stores.
extension StoreContractTests {
    /// `incident-bot outbox --limit 40000`: more items than SQLite takes variables in one
    /// statement (32,766) are listed whole, each decoded; the listing failed with "too many SQL
    /// variables". SQLite's limit only: PostgreSQL is sent the ids as one array.
    @Test(arguments: [StoreKind.sqlite])
    func aListingOfMoreItemsThanOneStatementTakesIsWhole(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let count = 33_000
        try await store.write { records in try records.enqueue((0..<count).map { Self.item("k\($0)", lane: "lane\($0 % 7)") }) }
        let listed = try await store.read { try $0.outboxListing(.pending, limit: 40_000) }
        #expect(listed.count == count)
        #expect(listed.allSatisfy { $0.item != nil })
    }
}

extension StoreContractTests {
    /// A round's sends marked delivered together: every pending one, each with its own time,
    /// past the most one statement marks; one given up meanwhile stays given up.
    @Test(arguments: StoreKind.allCases)
    func sendsMarkedTogetherAreEachMarked(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        try await store.write { records in try records.enqueue((0..<150).map { Self.item("k\($0)", lane: "lane\($0 % 3)") }) }
        let ids = try await store.read { try $0.pendingOutbox(limit: 200).map { ($0.key, $0.id!) } }
        let given = try #require(ids.first { $0.0 == "k7" }?.1)
        try await store.write { try $0.markFailed(given, reason: "operator", at: TestConfig.at(1)) }
        let sent = ids.filter { $0.0 != "k149" }.map { (key, id) in (id: id, at: TestConfig.at(key.hasSuffix("5") ? 3 : 2)) }
        try await store.write { try $0.markDelivered(sent) }
        let finished = try await store.read { try $0.outboxListing(.delivered, limit: 200) }
        #expect(finished.count == 148)
        #expect(finished.allSatisfy { $0.finishedAt == TestConfig.at($0.key.hasSuffix("5") ? 3 : 2) })
        #expect(try await store.read { try $0.pendingOutbox(limit: 200).map(\.key) } == ["k149"])
        #expect(try await store.read { try $0.outboxListing(.failed, limit: 10).map(\.key) } == ["k7"])
    }
}

extension StoreContractTests {
    /// The heads read in one statement: each lane's first pending items up to the limit, an
    /// item no longer pending passed over, in the order they were queued.
    @Test(arguments: StoreKind.allCases)
    func eachLanesHeadsAreItsFirstPendingItems(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let queued = ["x1", "z1", "x2", "y1", "x3", "z2", "x4", "z3", "x5"]
        try await store.write { records in try records.enqueue(queued.map { Self.item($0, lane: "lane-" + $0.prefix(1)) }) }
        let z1 = try #require(try await store.read { try $0.pendingOutbox(limit: 20) }.first { $0.key == "z1" }?.id)
        try await store.write { try $0.markDelivered(z1, at: TestConfig.at(1)) }
        #expect(try await store.read { try $0.outboxHeads(perLane: 2).items.map(\.key) } == ["x1", "x2", "y1", "z2", "z3"])
        #expect(try await store.read { try $0.outboxHeads(perLane: 1).items.map(\.key) } == ["x1", "y1", "z2"])
        #expect(try await store.read { try $0.outboxHeads(perLane: 9).items.count } == 8)
    }
}

extension StoreContractTests {
    /// A batch of events looked up together, more than one statement names: exactly the ones
    /// seen on that door are found.
    @Test(arguments: StoreKind.allCases)
    func aLargeBatchOfEventsIsLookedUpWhole(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let ids = (0..<150).map { "Ev\($0)" }
        try await store.write { records in
            for id in ids where id.hasSuffix("3") || id.hasSuffix("7") { try records.markSeen(.slack, eventID: id, at: TestConfig.at(1)) }
            try records.markSeen(.matrix, eventID: "Ev1", at: TestConfig.at(1))
        }
        let found = try await store.read { try $0.seen(.slack, among: ids + ["Ev3"]) }
        #expect(found == Set(ids.filter { $0.hasSuffix("3") || $0.hasSuffix("7") }))
        #expect(try await store.read { try $0.seen(.matrix, among: ids) } == ["Ev1"])
    }
}
