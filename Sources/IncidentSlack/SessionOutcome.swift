import Synchronization

/// How a session is ending, as its messages say.
final class SessionOutcome: Sendable {
    private let state = Mutex<(end: SessionEnd, heardHello: Bool, abandoned: Bool)>((.dropped("closed before hello"), false, false))
    var value: SessionEnd { state.withLock { $0.end } }
    var heardHello: Bool { state.withLock { $0.heardHello } }
    /// Given up before `hello` (`SlackSocketMode.helloDeadline`): its connection, should it
    /// come after all, is closed at once.
    var abandoned: Bool { state.withLock { $0.abandoned } }
    func set(_ end: SessionEnd) { state.withLock { $0.end = end } }
    /// `hello` came: the session counts as connected from here (`SlackSocketMode.settled`).
    /// False when the session was given up first: it is to close.
    func hello(_ end: SessionEnd) -> Bool {
        state.withLock { state in
            guard !state.abandoned else { return false }
            state = (end, true, false)
            return true
        }
    }
    /// Gives the session up unless `hello` came first; true when it did give it up.
    func abandon() -> Bool {
        state.withLock { state in
            guard !state.heardHello else { return false }
            state.abandoned = true
            return true
        }
    }
}

/// How a Socket Mode session ended.
enum SessionEnd: Sendable {
    /// Slack asked to reconnect: at once when the session had `settled`, else after the backoff.
    case disconnectRequested(settled: Bool)
    /// Failed, before `hello` or within `settled` of it: with backoff, counted against readiness.
    case dropped(String)
    /// Closed after running `settled`: the backoff's first wait.
    case closedAfterRunning
}
