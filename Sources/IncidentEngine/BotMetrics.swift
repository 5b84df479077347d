import IncidentCore
import Metrics

/// What the bot counts and times, through swift-metrics: the process's backend (Prometheus in
/// `incident-bot serve`, on the admin listener's `/metrics`), nothing when none is set up. One
/// place names every metric; docs/operations.md lists them.
public enum BotMetrics {
    /// What each metric means: the `# HELP` line of its family.
    public static let help: [String: String] = [
        "incident_bot_commands_total": "Commands by what came of them: handled, answered, refused, duplicate, ignored (past the per-person limit, after the one slow-down answer, which counts as refused; or a timeline pin outside any incident's room or that changes nothing), not_saved (the store failed or was too slow; the person was told to type it again).",
        "incident_bot_pages_total": "Page attempts by contact method and result: delivered, retried, failed_over, failed.",
        "incident_bot_messages_total": "Chat messages, invitations and rooms by contact method and result.",
        "incident_bot_delivery_latency_seconds": "From an outbox item's queueing to its delivery.",
        "incident_bot_scheduler_lag_seconds": "How late a reminder or page fired: fire time minus due time.",
        "incident_bot_connection_failures_total": "Failed calls of the inbound loops: Matrix sync, Slack Socket Mode.",
        "incident_bot_http_connections_refused_total": "Connections the HTTP listener closed as they opened because it held http.max_connections, each being answered.",
        "incident_bot_http_connections_displaced_total": "Connections the HTTP listener closed at http.max_connections to take a new one: each the one waiting longest with no request being answered.",
        "incident_bot_requests_refused_total": "Requests a door refused before acting on them, by door (slack, twilio, pagerduty, ack_link) and reason: signature (missing, malformed or not matching), stale (a Slack timestamp too far from now: a replay, or a clock off), too_large, too_slow, busy (the bodies being read held all the memory they may), invalid_link.",
        "incident_bot_outbox_items": "Outbox items waiting (pending) or given up (failed), by contact method.",
        "incident_bot_leader": "1 when this process runs the scheduler, delivery and the inbound loops.",
        "incident_bot_build_info": "1, labelled with the version this process runs and the newest database migration it knows for each store.",
        "incident_bot_replicas_on_other_files": "Replicas connected to the same PostgreSQL database whose policy and roster files differ from this one's.",
        "incident_bot_store_write_seconds": "Write transactions, committed or not, from asking for the store's single writer (waiting for it included) to the return of the commit.",
        "incident_bot_events_per_transaction": "Commands (and answers to unreadable events) decided together in one write transaction (group commit).",
    ]

