import Foundation
import IncidentCore
import IncidentEngine
import IncidentPolicy
import IncidentRules
import IncidentTesting
import Testing

/// The store contract for replicas declaring at once, participants, unreadable rows and
/// large transactions.
extension StoreContractTests {
    /// Two processes on one database declare at once: every declaration gets its own number
    /// and room, none is lost.
    @Test(arguments: StoreKind.allCases)
    func replicasDeclaringAtOnceGetDistinctNumbers(kind: StoreKind) async throws {
        let stores = try await kind.makeStores(replicas: 2)
        let bots = try stores.map { try TestBot(store: $0) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, bot) in bots.enumerated() {
                for n in 0..<20 {
                    group.addTask { try await bot.say("U0ERIN005", "/incident declare Outage \(index)-\(n) --sev P3", eventID: "E\(index)-\(n)") }
                }
            }
            try await group.waitForAll()
        }
        let incidents = try await stores[0].read { try $0.openIncidents() }
        #expect(incidents.map(\.incident.number) == Array(1...40))
        #expect(Set(incidents.map(\.incident.room)).count == 40)
    }

    /// The participant rows hold each incident's roles as its state does, whether a save
    /// changed them (a new IC) or not (a note), and the counter never hands a number out twice.
    @Test(arguments: StoreKind.allCases)
    func participantRowsFollowTheRoles(kind: StoreKind) async throws {
        let (store, query) = try await kind.makeStoreWithQuery()
        let bot = try TestBot(store: store)
        try await bot.say("U0ALICE01", "/incident declare Checkout is failing --sev P1 --ic @alice")
        try await bot.say("U0ALICE01", "/incident declare Search is slow --sev P3")
        let roles = { (number: Int) in
            try await query("SELECT role || ':' || person FROM participant WHERE incident = \(number) ORDER BY role")
        }
        #expect(try await roles(1) == ["ic:alice"])
        #expect(try await roles(2).isEmpty)
        try await bot.say("U0ALICE01", "/note INC-1 a save that leaves the roles as they are")
        #expect(try await roles(1) == ["ic:alice"])
        try await bot.say("U0ALICE01", "/ic INC-1 @bob")
        try await bot.say("U0ALICE01", "/ic INC-2 @alice")
        #expect(try await roles(1) == ["ic:bob"])
        #expect(try await roles(2) == ["ic:alice"])
        #expect(try await query("SELECT value FROM counter WHERE name = 'incident'") == ["2"])
        try await bot.say("U0ALICE01", "/incident declare Mail is late --sev P3")
        #expect(try await query("SELECT value FROM counter WHERE name = 'incident'") == ["3"])
        #expect(try await bot.store.read { try $0.nextIncidentNumber() } == 4)
    }

    /// A due incident whose row this version cannot read (a newer format) comes back apart from
    /// the others, and is left out when the scheduler asks to skip it.
    @Test(arguments: StoreKind.allCases)
    func anUnreadableDueIncidentComesBackApart(kind: StoreKind) async throws {
        let (store, query) = try await kind.makeStoreWithQuery()
        let bot = try TestBot(store: store)
        try await bot.say("U0ALICE01", "/incident declare Checkout is failing --sev P1")
        try await bot.say("U0ALICE01", "/incident declare Search is slow --sev P2")
        _ = try await query("UPDATE incident SET format = 99 WHERE number = 1")
        let later = TestConfig.at(24 * 60)
        let due = try await store.read { try $0.incidentsDue(at: later, limit: 10, skipping: []) }
        #expect(due.incidents.map(\.incident.number) == [2])
        #expect(due.unreadable.map(\.number) == [1] && due.unreadable[0].reason.contains("format 99"), "\(due.unreadable)")
        let skipping = try await store.read { records in
            (try records.incidentsDue(at: later, limit: 10, skipping: [1]), try records.earliestDue(skipping: [1]), try records.earliestDue())
        }
        #expect(skipping.0.incidents.map(\.incident.number) == [2] && skipping.0.unreadable.isEmpty)
        let second = try #require(try await store.read { try $0.incidentsDue(at: later, limit: 10, skipping: [1]).incidents.first })
        #expect(skipping.1 == second.incident.nextDue)
        #expect(try #require(skipping.2) < second.incident.nextDue!, "the first incident, a P1, is due sooner")
    }

    /// Many rows in one transaction, NULLs and repeated keys among them (PostgreSQL sends each
    /// table's as one statement; `PendingRowsTests` splits one at the limit of parameters):
    /// the transaction reads back every row it wrote, in order, a repeated key or event id is
    /// ignored, and so after the commit.
    @Test(arguments: StoreKind.allCases)
    func manyRowsInOneTransactionAreAllWritten(kind: StoreKind) async throws {
        let store = try await kind.makeStore()
        let policy = try TestConfig.policy()
        let keys = 300
        let events = 2_000
        let entries = (0..<300).map { n in
            TimelineEntry(at: TestConfig.at(n), author: n % 2 == 0 ? nil : "alice", kind: .note, text: "entry \(n) ’quoted’ $1 \\")
        }
        @Sendable func look(_ records: any IncidentRecords) throws -> (outbox: [String], timeline: [TimelineEntry], seen: Int) {
            (try records.pendingOutbox(limit: 2 * keys).map(\.key), try records.timeline(incident: 1),
             try records.seen(.slack, among: (0..<events + 10).map { "E\($0)" }).count)
        }
        let during = try await store.write { records in
            try records.save(Self.outage(1, policy: policy))
            try records.enqueue((0..<keys + 50).map { Self.item("k\($0 % keys)", lane: "lane-\($0 % 3)") })
            try records.appendTimeline(entries, incident: 1)
            for n in 0..<events + 500 { try records.markSeen(.slack, eventID: "E\(n % events)", at: TestConfig.start) }
            return try look(records)
        }
        let after = try await store.read(look)
        for seen in [during, after] {
            #expect(seen.outbox == (0..<keys).map { "k\($0)" })
            #expect(seen.timeline == entries)
            #expect(seen.seen == events)
        }
    }
}
