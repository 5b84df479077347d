import Synchronization

/// This process's term as leader of replicas sharing one database: the lease's fencing token,
/// and whether the lease is certainly still held (`holds`, told by whoever keeps the lease,
/// on a clock of its own). The services only the leader runs (the scheduler, delivery, the
/// Matrix sync loop, Socket Mode) run with it as `LeaderTerm.current`: delivery sends nothing
/// once it no longer holds, and a shared store refuses to commit their writes unless the
/// database still names this token. A process alone on its database (SQLite) has no term and
/// always acts.
public final class LeaderTerm: Sendable {
    /// The lease's token: it grows with every change of leader, so a write fenced with an old
    /// one is refused.
    public let token: Int64
    /// The newest outbox item a leader before this term may have sent: the newest each marked
    /// before its sends (`markSendsThrough`), or, when a leader before marked nothing (an older
    /// version), the newest queued before the lease it held ran out. An item queued later (by
    /// a standby's command while no replica led, or after the leader last read the outbox) is
    /// none they sent. nil when not known (the first term on a database): then every item
    /// queued before delivery started may be (`Delivery.queuedBeforeStart`).
    public let newestItemEarlierLeadersCouldSend: Int64?
    private let held: @Sendable () -> Bool
    /// Records, where the next term will read it, that this one may send items up to an id;
    /// throws when it cannot (the term is over, the database did not answer). nil: nothing
    /// keeps such a mark (a term made by hand, in tests).
    private let recordSendable: (@Sendable (Int64) async throws -> Void)?
    /// The newest item recorded as this term's to send.
    private let sendableThrough = Mutex<Int64>(0)

    public init(token: Int64, newestItemEarlierLeadersCouldSend: Int64? = nil,
                recordSendable: (@Sendable (Int64) async throws -> Void)? = nil, held: @escaping @Sendable () -> Bool) {
        self.token = token
        self.newestItemEarlierLeadersCouldSend = newestItemEarlierLeadersCouldSend
        self.recordSendable = recordSendable
        self.held = held
    }

    /// Called before this term sends any outbox item up to `id`: records that it may, unless
    /// already recorded, so the next term knows which items it has to look for. Throws when
    /// that cannot be recorded; then none of them may be sent.
    public func markSendsThrough(_ id: Int64) async throws {
        guard let recordSendable, sendableThrough.withLock({ $0 < id }) else { return }
        try await recordSendable(id)
        sendableThrough.withLock { $0 = max($0, id) }
    }

    @TaskLocal public static var current: LeaderTerm?

    /// True while the lease is certainly held.
    public var holds: Bool { held() }

    /// Throws `Deposed` when the running task's term is over; does nothing for a process with
    /// no term. A send calls it at the last moment before its bytes leave the process (an HTTP
    /// body as the client takes it for a connection that is ready, a mail before the line that
    /// ends its DATA), so a leader paused between delivery's check and the send, while the
    /// request waited for its connection, sends nothing when it wakes.
    public static func mustStillLead() throws(Deposed) {
        try current?.mustHold()
    }

    /// Throws `Deposed` unless the lease is certainly held.
    public func mustHold() throws(Deposed) {
        guard holds else { throw Deposed(token: token) }
    }
}

/// A write or a send refused because this process's leader term is over.
public struct Deposed: Error, CustomStringConvertible {
    public var token: Int64
    public init(token: Int64) { self.token = token }
    public var description: String { "this process no longer leads (term \(token) is over)" }
}
