import IncidentCore
import IncidentEngine
import Logging

/// Socket Mode's reconnections: how each connection ended decides how long the next waits.
extension SlackSocketMode {
    func connectLoop(lanes: EnvelopeLanes, sockets: OpenSockets = OpenSockets()) async {
        await withDiscardingTaskGroup { sessions in
            var streak = Streak()
            while !Task.isCancelled {
                streak = await connectOnce(after: streak, lanes: lanes, sockets: sockets, in: &sessions)
            }
        }
    }

    /// Connections that failed in a row, and among the last of them, Slack's requests to leave
    /// within `settled` of `hello` in a row: counted apart, for the first such request after
    /// an outage is answered at once like any other.
    struct Streak {
        var failures = 0
        var disconnects = 0
    }

    /// Opens a connection and reads from it until it ends or Slack asks for the next one (the
    /// session then reads on in `sessions`), and waits as the way it ended asks: the streak
    /// after it.
    func connectOnce(after streak: Streak, lanes: EnvelopeLanes, sockets: OpenSockets, in sessions: inout DiscardingTaskGroup) async -> Streak {
        let end: SessionEnd
        var retryAfter: Duration?
        let outcome = SessionOutcome()
        var opened = true
        var slowly = false
        do {
            let url = try await open()
            end = try await start(url, outcome: outcome, lanes: lanes, sockets: sockets, in: &sessions)
        } catch let error as SlackAPIError {
            // Said the first time and every tenth in a row, as the Matrix sync loop says its
            // failures; a refused setup, the operator's to fix, every time (once a minute).
            if error.isSetupError || streak.failures % 10 == 0 {
                logger.error("Socket Mode: cannot open a connection", metadata: ["error": "\(error)", "failures": "\(streak.failures + 1)"])
            }
            if case .rateLimited(_, let wait) = error { retryAfter = wait }
            opened = false
            slowly = error.isSetupError
            end = .dropped("cannot open a connection: \(error)")
        } catch {
            // A session that had settled before it failed ran as a healthy one did.
            if case .closedAfterRunning = outcome.value { end = .closedAfterRunning } else { end = .dropped("connection lost: \(error)") }
        }
        // A stop cancels the session: no connection was lost, and a warning at every clean
        // restart read as a network fault.
        if Task.isCancelled { return streak }
        var streak = streak
        var wait: Duration
        switch end {
        case .disconnectRequested(settled: true):
            return Streak()
        case .disconnectRequested(settled: false):
            // Asked to leave within `settled` of `hello`: at once, as Slack asks, the first
            // time (right after an outage too); in a row, after the slow backoff's waits, or
            // the bot would open a connection a moment while each old one lingers for
            // `overlap`, and never longer than that, so the one being left still covers the
            // wait. In a row it counts against readiness: a Slack that asks every connection
            // to leave at once keeps the bot deaf.
            streak.disconnects += 1
            if streak.disconnects == 1 { return streak }
            streak.failures += 1
            BotMetrics.connectionFailure(.slack, loop: "socket_mode")
            health.failed("Slack asked \(streak.disconnects) connections in a row to leave within \(DurationText.format(Self.settled)) of hello")
            wait = min(slowBackoff.delay(afterFailures: streak.disconnects), Self.overlap)
        case .dropped(let reason):
            // Every way a connection ends without Slack asking is logged with why: a reset, a
            // missing `hello` or an unanswered ping said only "reconnecting", and the reason
            // showed in `/readyz` after five failures in a row. A failed open said so above.
            if opened { logger.warning("Socket Mode: connection lost", metadata: ["reason": "\(reason)"]) }
            BotMetrics.connectionFailure(.slack, loop: "socket_mode")
            streak.failures += 1
            streak.disconnects = 0
            health.failed(reason)
            wait = (slowly ? slowBackoff : backoff).delay(afterFailures: streak.failures)
        case .closedAfterRunning:
            // A session that ran and then closed without Slack's `disconnect`: the backoff
            // starts again from its first wait.
            logger.warning("Socket Mode: connection closed without Slack's disconnect message")
            streak = Streak(failures: 1)
            wait = backoff.delay(afterFailures: 1)
        }
        wait = max(wait, min(retryAfter ?? .zero, .minutes(5)))
        // With the failure it follows: a failed open is said the first time and every tenth.
        if opened || slowly || streak.failures % 10 == 1 {
            logger.info("Socket Mode: reconnecting", metadata: ["in": "\(DurationText.format(wait))"])
        }
        try? await gateway.engine.clock.sleep(for: wait)
        return streak
    }
}
