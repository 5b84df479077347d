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
///
/// The same bound holds when the group ends by a failure (a listener that cannot bind, a
/// leader's service that failed): then the status is 1, so systemd's `Restart=` starts it
/// again, where a stuck service would have kept a process up that pages nobody.
struct StopDeadline: Service {
    let limit: Duration
    let logger: Logger
    /// Ends the process with a status; tests pass their own.
    var end: @Sendable (Int32) -> Void = { status in
        fflush(nil)   // every output stream (the console prints to standard output)
        _exit(status)
    }

    func run() async throws {
        // Asked to stop (SIGTERM, SIGINT, the console's end), or cancelled: the group is
        // ending because something failed.
        let asked: Bool
        do {
            try await gracefulShutdown()
            asked = true
        } catch {
            asked = false
        }
        let (limit, logger, end) = (limit, logger, end)
        // A thread of its own: the concurrency pool may be what is stuck. If the process ends
        // first, as it nearly always does, the thread goes with it.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18)
            logger.warning("stopping now: a service did not finish in time; what it was doing is left to the next start",
                           metadata: ["limit": "\(limit)"])
            end(asked ? 0 : 1)
        }
    }
}
