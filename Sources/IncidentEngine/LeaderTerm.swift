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
    /// The newest outbox item a leader before this term may have sent, as the lease told it
    /// when the term began: the lower of the newest each leader marked before its sends
    /// (`markSendsThrough`; trusted only when the term just before kept the mark, which an
    /// older version does not) and the newest queued before the lease it took over ran out. An
    /// item queued later (by a standby's command while the leader lay dead or no replica led)
    /// is none they sent. nil when not known (the first term on a database, or the lease could
    /// not be read as the term began): then every item queued before delivery started may be
    /// (`Delivery.queuedBeforeStart`).
    public let newestItemEarlierLeadersCouldSend: Int64?
    private let held: @Sendable () -> Bool
    /// Raises, where the next term will read it, the newest item this one may send; throws
    /// when it cannot (the term is over, the database did not answer). nil: nothing keeps such
    /// a mark (a single process on SQLite, a term made by hand in tests).
    private let raiseMark: (@Sendable (Int64) async throws -> Void)?
    /// The mark as last raised, and the raise under way: one at a time, so delivery's loops
    /// never queue several on the lease's connection ahead of a renewal.
    private let marked: Mutex<(through: Int64, raising: Task<Int64, any Error>?)>

    public init(token: Int64, newestItemEarlierLeadersCouldSend: Int64? = nil,
                raiseMark: (@Sendable (Int64) async throws -> Void)? = nil, held: @escaping @Sendable () -> Bool) {
        self.token = token
        self.newestItemEarlierLeadersCouldSend = newestItemEarlierLeadersCouldSend
        self.raiseMark = raiseMark
        self.held = held
        marked = Mutex((newestItemEarlierLeadersCouldSend ?? 0, nil))
    }

    /// Called before this term sends any outbox item up to `id`: raises the mark to it unless
    /// it is there already, so the next term knows which items it has to look for. Throws
    /// when that cannot be recorded (then only those up to `markedThrough` may be sent), and
    /// without trying once the term no longer holds.
    public func markSendsThrough(_ id: Int64) async throws {
        guard let raiseMark else { return }
        while true {
            try mustHold()
            enum Step { case done, wait(Task<Int64, any Error>), raise(Task<Int64, any Error>) }
            let step = marked.withLock { marked -> Step in
                if marked.through >= id { return .done }
                if let raising = marked.raising { return .wait(raising) }
                let raising = Task { try await raiseMark(id); return id }
                marked.raising = raising
                return .raise(raising)
            }
            switch step {
            case .done:
                return
            case .wait(let raising):
                // Another loop's raise: its failure is this one's too.
                _ = try await raising.value
            case .raise(let raising):
                let result = await raising.result
                marked.withLock { marked in
                    marked.raising = nil
                    if case .success(let through) = result { marked.through = max(marked.through, through) }
                }
                _ = try result.get()
            }
        }
    }

    /// The newest outbox item this term has recorded it may send (or was given as its
    /// earlier leaders' bound): the next term looks for any item up to it.
    public var markedThrough: Int64 { marked.withLock { $0.through } }

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
