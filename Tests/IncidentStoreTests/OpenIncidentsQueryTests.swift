import GRDB
import IncidentRules
import IncidentSQLite
import IncidentStorage
import IncidentTesting
import Testing

/// The open incidents are found through the `incident_open` index, not by reading every
/// incident ever declared: an SMS `ACK` and `/incident list` ask for them, and a bot of some
/// years holds tens of thousands of closed ones.
@Suite struct OpenIncidentsQueryTests {
    @Test func theOpenPhasesAreEveryPhaseButClosed() {
        #expect(OpenPhases.phases == [.investigating, .mitigated, .resolved])
        #expect(OpenPhases.sqlList == "('investigating', 'mitigated', 'resolved')")
    }

    @Test func sqliteFindsThemThroughTheIndex() throws {
        let path = try TestConfig.temporaryDirectory().appendingPathComponent("bot.sqlite").path
        _ = try SQLiteStore(path: path)
        let plan = try DatabaseQueue(path: path).read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT number, state FROM incident WHERE phase IN \(OpenPhases.sqlList) ORDER BY number")
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.hasPrefix("SEARCH incident USING INDEX incident_open") }, "\(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN incident") }, "\(plan)")
    }
}
