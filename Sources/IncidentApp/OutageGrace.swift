/// What a replica that could not reach the database owes the replica that led, once it can
/// again. An outage both saw (the database restarting, a network fault) can outlast the lease;
/// the leader may have sent a text or a call just before it and could not record it, and only
/// its own process knows (`DeliveryMemory`). A standby that took the lease first would send
/// that page again. So for one lease length after it reaches the database again, a replica
/// takes no lease that names another: the one that led takes it back (it polls as often) and
/// records what it sent. If it does not come back, the lease goes to a standby one lease length
/// later than it would have.
///
/// A failure while the grace runs does not start it again: on a link that fails every few
/// seconds, a grace started anew at each failure would never end, and a standby would never
/// take over from a leader that died.
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

    /// A look at the lease failed: the database is away. An outage after the grace has ended
    /// is a new one, with a grace of its own.
    mutating func failed(at now: ContinuousClock.Instant) {
        failing = true
        if let until, now >= until { self.until = nil }
    }

    /// A look at the lease succeeded; true when it starts a grace (the first since the
    /// database was away, and no grace running).
    mutating func reached(at now: ContinuousClock.Instant) -> Bool {
        guard failing else { return false }
        failing = false
        guard until == nil else { return false }
        until = now + length
        return true
    }
}
