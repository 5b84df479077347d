import IncidentEngine
import Synchronization

/// Outbox jobs already decoded, by outbox id: a job is written once and never changes, and an
/// id is never given to another row once committed, so delivery, which reads the heads of
/// every lane again whenever anything new is queued, decodes each job's JSON once instead of
/// once a pass. Filled from read transactions, which see committed rows alone, and with the
/// jobs a write transaction queued once it has committed (`QueuedJobs`): delivery then decodes
/// nothing this process queued. Bounded.
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

    /// Keeps what a transaction queued; only once it has committed (a rolled-back row's id may
    /// be given to another).
    public func keep(committed queued: [(id: Int64, job: OutboxItem.Job)]) {
        guard !queued.isEmpty else { return }
        jobs.withLock { jobs in
            if jobs.count + queued.count > Self.capacity { jobs.removeAll(keepingCapacity: true) }
            for (id, job) in queued { jobs[id] = job }
        }
    }
}

/// The outbox jobs one write transaction queued, by the ids their rows got: handed to
/// `DecodedJobs` once the transaction has committed. Lives and dies with its transaction.
public final class QueuedJobs {
    public private(set) var jobs: [(id: Int64, job: OutboxItem.Job)] = []

    public init() {}

    public func add(_ job: OutboxItem.Job, id: Int64) {
        jobs.append((id: id, job: job))
    }
}
