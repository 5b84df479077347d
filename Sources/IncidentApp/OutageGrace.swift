/// What a replica that could not reach the database owes the replica that led, once it can
/// again. An outage both saw (the database restarting, a network fault) can outlast the lease;
/// the leader may have sent a text or a call just before it and could not record it, and only
/// its own process knows (`DeliveryMemory`). A standby that took the lease first would send
/// that page again. So for one lease length after it reaches the database again, a replica
/// takes no lease that names another: the one that led takes it back (it polls as often) and
/// records what it sent. If it does not come back, the lease goes to a standby one lease length
/// later than it would have.
struct OutageGrace {
    let length: Duration
    private var failing = false
    private var until: ContinuousClock.Instant?

    init(length: Duration) {
        self.length = length
    }

    /// Whether a lease that ran out while naming another replica may be taken now: not while
    /// the database is away (the first look that reaches it again), nor in the grace after.
    func takesFromOthers(at now: ContinuousClock.Instant) -> Bool {
        !failing && until.map { now >= $0 } ?? true
    }

    /// A look at the lease failed: the database is away.
    mutating func failed() {
        failing = true
        until = nil
    }

    /// A look at the lease succeeded; true when it is the first since the database was away,
    /// which starts the grace.
    mutating func reached(at now: ContinuousClock.Instant) -> Bool {
        guard failing else { return false }
        failing = false
        until = now + length
        return true
    }
}
