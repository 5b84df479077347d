import Synchronization

/// Whether this process leads (runs the scheduler, delivery and the inbound loops) or stands
/// by: what `/readyz` and the leader gauge tell. Alone on SQLite a process always leads.
public final class ReplicaRole: Sendable {
    private let leading: Mutex<Bool>

    public init(leading: Bool) { self.leading = Mutex(leading) }

    public var isLeader: Bool { leading.withLock { $0 } }
    func set(leading value: Bool) { leading.withLock { $0 = value } }

    public var name: String { isLeader ? "leader" : "standby" }
}
