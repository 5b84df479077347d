import IncidentEngine
import Synchronization

/// A term as the lease keeper sees it: the engine's `LeaderTerm`, and the deadline by this
/// process's monotonic clock until which the lease is certainly held. The clock runs on while
/// the process is paused (SIGSTOP) or starved, so a leader that wakes late finds its term over
/// before it could act on it.
public final class LeaseTerm: Sendable {
    public let term: LeaderTerm
    private let deadline: Deadline

    final class Deadline: Sendable {
        let instant: Mutex<ContinuousClock.Instant>
        init(_ instant: ContinuousClock.Instant) { self.instant = Mutex(instant) }
        var notPassed: Bool { ContinuousClock.now < instant.withLock { $0 } }
    }

    /// `heldUntil`: when the lease granted just now may run out, by this clock.
    init(token: Int64, heldUntil: ContinuousClock.Instant) {
        let deadline = Deadline(heldUntil)
        self.deadline = deadline
        term = LeaderTerm(token: token) { deadline.notPassed }
    }

    public var token: Int64 { term.token }
    public var holds: Bool { deadline.notPassed }

    /// After a renewal: held until `instant`.
    func extend(to instant: ContinuousClock.Instant) {
        deadline.instant.withLock { $0 = max($0, instant) }
    }

    /// Ends the term at once (deposed, or stepping down).
    public func end() {
        deadline.instant.withLock { $0 = .now - .seconds(1) }
    }
}
