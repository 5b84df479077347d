import IncidentEngine

/// The part of a readiness check that asks a remote service (Slack's `auth.test`, the
/// homeserver's `whoami`), shared by the `/readyz` requests that come together: one call at a
/// time, and its answer stands for `reuse` after it came. What the process knows of itself (a
/// loop's failures) is read at each request. Each probe called Slack itself, on the connections
/// delivery posts on: a flood of `/readyz` (the admin listener is often published inside a
/// cluster) made every post, page messages among them, two to four times later, and had
/// `/readyz` say Slack timed out while it answered.
actor SharedCheck {
    private let ask: @Sendable () async -> String?
    private let reuse: Duration
    private let clock: any IncidentClock
    private var last: (answer: String?, at: Duration)?
    private var asking: Task<String?, Never>?

    init(reuse: Duration = SharedCheck.reuse, clock: any IncidentClock = LiveClock(), ask: @escaping @Sendable () async -> String?) {
        self.ask = ask
        self.reuse = reuse
        self.clock = clock
    }

    /// How long an answer stands: less than any probe's period, so a probe never reads an
    /// answer older than its last.
    static let reuse = Duration.seconds(2)

    func answer() async -> String? {
        if let last, clock.elapsed - last.at < reuse { return last.answer }
        if let asking { return await asking.value }
        // Not the caller's task: a probe that gives up (`/readyz`'s 4 s) leaves the call to
        // finish for the others waiting on it.
        let call = Task { await ask() }
        asking = call
        let answer = await call.value
        last = (answer, clock.elapsed)
        asking = nil
        return answer
    }
}
