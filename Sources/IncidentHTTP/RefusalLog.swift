import IncidentCore
import Logging
import Synchronization

/// A door's refusals of requests anyone can send (no valid signature, a body too big or too
/// slow), logged at most once every `every` with how many there were in all and since the
/// last line: a line each let one client write a gigabyte of log an hour, fill the disk, and
/// push the bot's own errors out of a rate-limited journal.
public final class RefusalLog: Sendable {
    let throttle: LogThrottle
    let total = Atomic<Int>(0)

    public init(every: Duration = .seconds(10)) { throttle = LogThrottle(every: every) }

    /// Counts the refusal, and logs it as a warning when a line is due, as from the door that
    /// refused (its module is the line's source).
    public func warning(_ message: Logger.Message, metadata: Logger.Metadata = [:], at now: Timestamp, logger: Logger,
                        file: String = #fileID, function: String = #function, line: UInt = #line) {
        let count = total.add(1, ordering: .relaxed).newValue
        guard let unlogged = throttle.admit(at: now) else { return }
        logger.warning(message, metadata: metadata.merging(["refused.total": "\(count)", "refused.unlogged": "\(unlogged)"]) { own, _ in own },
                       file: file, function: function, line: line)
    }
}
