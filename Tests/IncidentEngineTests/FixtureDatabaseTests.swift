import Foundation
import GRDB
import IncidentCore
import IncidentEngine
import IncidentRules
import IncidentSQLite
import IncidentTesting
import Testing

/// Databases made by released versions, checked in as files (`Tests/Fixtures/databases/`),
/// open in this version with everything they held: the incidents, their timelines, the
/// delivered outbox. Each was made by that version's console with the drill in the fixture's
/// folder README, never rebuilt with today's encoder.
@Suite struct FixtureDatabaseTests {
    static let folder = TestConfig.repository.appendingPathComponent("Tests/Fixtures/databases")

    /// A private copy: the checked-in file is never migrated in place.
    static func open(_ name: String) throws -> SQLiteStore {
        let copy = try TestConfig.temporaryDirectory().appendingPathComponent(name)
        try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: copy)
        return try SQLiteStore(path: copy.path)
    }

    @Test func aDatabaseVersion0_13_0MadeOpensWithEverythingItHeld() async throws {
        let store = try Self.open("incident-bot-0.13.0.sqlite")
        let (first, second, timeline, pending) = try await store.read { records in
            (try records.incident(1), try records.incident(2), try records.timeline(incident: 1), try records.pendingOutbox(limit: 10))
        }
        let payments = try #require(first).incident
        #expect(payments.title == "Payment API errors" && payments.severity == .p1 && payments.phase == .resolved)
        #expect(payments.commander == "carol" && payments.acknowledgedBy == ["alice", "carol"])
        #expect(payments.summary == "rolled back the deploy")
        let search = try #require(second).incident
        #expect(search.title == "Search is slow" && search.severity == .p3 && search.phase == .investigating)
        #expect(timeline.contains { $0.kind == .acknowledged && $0.text == "Acknowledged by @alice (/ack)." })
        #expect(timeline.contains { $0.kind == .resolved })
        #expect(pending.isEmpty)
        // Migration v5 rewrote every incident as a record referring to its stored policy.
        let (oldFormat, policies) = try await store.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM incident WHERE format <> 2 OR policy IS NULL"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM policy"))
        }
        #expect(oldFormat == 0 && policies == 1)
        try await Self.expectEveryJobReadsBack(store, count: 22)
    }

    /// The last schema before migration v7 moved outbox jobs to a table of their own.
    @Test func aDatabaseOfSchemaV6OpensWithEverythingItHeld() async throws {
        let store = try Self.open("incident-bot-0.14.0-dev-schema-v6.sqlite")
        let (first, second, pending) = try await store.read { records in
            (try records.incident(1), try records.incident(2), try records.pendingOutbox(limit: 10))
        }
        let payments = try #require(first).incident
        #expect(payments.title == "Payment API errors" && payments.phase == .resolved && payments.commander == "carol")
        #expect(try #require(second).incident.title == "Search is slow")
        #expect(pending.isEmpty)
        try await Self.expectEveryJobReadsBack(store, count: 23)
    }

    /// Every delivered item of the file is listed with its job read back (migration v7 moved
    /// the jobs out of the outbox's rows), and no job is left without its row or the reverse.
    static func expectEveryJobReadsBack(_ store: SQLiteStore, count: Int) async throws {
        let listed = try await store.read { try $0.outboxListing(.delivered, limit: 100) }
        #expect(listed.count == count)
        #expect(listed.allSatisfy { $0.item != nil }, "\(listed.filter { $0.item == nil }.map(\.key))")
        #expect(listed.contains { if case .effect(.page(let page)) = $0.item?.job { page.person == "alice" } else { false } })
        let (rows, jobs, unmatched) = try await store.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox"), try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_job"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_job WHERE id NOT IN (SELECT id FROM outbox)"))
        }
        #expect(rows == count && jobs == count && unmatched == 0)
    }
}
