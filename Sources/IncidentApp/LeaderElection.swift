import IncidentEngine
import IncidentHTTP
import IncidentPostgres
import Logging
import ServiceLifecycle
import Synchronization

/// Runs the services only one replica may run (the scheduler, delivery, the Matrix sync loop,
/// Socket Mode) on whichever replica holds the lease, and stands by on the others. A term
/// begins when this process takes the lease and ends when it cannot renew it in time (it is
/// deposed, or cut off from the database) or the process stops; each term gets services made
/// afresh, so nothing one term learned about the outbox is trusted in the next. Stopping
/// gracefully gives the lease up, so a standby takes over at once.
final class LeaderElection: Service {
    let lease: PostgresLease
    /// How often a standby tries for the lease.
    let standbyPoll: Duration
    let role: ReplicaRole
    /// Whether the lease's own connection reaches the database, for readiness: with the
    /// database at `max_connections` the writer and reader kept theirs while the lease could
    /// not reconnect, so nobody led (no delivery, no pages) and every replica said ready.
    let health: LoopHealth
    let makeServices: @Sendable () -> [any Service]
    let logger: Logger
    private let stopping = Mutex(false)

    init(lease: PostgresLease, standbyPoll: Duration, role: ReplicaRole, health: LoopHealth = LoopHealth("the lease"), logger: Logger,
         makeServices: @escaping @Sendable () -> [any Service]) {
        self.lease = lease
        self.standbyPoll = standbyPoll
        self.role = role
        self.health = health
        self.makeServices = makeServices
        self.logger = logger
    }

    /// How the takeover time a team configures divides: a standby looks every tenth of it (at
    /// most every second), and the lease runs for the rest.
    static func timing(takeover: Duration) -> (lease: Duration, standbyPoll: Duration) {
        let poll = min(.seconds(1), takeover / 10)
        return (takeover - poll, poll)
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            var waitingSaid = false
            // Tried every poll while the database is away; a line a minute says it still is.
            let unreachableLog = LogThrottle(every: .seconds(60))
            var grace = OutageGrace(length: lease.length)
            while !stopping.withLock({ $0 }), !Task.isCancelled {
                let term: LeaseTerm?
                do {
                    term = try await lease.acquire(fromOthers: grace.takesFromOthers(at: .now))
                } catch {
                    health.failed("\(error)")
                    grace.failed(at: .now)
                    if let unlogged = unreachableLog.admit(at: LiveClock().now) {
                        logger.error("cannot reach the database for the leader's lease; standing by", metadata: [
                            "error": "\(error)", "replica": "\(lease.holder)", "failures.unlogged": "\(unlogged)",
                        ])
                    }
                    waitingSaid = false
                    try? await Task.sleep(for: standbyPoll)
                    continue
                }
                health.succeeded()
                if grace.reached(at: .now) {
                    logger.notice("the database is back; a lease that ran out naming another replica is left to it for a while", metadata: [
                        "replica": "\(lease.holder)", "grace": "\(lease.length)"])
                }
                guard let term else {
                    if !waitingSaid {
                        logger.notice(grace.takesFromOthers(at: .now) ? "standing by: another replica leads"
                                      : "standing by: another replica leads, or has the rest of its grace to take its lease back",
                                      metadata: ["replica": "\(lease.holder)"])
                    }
                    waitingSaid = true
                    try? await Task.sleep(for: standbyPoll)
                    continue
                }
                waitingSaid = false
                await lead(term)
            }
        } onGracefulShutdown: {
            self.stopping.withLock { $0 = true }
        }
        lease.close()
    }

    /// `/readyz`'s `lease` line: a replica whose lease connection has failed five polls in a
    /// row (about five seconds) can neither lead nor take over.
    static func readinessCheck(_ health: LoopHealth) -> AdminListener.Check {
        AdminListener.Check(name: "lease") { health.problem.map { "cannot reach the database: \($0)" } }
    }

    /// One term: the services, and beside them the renewals; whichever ends first ends both.
    func lead(_ term: LeaseTerm) async {
        logger.notice("leading", metadata: ["term": "\(term.token)", "replica": "\(lease.holder)"])
        let failed = ServiceFailed()
        role.lead(term.term)
        let services = makeServices()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await LeaderTerm.$current.withValue(term.term) {
                    await withTaskGroup(of: Void.self) { running in
                        for service in services {
                            running.addTask {
                                do {
                                    try await service.run()
                                } catch {
                                    // A service that fails ends the term: the next one (here or
                                    // on a standby) starts every service afresh.
                                    self.logger.error("a leader's service failed; ending the term", metadata: [
                                        "service": "\(type(of: service))", "error": "\(error)"])
                                    term.end()
                                    failed.flag.withLock { $0 = true }
                                }
                            }
                        }
                    }
                }
            }
            group.addTask { await self.keep(term) }
            await group.next()
            group.cancelAll()
        }

        term.end()
        role.standBy()
        await lease.release(term, toAnyone: stopping.withLock { $0 } || Task.isCancelled)
        logger.notice("no longer leading", metadata: ["term": "\(term.token)"])
        // After a failed service, a pause before trying again: a service that fails at once
        // must not spin the lease.
        if failed.flag.withLock({ $0 }) { try? await Task.sleep(for: .seconds(2)) }
    }

    /// Renews the lease four times a lease; returns when the term is over: the lease is
    /// another's, or it could not be renewed before it ran out. After a failed renewal (one
    /// that hung until its timeout, half a lease) the next is tried a quarter second later, not
    /// a quarter lease: waiting the usual quarter would let one hung renewal end a healthy term.
    func keep(_ term: LeaseTerm) async {
        let every = lease.length / 4
        var failed = false
        while !Task.isCancelled {
            try? await Task.sleep(for: failed ? min(every, .milliseconds(250)) : every)
            if Task.isCancelled { return }
            guard term.holds else {
                logger.error("the leader's lease ran out before it was renewed; standing down", metadata: ["term": "\(term.token)"])
                return
            }
            do {
                let renewed = try await lease.renew(term)
                failed = false
                if renewed == false {
                    term.end()
                    logger.warning("another replica took the lease; standing down", metadata: ["term": "\(term.token)"])
                    return
                }
            } catch {
                // Logged once a run of failures: retried four times a second, it would flood.
                if !failed { logger.error("cannot renew the leader's lease; retrying while it holds", metadata: ["error": "\(error)"]) }
                failed = true
            }
        }
    }
}

/// Whether a service of the term failed.
private final class ServiceFailed: Sendable {
    let flag = Mutex(false)
}
