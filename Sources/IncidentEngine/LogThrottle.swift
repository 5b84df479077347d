import IncidentCore
import Synchronization

/// Lets one log line through per period and counts the rest, so a flood of bad requests
/// costs a line every `every`, not a line each: the doors on the HTTP listener, the lease, and
/// delivery's loops when they cannot record what they may send.
public final class LogThrottle: Sendable {
    let every: Duration
    let state = Mutex<(last: Timestamp?, unlogged: Int)>((nil, 0))

    public init(every: Duration) { self.every = every }

    /// nil when this occurrence should not be logged; otherwise how many went unlogged before it.
    public func admit(at now: Timestamp) -> Int? {
        state.withLock { state in
            if let last = state.last, now - last < every {
                state.unlogged += 1
                return nil
            }
            defer { state = (now, 0) }
            return state.unlogged
        }
    }
}
