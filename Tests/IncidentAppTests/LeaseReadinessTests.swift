@testable import IncidentApp
import IncidentEngine
import IncidentPostgres
import IncidentTesting
import Foundation
import Logging
import Testing

/// A replica whose lease cannot reach the database can neither lead nor take over, and says
/// so in `/readyz`. With PostgreSQL at `max_connections`, the writer and reader kept their
/// connections while the lease could not open one: nobody led, so nothing was delivered and
/// nobody paged, and every replica said ready.
@Suite struct LeaseReadinessTests {
    @Test func aLeaseThatCannotReachTheDatabaseMakesTheReplicaNotReady() async throws {
        var logger = Logger(label: "lease-test")
        logger.logLevel = .critical
        let refusing = try TestTools.refusingPort()
        defer { close(refusing.descriptor) }
        let nobody = PostgresSettings(host: "127.0.0.1", port: refusing.port, user: "incident", password: nil, database: "incident")
        let health = LoopHealth("the lease")
        let check = LeaderElection.readinessCheck(health)
        #expect(await check.run() == nil)
        let election = LeaderElection(lease: PostgresLease(settings: nobody, length: .seconds(9), logger: logger),
                                      standbyPoll: .milliseconds(10), role: ReplicaRole(leading: false), health: health, logger: logger) { [] }
        let running = Task { try await election.run() }
        defer { running.cancel() }
        // Alone, five refusals take well under a second. Under the whole suite's load on two
        // cores the session's queue waited behind other tests' blocked Dispatch workers, and
        // the fifth refusal came after more than 60 s, twice.
        let deadline = ContinuousClock.now + .seconds(180)
        while await check.run() == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let problem = try #require(await check.run())
        #expect(problem.hasPrefix("cannot reach the database: the lease failed"), "\(problem)")
    }
}
