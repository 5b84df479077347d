import IncidentEngine
import IncidentPostgres
import IncidentTesting
import Logging
import Testing

/// postgres-nio logs a login whole at trace, a SCRAM exchange's salt, nonce and client proof
/// with it (enough for a dictionary attack on the password): at `--log-level trace` the
/// store's connections still log nothing below debug.
@Suite struct PostgresLoginLogTests {
    @Test func theDriversTraceIsNotLoggedAtTraceLevel() async throws {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("trace") }
        let recorder = LogRecorder()
        recorder.logLevel = .trace
        let settings = cluster.settings(database)
        let store = try await TestTools.offPool { try PostgresStore(settings: settings, logger: recorder.logger) }
        try await store.write { try $0.markSeen(.slack, eventID: "traced", at: TestConfig.start) }
        let traced = recorder.lines.withLock { $0.filter { $0.hasPrefix("trace ") } }
        #expect(traced.isEmpty, "\(traced.count) lines at trace")
        withExtendedLifetime(store) {}
    }
}
