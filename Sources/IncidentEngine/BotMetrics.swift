import IncidentCore
import Metrics

/// What the bot counts and times, through swift-metrics: the process's backend (Prometheus in
/// `incident-bot serve`, on the admin listener's `/metrics`), nothing when none is set up. One
/// place names every metric; docs/operations.md lists them.
public enum BotMetrics {
    /// What each metric means: the `# HELP` line of its family.
    public static let help: [String: String] = [
        "incident_bot_commands_total": "Commands by what came of them: handled, answered, refused, duplicate, ignored.",
        "incident_bot_pages_total": "Page attempts by contact method and result: delivered, retried, failed_over, failed.",
        "incident_bot_messages_total": "Chat messages, invitations and rooms by contact method and result.",
        "incident_bot_delivery_latency_seconds": "From an outbox item's queueing to its delivery.",
        "incident_bot_scheduler_lag_seconds": "How late a reminder or page fired: fire time minus due time.",
        "incident_bot_connection_failures_total": "Failed calls of the inbound loops: Matrix sync, Slack Socket Mode.",
        "incident_bot_outbox_items": "Outbox items waiting (pending) or given up (failed), by contact method.",
        "incident_bot_leader": "1 when this process runs the scheduler, delivery and the inbound loops.",
    ]

    /// A command carried out, answered, refused, a duplicate or ignored.
    public static func command(_ disposition: EngineOutcome.Disposition) {
        Counter(label: "incident_bot_commands_total", dimensions: [("outcome", disposition.rawValue)]).increment()
    }

    /// What one delivery attempt came to: `delivered`, `retried`, `failed_over` or `failed`.
    /// Pages are counted apart, by the method they were tried on.
    public static func attempt(_ method: ContactMethod, page: Bool, result: String) {
        Counter(label: page ? "incident_bot_pages_total" : "incident_bot_messages_total",
                dimensions: [("method", method.rawValue), ("result", result)]).increment()
    }

    /// From an item's queueing to its delivery, on the injected clock.
    public static func deliveryLatency(_ method: ContactMethod, _ latency: Duration) {
        Timer(label: "incident_bot_delivery_latency_seconds", dimensions: [("method", method.rawValue)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(nanoseconds(latency))
    }

    /// How late the scheduler fired something: its fire time minus its due time.
    public static func schedulerLag(_ lag: Duration) {
        Timer(label: "incident_bot_scheduler_lag_seconds", preferredDisplayUnit: .seconds).recordNanoseconds(nanoseconds(lag))
    }

    /// A failed call of a platform's inbound loop: Matrix `/sync`, Slack Socket Mode.
    public static func connectionFailure(_ platform: Platform, loop: String) {
        Counter(label: "incident_bot_connection_failures_total", dimensions: [("platform", platform.rawValue), ("loop", loop)])
            .increment()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = max(duration, .zero).components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
