import Foundation
import Logging
import ServiceLifecycle

/// Ends the process `limit` after SIGTERM or SIGINT asked it to stop, whatever its services
/// are doing. A service that ignores cancellation (a connect that waits out its own timeout,
/// a database call on a queue of its own) would otherwise keep the process, and
/// service-lifecycle's own limit on cancellation ends it with a trap: a crash, marked failed
/// by systemd, perhaps with a core dump holding every secret the process read. Ending here is
/// as safe as SIGKILL, which the outbox is made for: what was committed stays, and a send
/// under way is looked for at the next start.
struct StopDeadline: Service {
    let limit: Duration
    let logger: Logger
    /// Ends the process; tests pass their own.
    var end: @Sendable () -> Void = { _exit(0) }

    func run() async throws {
        // Cancelled before any stop was asked (the group failed): nothing to bound.
        do { try await gracefulShutdown() } catch { return }
        let (limit, logger, end) = (limit, logger, end)
        // A thread of its own: the concurrency pool may be what is stuck.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18)
            logger.warning("stopping now: a service did not finish in time; what it was doing is left to the next start",
                           metadata: ["limit": "\(limit)"])
            end()
        }
    }
}
