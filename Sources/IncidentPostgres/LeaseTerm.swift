import IncidentEngine
import Synchronization

/// A term as the lease keeper sees it: the engine's `LeaderTerm`, and the deadline by this
/// process's monotonic clock until which the lease is certainly held. The clock runs on while
/// the process is paused (SIGSTOP) or starved, so a leader that wakes late finds its term over
/// before it could act on it.
public final class LeaseTerm: Sendable {
    public let term: LeaderTerm
    private let deadline: Deadline

    /// The instant, and whether the term was ended: an ended term stays ended, whatever a
    /// renewal that was under way as it ended brings back.
    final class Deadline: Sendable {
        struct State {
            var instant: ContinuousClock.Instant
            var ended = false
        }
        let state: Mutex<State>
        init(_ instant: ContinuousClock.Instant) { state = Mutex(State(instant: instant)) }
        var notPassed: Bool { state.withLock { !$0.ended && ContinuousClock.now < $0.instant } }
    }

    /// `heldUntil`: when the lease granted just now may run out, by this clock.
    /// `newestItemEarlierLeadersCouldSend`, `raiseMark`: as `LeaderTerm` has them.
    init(token: Int64, heldUntil: ContinuousClock.Instant, newestItemEarlierLeadersCouldSend: Int64? = nil,
         raiseMark: (@Sendable (Int64) async throws -> Void)? = nil) {
        let deadline = Deadline(heldUntil)
        self.deadline = deadline
        term = LeaderTerm(token: token, newestItemEarlierLeadersCouldSend: newestItemEarlierLeadersCouldSend,
                          raiseMark: raiseMark) { deadline.notPassed }
    }

    public var token: Int64 { term.token }
    public var holds: Bool { deadline.notPassed }

    /// After a renewal: held until `instant`, unless the term was ended meanwhile or its
    /// deadline passed while the renewal was under way. A term that has once looked over stays
    /// over: delivery may have stopped a send halfway as deposed, and a term that came back
    /// would try that send again as if it had never started.
    func extend(to instant: ContinuousClock.Instant) {
        deadline.state.withLock { state in
            if ContinuousClock.now >= state.instant { state.ended = true }
            if !state.ended { state.instant = max(state.instant, instant) }
        }
    }

    /// Ends the term at once, for good (deposed, or stepping down).
    public func end() {
        deadline.state.withLock { $0.ended = true }
    }
}
