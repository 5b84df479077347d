import Synchronization

/// Group commit: events that arrive while a transaction is committing wait for the next one
/// and go into it together, so many requests share one fsync (`synchronous = FULL` stays) and
/// each caller still hears its own outcome only after the commit that holds its event.
///
/// Nobody waits on a timer: the first event to find no commit running starts one at once,
/// and whatever queued meanwhile forms the next batch. A batch that fails (the store refuses
/// it) is retried one event at a time, so an event that cannot be stored fails alone instead
/// of taking the others with it; one that began too late for some of its events' deadlines
/// answers those and commits the rest together.
final class CommitGroup<Clock: IncidentClock>: Sendable {
    /// Commits the events in one transaction; `notAfter` (on the clock's `elapsed`): the
    /// transaction throws `TooLateToCommit` instead if it has not begun by then (it waited for
    /// the store's writer, behind delivery's or another replica's transaction).
    typealias Commit = @Sendable (_ events: [ChatEvent], _ notAfter: Duration?) async throws -> [EngineOutcome]

    private struct Waiter {
        let event: ChatEvent
        /// Past it (on the clock's `elapsed`), an event still waiting is not committed
        /// (`TooLateToCommit`).
        let deadline: Duration?
        let continuation: CheckedContinuation<EngineOutcome, any Error>
    }

    private struct Queue {
        var waiting: [Waiter] = []
        var committing = false
        /// Whether a task is waiting for the earliest deadline (`expireLateWaiters`).
        var watching = false
    }

    private let queue = Mutex(Queue())
    /// The most events in one transaction: a bound on how long the last of them waits.
    let limit: Int
    /// What deadlines are read and waited on.
    let clock: Clock

    init(clock: Clock, limit: Int = 256) {
        self.clock = clock
        self.limit = limit
    }

    /// Events waiting for the next transaction (for tests).
    var waiting: Int { queue.withLock { $0.waiting.count } }

    /// Queues `event` for the next transaction and returns its outcome once that committed.
    /// `deadline` (on the clock's `elapsed`): if its transaction has not begun by then, it is not
    /// committed and `TooLateToCommit` is thrown then (an event already in a transaction waits
    /// for its outcome).
    func submit(_ event: ChatEvent, deadline: Duration? = nil, commit: @escaping Commit) async throws -> EngineOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let (leads, watches) = queue.withLock { queue in
                queue.waiting.append(Waiter(event: event, deadline: deadline, continuation: continuation))
                let watches = deadline != nil && !queue.watching
                if watches { queue.watching = true }
                defer { queue.committing = true }
                return (!queue.committing, watches)
            }
            // Detached: the loop commits every caller's events, so it must not carry the first
            // caller's task-locals (a leader's term would fence everyone's commands).
            if leads { Task.detached { await self.commitWaiting(commit) } }
            if watches { Task.detached { await self.expireLateWaiters() } }
        }
    }

    /// Sleeps until the earliest deadline of the events waiting and answers those past theirs
    /// `TooLateToCommit`, until none with a deadline waits: one sleeping task for them all, not
    /// a timer each, and asleep for seconds between commits that take milliseconds.
    private func expireLateWaiters() async {
        while true {
            let earliest: Duration? = queue.withLock { queue in
                let earliest = queue.waiting.compactMap { $0.deadline }.min()
                if earliest == nil { queue.watching = false }
                return earliest
            }
            guard let earliest else { return }
            try? await clock.sleep(for: earliest - clock.elapsed)
            let late: [Waiter] = queue.withLock { queue in
                let now = clock.elapsed
                let isLate = { (waiter: Waiter) in waiter.deadline.map { $0 <= now } ?? false }
                let late = queue.waiting.filter(isLate)
                queue.waiting.removeAll(where: isLate)
                return late
            }
            for waiter in late { waiter.continuation.resume(throwing: TooLateToCommit()) }
        }
    }

    /// Commits batches until nobody waits.
    private func commitWaiting(_ commit: Commit) async {
        while true {
            let batch: [Waiter] = queue.withLock { queue in
                let taken = Array(queue.waiting.prefix(limit))
                queue.waiting.removeFirst(taken.count)
                if taken.isEmpty { queue.committing = false }
                return taken
            }
            guard !batch.isEmpty else { return }
            do {
                let outcomes = try await commit(batch.map { $0.event }, batch.compactMap { $0.deadline }.min())
                for (waiter, outcome) in zip(batch, outcomes) { waiter.continuation.resume(returning: outcome) }
            } catch is TooLateToCommit where batch.count > 1 {
                // The batch began past its earliest deadline (it waited for the writer): those
                // past theirs are answered so, the others go together again, first in line.
                // One by one, a late batch of 200 had become 200 transactions and fsyncs.
                let now = clock.elapsed
                let isLate = { (waiter: Waiter) in waiter.deadline.map { $0 <= now } ?? false }
                let late = batch.filter(isLate)
                guard !late.isEmpty else {
                    await commitOneByOne(batch, commit)
                    continue
                }
                for waiter in late { waiter.continuation.resume(throwing: TooLateToCommit()) }
                requeue(batch.filter { !isLate($0) })
            } catch where batch.count > 1 {
                await commitOneByOne(batch, commit)
            } catch {
                batch[0].continuation.resume(throwing: error)
            }
        }
    }

    /// A batch the store refused, one event at a time, each by its own deadline: an event that
    /// cannot be stored fails alone, and a slash command whose answer was due while the batch
    /// failed is not committed now.
    private func commitOneByOne(_ batch: [Waiter], _ commit: Commit) async {
        for waiter in batch {
            do {
                waiter.continuation.resume(returning: try await commit([waiter.event], waiter.deadline)[0])
            } catch {
                waiter.continuation.resume(throwing: error)
            }
        }
    }

    /// Puts `waiters` back at the head of the queue, watched for their deadlines again.
    private func requeue(_ waiters: [Waiter]) {
        let watches = queue.withLock { queue in
            queue.waiting = waiters + queue.waiting
            let watches = waiters.contains { $0.deadline != nil } && !queue.watching
            if watches { queue.watching = true }
            return watches
        }
        if watches { Task.detached { await self.expireLateWaiters() } }
    }
}

/// An event whose answer was due before its turn came: nothing of it was committed. A Slack
/// slash command gets 3 s; one queued behind a stalled database and committed a minute later,
/// after Slack had shown its person a failure, was typed again (a second incident, its pages)
/// or paged for by hand.
public struct TooLateToCommit: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "its answer was due before the database took it" }
}
