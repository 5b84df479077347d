import Synchronization

/// Group commit: events that arrive while a transaction is committing wait for the next one
/// and go into it together, so many requests share one fsync (`synchronous = FULL` stays) and
/// each caller still hears its own outcome only after the commit that holds its event.
///
/// Nobody waits on a timer: the first event to find no commit running starts one at once,
/// and whatever queued meanwhile forms the next batch. A batch that fails (the store refuses
/// it) is retried one event at a time, so an event that cannot be stored fails alone instead
/// of taking the others with it.
final class CommitGroup: Sendable {
    typealias Commit = @Sendable ([ChatEvent]) async throws -> [EngineOutcome]

    private struct Waiter {
        let event: ChatEvent
        let continuation: CheckedContinuation<EngineOutcome, any Error>
    }

    private struct Queue {
        var waiting: [Waiter] = []
        var committing = false
    }

    private let queue = Mutex(Queue())
    /// The most events in one transaction: a bound on how long the last of them waits.
    let limit: Int

    init(limit: Int = 256) {
        self.limit = limit
    }

    /// Events waiting for the next transaction (for tests).
    var waiting: Int { queue.withLock { $0.waiting.count } }

    /// Queues `event` for the next transaction and returns its outcome once that committed.
    func submit(_ event: ChatEvent, commit: @escaping Commit) async throws -> EngineOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let leads = queue.withLock { queue in
                queue.waiting.append(Waiter(event: event, continuation: continuation))
                defer { queue.committing = true }
                return !queue.committing
            }
            // Detached: the loop commits every caller's events, so it must not carry the first
            // caller's task-locals (a leader's term would fence everyone's commands).
            if leads { Task.detached { await self.commitWaiting(commit) } }
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
                let outcomes = try await commit(batch.map(\.event))
                for (waiter, outcome) in zip(batch, outcomes) { waiter.continuation.resume(returning: outcome) }
            } catch where batch.count > 1 {
                for waiter in batch {
                    do {
                        waiter.continuation.resume(returning: try await commit([waiter.event])[0])
                    } catch {
                        waiter.continuation.resume(throwing: error)
                    }
                }
            } catch {
                batch[0].continuation.resume(throwing: error)
            }
        }
    }
}
