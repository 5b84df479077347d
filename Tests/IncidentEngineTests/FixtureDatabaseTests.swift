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
    }
}
