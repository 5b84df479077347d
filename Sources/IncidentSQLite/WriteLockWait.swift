#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// How the store's connections wait for a lock another process holds on the file (a `sqlite3`
/// shell's open transaction, a `VACUUM`, a backup tool): SQLite asks this busy handler again
/// and again, and it sleeps a millisecond each time, up to about 10 s in all, as
/// `busy_timeout(10 s)` did. But the writer, beginning a transaction whose answers are due
/// (`during`), stops waiting once they are late: a slash command then hears "⚠️ Not saved"
/// within Slack's 3 s, not Slack's own timeout after the lock was held for 10. And a write with
/// answers due that is still queued behind the one waiting (delivery's, whose record has no
/// deadline) is given up by that wait once late, before it ever begins (`queue`).
final class WriteLockWait: Sendable {
    /// The most tries of one wait, about a millisecond each.
    static let tries = 10_000

    private struct Waiting {
        var thread: pthread_t
        var isLate: @Sendable () -> Bool
    }

    private let current = Mutex<Waiting?>(nil)

    /// Writes with answers due, queued for the writer and not yet begun, by ticket.
    private let queued = Mutex<(next: Int, writes: [Int: QueuedWrite])>((0, [:]))

    private struct QueuedWrite {
        var isLate: @Sendable () -> Bool
        var giveUp: @Sendable () -> Void
    }

    /// SQLite's question after `tries` tries: whether to try again.
    func triesAgain(after tries: Int) -> Bool {
        guard tries < Self.tries else { return false }
        let late = current.withLock { waiting in
            // Only the thread that began the transaction: a reader busy meanwhile waits on.
            waiting.map { pthread_equal($0.thread, pthread_self()) != 0 && $0.isLate() } ?? false
        }
        guard !late else { return false }
        giveUpLateQueuedWrites()
        usleep(1_000)
        return true
    }

    /// Notes a write with answers due as it is queued for the writer: unless it begins first
    /// (`begins`), a wait for the lock ahead of it calls `giveUp` once `isLate` says so.
    func queue(_ isLate: @escaping @Sendable () -> Bool, giveUp: @escaping @Sendable () -> Void) -> Int {
        queued.withLock { queued in
            queued.next += 1
            queued.writes[queued.next] = QueuedWrite(isLate: isLate, giveUp: giveUp)
            return queued.next
        }
    }

    /// Whether the queued write `ticket` may begin: false once it was given up.
    func begins(_ ticket: Int) -> Bool {
        queued.withLock { $0.writes.removeValue(forKey: ticket) != nil }
    }

    private func giveUpLateQueuedWrites() {
        let late = queued.withLock { queued in
            let late = queued.writes.filter { $0.value.isLate() }
            for ticket in late.keys { queued.writes[ticket] = nil }
            return late.values
        }
        for write in late { write.giveUp() }
    }

    /// Runs `work` (on the writer's thread) with its waits for the lock ended by `isLate`.
    func during<T>(_ isLate: (@Sendable () -> Bool)?, _ work: () throws -> T) rethrows -> T {
        guard let isLate else { return try work() }
        let thread = pthread_self()
        current.withLock { $0 = Waiting(thread: thread, isLate: isLate) }
        defer { current.withLock { $0 = nil } }
        return try work()
    }
}
