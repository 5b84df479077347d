import IncidentCore

/// How long to wait after failures in a row: `first`, doubled with each failure, never longer
/// than `ceiling`, and scaled by a jitter factor in 0.5...1 when one is given, so that many
/// waiters retrying together spread out. The one backoff of the bot: delivery retries, the
/// Matrix `/sync` loop and Socket Mode reconnects all wait by it, on the injected clock.
public struct Backoff: Hashable, Sendable {
    public var first: Duration
    public var ceiling: Duration

    public init(first: Duration, ceiling: Duration) {
        self.first = first
        self.ceiling = max(ceiling, first)
    }

    /// The wait after `failures` failures in a row (1: the first failure waits `first`).
    /// `jitter` in 0...1 scales it to between half and all of that; 1 leaves it whole.
    public func delay(afterFailures failures: Int, jitter: Double = 1) -> Duration {
        let doublings = min(max(failures - 1, 0), 30)
        let whole = min(first * (1 << doublings), ceiling)
        return whole * (0.5 + 0.5 * min(max(jitter, 0), 1))
    }
}

extension Backoff {
    /// A chat platform's connection after a failure (Matrix `/sync`, Slack Socket Mode): 1 s
    /// doubling to 5 s. While the platform is down the ladders climb, and an acknowledgement
    /// typed the moment it is back must be read before the next page falls due, not up to a
    /// minute later (audit s84b). About 12 tries a minute through a long outage; a platform
    /// that wants fewer says so (`Retry-After`, `retry_after_ms`), and is heeded.
    public static var reconnection: Backoff { Backoff(first: .seconds(1), ceiling: .seconds(5)) }
    /// The same connection when fast tries would not help: the platform refuses the bot's
    /// setup (a token refused: the operator's to fix), or asks to be left alone. 1 s doubling
    /// to a minute.
    public static var slowReconnection: Backoff { Backoff(first: .seconds(1), ceiling: .seconds(60)) }
}

extension IncidentClock {
    /// Waits `duration` on this clock's whole seconds, to the first at which it is over
    /// (`instant(after:)`): a backoff's wait, which a test moves past with the manual clock
    /// instead of sleeping.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: instant(after: max(duration, .zero)))
    }
}
