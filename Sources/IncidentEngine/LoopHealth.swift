import Synchronization

/// How a loop that keeps the bot listening fares, for readiness: Matrix's `/sync` loop, Slack's
/// Socket Mode connection. A homeserver that answers `whoami` but fails every sync, or a Slack
/// that accepts the bot token but whose Socket Mode connection keeps failing (a revoked
/// app-level token, a socket that dies after `hello`), would otherwise leave the bot deaf to
/// that platform while `/readyz` says all is well.
public final class LoopHealth: Sendable {
    /// Failures in a row that make the loop unhealthy: with the loops' retry backoff, about 12 s
    /// of waits for Matrix's sync (1 s doubling to 5 s) and 15 s for Socket Mode (to 30 s).
    public static let failuresBeforeUnready = 5
    /// What fails, as the problem names it: `sync`, `connection`.
    let what: String
    private let state = Mutex<(failures: Int, reason: String)>((0, ""))

    public init(_ what: String) {
        self.what = what
    }

    public func succeeded() { state.withLock { $0 = (0, "") } }
    /// A loop that starts, or stops (a leader standing down), has failed nothing yet: a
    /// standby does not report the failures of the term it ended.
    public func reset() { succeeded() }
    public func failed(_ reason: String) { state.withLock { $0 = ($0.failures + 1, reason) } }

    /// Why the loop is unhealthy; nil while it runs (or has failed only a few times, as
    /// through a server's restart).
    public var problem: String? {
        state.withLock { state in
            state.failures >= Self.failuresBeforeUnready ? "\(what) failed \(state.failures) times in a row: \(state.reason)" : nil
        }
    }
}
