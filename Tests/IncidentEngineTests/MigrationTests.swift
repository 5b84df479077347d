import Foundation
import GRDB
import IncidentCommands
import IncidentCore
import IncidentEngine
import IncidentRules
import IncidentSQLite
import IncidentTesting
import Testing

@Suite struct MigrationTests {
    @Test func aNewDatabaseHasEveryMigration() throws {
        let queue = try DatabaseQueue()
        _ = try SQLiteStore(writer: queue)
        #expect(try queue.read { try Schema.migrator.appliedMigrations($0) } == Schema.versions)
        #expect(Schema.versions.count >= 2)
    }

    /// A database made by each earlier version, with an incident in it, opens and upgrades:
    /// the incident is still there, with its roles, and a new one can be declared beside it.
    @Test(arguments: Schema.versions.dropLast())
    func upgradesADatabaseMadeByAnEarlierVersion(version: String) async throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("old.sqlite").path
        let old = try DatabaseQueue(path: path)
        try Schema.migrator.migrate(old, upTo: version)
        let parsed = try CommandParser.parse("/incident declare Old outage --sev P2 --ic @carol").get()
        guard case .declare(let declaration) = parsed.command else { throw CancellationError() }
        let incident = try Incident.declare(declaration, number: 1, by: "alice", at: TestConfig.start,
                                            policy: TestConfig.policy(), roster: TestConfig.roster(), takenRooms: []).incident
        // Format 1, as versions before v5 wrote it: the record with its policy inside.
        var record = IncidentRecord(incident)
        record.policy = incident.policy
        let state = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        // The columns every version since v1 has.
        try await old.write { db in
            try db.execute(sql: """
                INSERT INTO incident (number, room, title, severity, phase, home, declared_at, next_due, state)
                VALUES (1, ?, 'Old outage', 'P2', 'investigating', 'slack', ?, ?, ?)
                """, arguments: [incident.room, incident.declaredAt.secondsSinceEpoch, incident.nextDue?.secondsSinceEpoch, state])
            try db.execute(sql: "INSERT INTO counter (name, value) VALUES ('incident', 1)")
            // From v2 on, the version that wrote the incident also wrote its roles.
            if try db.tableExists("participant") {
                try db.execute(sql: "INSERT INTO participant (incident, role, person) VALUES (1, 'ic', 'carol')")
            }
        }
        try old.close()

        let store = try SQLiteStore(path: path)
        let roles = try await store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT role, person FROM participant WHERE incident = 1")
                .map { "\($0["role"] as String) \($0["person"] as String)" }
        }
        #expect(roles == ["ic carol"])
        #expect(try await store.read { try $0.incident(1)?.incident.commander } == "carol")
        #expect(try await store.read { try $0.nextIncidentNumber() } == 2)
        #expect(try await store.writer.read { try Schema.migrator.appliedMigrations($0) } == Schema.versions)
    }
}