    /// Histogram buckets for the families the Prometheus defaults (5 ms to 10 s; 5 to 10,000)
    /// would put wholly in their first bucket, or measure finer than they are: a delivery's
    /// latency is counted in whole seconds (the outbox keeps times to the second), so its
    /// buckets start at one second and reach an hour (a platform down, a page waiting out hours).
    /// So does the scheduler's lag, in whole seconds too: on the defaults a lag of 15 s and one
    /// of hours (a host suspended) both read as 10 s.
    public static let durationBuckets: [String: [Duration]] = [
        "incident_bot_delivery_latency_seconds": wholeSeconds,
        "incident_bot_scheduler_lag_seconds": wholeSeconds,
        "incident_bot_store_write_seconds": [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                                             .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                             .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5)],
    ]
    /// One second to an hour, for durations counted in whole seconds.
    static let wholeSeconds: [Duration] = [.seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
                                           .seconds(300), .seconds(900), .seconds(1_800), .seconds(3_600)]

    public static let valueBuckets: [String: [Double]] = [
        "incident_bot_events_per_transaction": [1, 2, 4, 8, 16, 32, 64, 128, 256],
    ]

    /// What a delivery attempt came to, as `attempt` counts it.
    public enum AttemptResult: String, CaseIterable, Sendable {
        case delivered, retried, failedOver = "failed_over", failed
    }

    /// Every counter this process can count, written at 0 from the start: a series that first
    /// appears at its first event reads as "no data" until then, and `increase()` over a
    /// window that holds its appearance misses that first event (the first failed page).
    /// `methods`: the contact methods this process delivers on (pages on each; other
    /// messages on the chat platforms); `loops`: its inbound loops, by platform.
    public static func startAtZero(methods: [ContactMethod], loops: [(Platform, String)]) {
        for outcome in EngineOutcome.Disposition.allCases.map(\.rawValue) + [notSaved] {
            Counter(label: "incident_bot_commands_total", dimensions: [("outcome", outcome)]).increment(by: 0)
        }
        for method in methods {
            for result in AttemptResult.allCases {
                let dimensions = [("method", method.rawValue), ("result", result.rawValue)]
                Counter(label: "incident_bot_pages_total", dimensions: dimensions).increment(by: 0)
                // Only a page fails over to another method.
                if method.platform != nil, result != .failedOver {
                    Counter(label: "incident_bot_messages_total", dimensions: dimensions).increment(by: 0)
                }
            }
        }
        for (platform, loop) in loops {
            Counter(label: "incident_bot_connection_failures_total", dimensions: [("platform", platform.rawValue), ("loop", loop)])
                .increment(by: 0)
        }
        Counter(label: "incident_bot_http_connections_refused_total").increment(by: 0)
        Counter(label: "incident_bot_http_connections_displaced_total").increment(by: 0)
    }

    /// Why a door refused a request, as `incident_bot_requests_refused_total` counts it.
    public enum RefusalReason: String, Sendable {
        case signature, stale, tooLarge = "too_large", tooSlow = "too_slow", busy, invalidLink = "invalid_link"
    }

    /// A request `door` refused before acting on it: someone without the door's secret, a
    /// replay, a misconfigured secret, or a client too large or too slow.
    public static func requestRefused(door: String, _ reason: RefusalReason, by count: Int = 1) {
        Counter(label: "incident_bot_requests_refused_total", dimensions: [("door", door), ("reason", reason.rawValue)])
            .increment(by: count)
    }

    /// `incident_bot_commands_total`'s outcome for a command the store did not take.
    static let notSaved = "not_saved"

    /// A command the store did not take (it failed, or the command's answer was due before it
    /// took it): nothing of it was written, and its door told the person so.
    public static func commandNotSaved() {
        Counter(label: "incident_bot_commands_total", dimensions: [("outcome", notSaved)]).increment()
    }

    /// A command carried out, answered, refused, a duplicate or ignored.
    public static func command(_ disposition: EngineOutcome.Disposition) {
        Counter(label: "incident_bot_commands_total", dimensions: [("outcome", disposition.rawValue)]).increment()
    }

    /// What one delivery attempt came to. Pages are counted apart, by the method they were
    /// tried on.
    public static func attempt(_ method: ContactMethod, page: Bool, result: AttemptResult) {
        Counter(label: page ? "incident_bot_pages_total" : "incident_bot_messages_total",
                dimensions: [("method", method.rawValue), ("result", result.rawValue)]).increment()
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

    /// One write transaction of the store, as long as it took on the wall clock, the wait for
    /// the writer included: every command waits for one, one at a time, so this is where a
    /// saturated store shows first.
    public static func storeWrite(_ duration: Duration) {
        Timer(label: "incident_bot_store_write_seconds", preferredDisplayUnit: .seconds).recordNanoseconds(nanoseconds(duration))
    }

    /// How many commands (and answers to unreadable events) one transaction decided together;
    /// a transaction with none (a Matrix sync position alone) is not counted.
    public static func eventsPerTransaction(_ count: Int) {
        guard count > 0 else { return }
        Recorder(label: "incident_bot_events_per_transaction", aggregate: true).record(count)
    }

    /// A failed call of a platform's inbound loop: Matrix `/sync`, Slack Socket Mode.
    public static func connectionFailure(_ platform: Platform, loop: String) {
        Counter(label: "incident_bot_connection_failures_total", dimensions: [("platform", platform.rawValue), ("loop", loop)])
            .increment()
    }

    /// A connection the HTTP listener closed as it opened: it already held `http.max_connections`,
    /// each being answered.
    public static func connectionRefused() {
        Counter(label: "incident_bot_http_connections_refused_total").increment()
    }

    /// A connection the HTTP listener closed to take a new one at `http.max_connections`.
    public static func connectionDisplaced() {
        Counter(label: "incident_bot_http_connections_displaced_total").increment()
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = max(duration, .zero).components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
