import Foundation
import IncidentCore
import IncidentEngine
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
///
/// Except for a text, a call or a mail under way (`SendsToFinish`): its provider keeps nothing
/// the next start could look it up by, so cut off after its request went it would go twice.
/// The process waits for those to be recorded, up to `finishLimit` after the stop was asked
/// for (within the 10 s that systemd's unit, Kubernetes and Docker give before SIGKILL).
struct StopDeadline: Service {
    let limit: Duration
    let logger: Logger
    var finishing: SendsToFinish = .process
    var finishLimit: Duration = .seconds(8)
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
        let (limit, logger, end, finishing, finishLimit) = (limit, logger, end, finishing, finishLimit)
        // A thread of its own: the concurrency pool may be what is stuck. If the process ends
        // first, as it nearly always does, the thread goes with it.
        let stopping = ContinuousClock.now
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: limit.fractionalSeconds)
            if finishing.count > 0 {
                logger.notice("waiting for texts, calls or mails under way to be recorded",
                              metadata: ["sends": "\(finishing.count)", "limit": "\(finishLimit)"])
                while finishing.count > 0, ContinuousClock.now - stopping < finishLimit { Thread.sleep(forTimeInterval: 0.02) }
                // Recorded: the services end a moment later on their own, and the process with them.
                if finishing.count == 0 { Thread.sleep(forTimeInterval: 0.2) }
            }
            logger.warning("stopping now: a service did not finish in time; what it was doing is left to the next start",
                           metadata: ["limit": "\(limit)", "sends.unrecorded": "\(finishing.count)"])
            end(asked ? 0 : 1)
        }
    }
}
