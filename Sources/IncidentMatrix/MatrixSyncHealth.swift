import Synchronization

/// How the `/sync` loop fares, for readiness: a homeserver that answers `whoami` but fails
/// every sync (a sync position it no longer knows, an answer too large to take) would
/// otherwise leave the bot deaf to Matrix while `/readyz` says all is well.
public final class MatrixSyncHealth: Sendable {
    /// Failed syncs in a row that make the loop unhealthy: with the retry backoff, about 30 s.
    public static let failuresBeforeUnready = 5
    private let state = Mutex<(failures: Int, reason: String)>((0, ""))

    public init() {}

    func succeeded() { state.withLock { $0 = (0, "") } }
    /// A loop that starts, or stops (a leader standing down), has failed nothing yet: a
    /// standby does not report the failures of the term it ended.
    func reset() { succeeded() }
    func failed(_ reason: String) { state.withLock { $0 = ($0.failures + 1, reason) } }

    /// Why the loop is unhealthy; nil while it syncs (or has failed only a few times, as
    /// through a homeserver's restart).
    public var problem: String? {
        state.withLock { state in
            state.failures >= Self.failuresBeforeUnready ? "sync failed \(state.failures) times in a row: \(state.reason)" : nil
        }
    }
}
