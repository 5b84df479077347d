import IncidentCore
import IncidentEngine
import Synchronization

/// Outbox jobs already decoded, by outbox id: a job is written once and never changes, and an
/// id is never given to another row once committed, so delivery, which reads the heads of
/// every lane again whenever anything new is queued, decodes each job's JSON once instead of
/// once a pass. Filled from read transactions, which see committed rows alone, and with the
/// jobs a write transaction queued once it has committed (`OutboxJobChanges`): delivery then
/// decodes nothing this process queued. A job is let go once delivery marks its item
/// delivered or failed: only pending rows are read as heads, so the cache holds what may still
/// be sent, not the day's sends until it starts over (items withdrawn together or dropped by
/// an operator keep theirs until then). Bounded.
public final class DecodedJobs: Sendable {
    private let jobs = Mutex<[Int64: OutboxItem.Job]>([:])
    /// More than this and the cache starts over: a backlog that large is rare, and starting
    /// over costs one decode per row.
    static let capacity = 20_000

    public init() {}

    public func job(_ id: Int64) -> OutboxItem.Job? {
        jobs.withLock { $0[id] }
    }

    public func keep(_ job: OutboxItem.Job, for id: Int64) {
        jobs.withLock { jobs in
            if jobs.count >= Self.capacity { jobs.removeAll(keepingCapacity: true) }
            jobs[id] = job
        }
    }

    /// Keeps what a transaction queued and lets go of what it finished; only once it has
    /// committed (a rolled-back row's id may be given to another, and a rolled-back mark leaves
    /// its item pending).
    public func apply(_ changes: OutboxJobChanges.Committed) {
        guard !changes.queued.isEmpty || !changes.finished.isEmpty else { return }
        jobs.withLock { jobs in
            for id in changes.finished { jobs[id] = nil }
            if jobs.count + changes.queued.count > Self.capacity { jobs.removeAll(keepingCapacity: true) }
            for (id, job) in changes.queued { jobs[id] = job }
        }
    }

    /// How many jobs are kept: for tests.
    public var count: Int { jobs.withLock(\.count) }
}

/// What one write transaction did to the outbox's jobs: the jobs it queued, by the ids their
/// rows got, and the ids of the items it finished (delivered or failed). Handed to
/// `DecodedJobs` once the transaction has committed. Lives and dies with its transaction.
public final class OutboxJobChanges {
    public private(set) var queued: [(id: Int64, job: OutboxItem.Job)] = []
    public private(set) var finished: [Int64] = []
    /// The contact methods of the items it queued: delivery wakes those methods' loops alone.
    public private(set) var methods: Set<ContactMethod> = []

    public init() {}

    public func queued(_ job: OutboxItem.Job, id: Int64, on method: ContactMethod) {
        queued.append((id: id, job: job))
        methods.insert(method)
    }

    /// An item queued on `method` whose id is not known here (PostgreSQL writes the rows in a
    /// stream): only its method is kept.
    public func queued(on method: ContactMethod) {
        methods.insert(method)
    }

    public func finished(_ ids: some Sequence<Int64>) {
        finished.append(contentsOf: ids)
    }

    /// What `DecodedJobs.apply(_:)` takes, out of the transaction.
    public var committed: Committed { Committed(queued: queued, finished: finished) }

    public struct Committed: Sendable {
        public var queued: [(id: Int64, job: OutboxItem.Job)]
        public var finished: [Int64]
    }
}
