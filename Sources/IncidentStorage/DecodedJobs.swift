import IncidentEngine
import Synchronization

/// Outbox jobs already decoded, by outbox id: a job is written once and never changes, and an
/// id is never given to another row once committed, so delivery, which reads the heads of
/// every lane again whenever anything new is queued, decodes each job's JSON once instead of
/// once a pass. Filled only from read transactions, which see committed rows alone; bounded.
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
}
