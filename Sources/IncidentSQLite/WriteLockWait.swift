#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// How the store's connections wait for a lock another process holds on the file (a `sqlite3`
/// shell's open transaction, a `VACUUM`, a backup tool): SQLite asks this busy handler again
/// and again, and it sleeps a millisecond each time, up to about 10 s in all, as
/// `busy_timeout(10 s)` did. But the writer, beginning a transaction whose answers are due
/// (`during`), stops waiting once they are late: a slash command then hears "⚠️ Not saved"
/// within Slack's 3 s, not Slack's own timeout after the lock was held for 10.
final class WriteLockWait: Sendable {
    /// The most tries of one wait, about a millisecond each.
    static let tries = 10_000

    private struct Waiting {
        var thread: pthread_t
        var isLate: @Sendable () -> Bool
    }

    private let current = Mutex<Waiting?>(nil)

    /// SQLite's question after `tries` tries: whether to try again.
    func triesAgain(after tries: Int) -> Bool {
        guard tries < Self.tries else { return false }
        let late = current.withLock { waiting in
            // Only the thread that began the transaction: a reader busy meanwhile waits on.
            waiting.map { pthread_equal($0.thread, pthread_self()) != 0 && $0.isLate() } ?? false
        }
        guard !late else { return false }
        usleep(1_000)
        return true
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
