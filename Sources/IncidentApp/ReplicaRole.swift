import IncidentEngine
import Synchronization

/// Whether this process leads (runs the scheduler, delivery and the inbound loops) or stands
/// by: what `/readyz` and the leader gauge tell. Alone on SQLite a process always leads. On
/// PostgreSQL a leader is one only while its term holds: a term whose lease ran out reads as
/// standby at once, while its services are still winding down (a store call stuck on a
/// database that stopped answering can take 20 seconds), since another replica may lead by then.
public final class ReplicaRole: Sendable {
    private struct State {
        var leading: Bool
        var term: LeaderTerm?
    }

    private let state: Mutex<State>

    public init(leading: Bool) { state = Mutex(State(leading: leading)) }

    public var isLeader: Bool { state.withLock { $0.leading && ($0.term?.holds ?? true) } }

    /// Leading for `term`, while it holds.
    func lead(_ term: LeaderTerm) { state.withLock { $0 = State(leading: true, term: term) } }

    func standBy() { state.withLock { $0 = State(leading: false) } }

    public var name: String { isLeader ? "leader" : "standby" }
}
