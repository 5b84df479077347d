@testable import IncidentApp
import IncidentEngine
import IncidentPostgres
import IncidentTesting
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Two replicas' elections on a real PostgreSQL, each reaching it through a proxy the test
/// cuts, as a database restart longer than the lease looks to both. The leader may have sent a
/// text or a call just before the outage and could not record it; only its process knows. If
/// the standby, back first, took the lease, it would send that page again. It now leaves the
/// lease to the replica that led for one lease length, unless that one gave it up by stopping.
@Suite(.serialized) struct LeaseAfterOutageTests {
    /// A replica: its election, reaching the database through its own proxy, and the terms
    /// it has led.
    final class Replica: Sendable {
        let proxy: CuttableProxy
        let role = ReplicaRole(leading: false)
        let terms = TermCount()
        let election: LeaderElection
        let running = Mutex<Task<Void, any Error>?>(nil)

        init(database: String, cluster: PostgresCluster, takeover: Duration) async throws {
            proxy = try await CuttableProxy(to: cluster.port)
            var logger = Logger(label: "lease-outage-test")
            logger.logLevel = ProcessInfo.processInfo.environment["LEASE_DEBUG"] != nil ? .debug : .critical
            let timing = LeaderElection.timing(takeover: takeover)
            let settings = PostgresSettings(host: "127.0.0.1", port: proxy.port, user: "postgres", password: nil, database: database)
            let terms = terms
            election = LeaderElection(lease: PostgresLease(settings: settings, length: timing.lease, logger: logger),
                                      standbyPoll: timing.standbyPoll, role: role, logger: logger) {
                terms.count.withLock { $0 += 1 }
                return [UntilCancelled()]
            }
        }

        func start() {
            let election = election
            running.withLock { $0 = Task { try await election.run() } }
        }

        func stop() async {
            let task = running.withLock { $0 }
            task?.cancel()
            _ = try? await task?.value
        }

        var leads: Bool { role.isLeader }
        var termsLed: Int { terms.count.withLock { $0 } }
    }

    final class TermCount: Sendable {
        let count = Mutex(0)
    }

    /// A leader's service that runs until its term ends.
    struct UntilCancelled: Service {
        func run() async throws {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(60)) }
        }
    }

    static func replicas(takeover: Duration) async throws -> (Replica, Replica) {
        let cluster = try await PostgresCluster.get()
        let database = try await TestTools.offPool { try cluster.database("outage") }
        // The lease's table, made by the store's migrations.
        _ = try await TestTools.offPool {
            try PostgresStore(settings: PostgresSettings(host: "127.0.0.1", port: cluster.port, user: "postgres", password: nil, database: database),
                              logger: Logger(label: "test"))
        }
        return (try await Replica(database: database, cluster: cluster, takeover: takeover),
                try await Replica(database: database, cluster: cluster, takeover: takeover))
    }

    /// Two replicas, the first leading and the second standing by.
    static func leaderAndStandby(takeover: Duration) async throws -> (leader: Replica, standby: Replica) {
        let (leader, standby) = try await replicas(takeover: takeover)
        leader.start()
        try await waitUntil(seconds: 20, "leading") { leader.leads }
        standby.start()
        return (leader, standby)
    }

    /// Both lose the database until the leader's term has run out and its lease has in the
    /// database too (it runs 5.4 s from the last renewal with a takeover of 6 s).
    static func outageBothSee(_ leader: Replica, _ standby: Replica) async throws {
        try await leader.proxy.cut()
        try await standby.proxy.cut()
        try await waitUntil(seconds: 15, "standing down") { !leader.leads }
        try await Task.sleep(for: .seconds(6))
    }

    static func waitUntil(seconds: Double, _ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !condition() {
            guard ContinuousClock.now < deadline else { throw TestTools.Failure("not \(what) within \(seconds) s") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// The grace on its own clock: it starts at the first look that reaches the database after
    /// one that failed, lasts one lease, and a failure while it runs does not start it again
    /// (on a link failing every few seconds, it would never end, and nobody would take over
    /// from a leader that died).
    @Test func theGraceEndsOnALinkThatKeepsFailing() {
        let start = ContinuousClock.now
        func at(_ seconds: Double) -> ContinuousClock.Instant { start + .milliseconds(Int(seconds * 1000)) }
        var grace = OutageGrace(length: .seconds(9))
        #expect(grace.takesFromOthers(at: at(0)), "a process that never lost the database owes nobody")
        grace.failed(at: at(1))
        #expect(!grace.takesFromOthers(at: at(2)))
        let started = grace.reached(at: at(3))
        #expect(started)
        #expect(!grace.takesFromOthers(at: at(11.9)))
        // It fails again at 8 s and comes back at 9 s: the grace still ends at 12 s.
        grace.failed(at: at(8))
        let startedAgain = grace.reached(at: at(9))
        #expect(!startedAgain)
        #expect(!grace.takesFromOthers(at: at(11.9)))
        #expect(grace.takesFromOthers(at: at(12)))
        // An outage after the grace is a new one.
        grace.failed(at: at(20))
        #expect(!grace.takesFromOthers(at: at(20.5)))
        let newOne = grace.reached(at: at(21))
        #expect(newOne)
        #expect(!grace.takesFromOthers(at: at(29.9)))
        #expect(grace.takesFromOthers(at: at(30)))
    }

    /// Both lose the database for longer than the lease; the standby's way back opens a second
    /// before the leader's. The leader takes its lease back, and the standby never leads.
    @Test func theReplicaThatLedTakesItsLeaseBackAfterAnOutageBothSaw() async throws {
        let (leader, standby) = try await Self.leaderAndStandby(takeover: .seconds(6))
        try await Task.sleep(for: .milliseconds(500))
        #expect(!standby.leads)
        try await Self.outageBothSee(leader, standby)

        try await standby.proxy.open()
        try await Task.sleep(for: .seconds(1))
        #expect(!standby.leads, "the standby took a lease the replica that led had no chance to take back")
        try await leader.proxy.open()
        try await Self.waitUntil(seconds: 10, "leading again") { leader.leads }
        try await Task.sleep(for: .seconds(4))
        #expect(leader.leads && leader.termsLed == 2)
        #expect(standby.termsLed == 0)
        await leader.stop()
        await standby.stop()
    }

    /// The replica that led does not come back: the standby takes over, one lease length after
    /// it reached the database again instead of at once.
    @Test func aStandbyTakesOverAfterTheGraceWhenTheReplicaThatLedIsGone() async throws {
        let (leader, standby) = try await Self.leaderAndStandby(takeover: .seconds(6))
        try await Self.outageBothSee(leader, standby)
        leader.proxy.stop()

        try await standby.proxy.open()
        try await Task.sleep(for: .seconds(1))
        #expect(!standby.leads, "still the grace")
        try await Self.waitUntil(seconds: 15, "taking over") { standby.leads }
        await standby.stop()
        await leader.stop()
    }

    /// A replica that stops names nobody in the lease: a standby still in its grace takes it at
    /// once. Here the grace is 9 s, and the standby leads well before it ends.
    @Test func aLeaseGivenUpByAStopIsTakenInTheGrace() async throws {
        let (leader, standby) = try await Self.leaderAndStandby(takeover: .seconds(10))
        try await standby.proxy.cut()
        try await Task.sleep(for: .seconds(3))
        try await standby.proxy.open()
        try await Task.sleep(for: .milliseconds(1500))
        await leader.stop()
        try await Self.waitUntil(seconds: 6, "taking over a lease given up") { standby.leads }
        await standby.stop()
    }
}
