import Hummingbird
import IncidentCore
import IncidentEngine
import Logging
import Synchronization

/// A door's refusals of requests anyone can send (no valid signature, a body too big or too
/// slow), logged at most once every `every` with how many there were in all and since the
/// last line: a line each let one client write a gigabyte of log an hour, fill the disk, and
/// push the bot's own errors out of a rate-limited journal. Each refusal is counted in
/// `/metrics` too (`incident_bot_requests_refused_total`), where an attack or a secret set
/// wrong shows without reading logs.
public final class RefusalLog: Sendable {
    let throttle: LogThrottle
    let total = Atomic<Int>(0)
    /// The door's name in `/metrics`.
    let door: String

    /// `reasons`: those the door can give, counted from 0 as it opens (a series that first
    /// appears with its first refusal is missed by `increase()` over the window it appears in).
    public init(door: String, reasons: [BotMetrics.RefusalReason], every: Duration = .seconds(10)) {
        self.door = door
        throttle = LogThrottle(every: every)
        for reason in reasons { BotMetrics.requestRefused(door: door, reason, by: 0) }
    }

    /// Counts the refusal, and logs it as a warning when a line is due, as from the door that
    /// refused (its module is the line's source).
    public func warning(_ message: Logger.Message, reason: BotMetrics.RefusalReason, metadata: Logger.Metadata = [:], at now: Timestamp,
                        logger: Logger, file: String = #fileID, function: String = #function, line: UInt = #line) {
        BotMetrics.requestRefused(door: door, reason)
        let count = total.add(1, ordering: .relaxed).newValue
        guard let unlogged = throttle.admit(at: now) else { return }
        logger.warning(message, metadata: metadata.merging(["refused.total": "\(count)", "refused.unlogged": "\(unlogged)"]) { own, _ in own },
                       file: file, function: function, line: line)
    }

    /// Counts a body refused for its size or pace, or the memory budget (a door that does
    /// not log them), and answers it.
    public func answer(_ refused: LimitedBody.Read) -> Response {
        switch refused {
        case .tooLarge: BotMetrics.requestRefused(door: door, .tooLarge)
        case .tooSlow: BotMetrics.requestRefused(door: door, .tooSlow)
        case .busy: BotMetrics.requestRefused(door: door, .busy)
        case .broken, .body: break
        }
        return Answers.refusal(refused)
    }
}
