import IncidentEngine
import IncidentSlack
import IncidentWire
import SlackFake
import Testing

/// What a Web API failure means for delivery: retry, or give up.
@Suite struct SlackWebAPIErrorTests {
    /// A 4xx that is not Slack's answer (no `error` in it: a proxy's or a firewall's page, or an
    /// `api_url` with the wrong path) is waited out and retried: giving up would drop the
    /// message, or fail a page over, for something the message did not do.
    /// A rate limit says so to delivery even without a hint, so a page's slow attempt that
    /// ended on one is not taken for a Slack that does not answer (`Delivery.mayHang`).
    @Test func aRateLimitWithoutAHintStillCarriesOne() {
        for error in [SlackAPIError.rateLimited(method: "chat.postMessage", retryAfter: nil),
                      .slack(method: "chat.postMessage", error: "rate_limited"), .slack(method: "chat.postMessage", error: "ratelimited")] {
            guard case .unavailable(_, let after) = error.transportError else {
                Issue.record("\(error): \(error.transportError)")
                continue
            }
            #expect(after == .seconds(1), "\(error)")
        }
    }

    @Test func a4xxThatIsNotSlacksAnswerIsRetried() async throws {
        let fake = FakeSlack(users: [])
        try await fake.start()
        defer { Task { await fake.stop() } }
        let api = SlackWebAPI(baseURL: fake.apiURL + "/not-the-api", token: Secret(FakeSlack.botToken))
        do {
            _ = try await api.call("chat.postMessage", ["channel": "C0ANY", "text": "hello"])
            Issue.record("the call succeeded")
        } catch {
            guard case .unavailable = error.transportError else {
                Issue.record("\(error) is given up: \(error.transportError)")
                return
            }
        }
        // chat.postMessage's own answer to too many posts (HTTP 200, `rate_limited`, as its
        // published errors list it) is waited out, not taken as a refusal of the page.
        for code in ["rate_limited", "ratelimited", "internal_error"] {
            guard case .unavailable = SlackAPIError.slack(method: "chat.postMessage", error: code).transportError else {
                Issue.record("\(code) is given up")
                continue
            }
        }
        // A conversation the app may not post to is refused, not retried for two hours while
        // the room's nudges wait behind it.
        if case .rejected = SlackAPIError.slack(method: "chat.postMessage", error: "no_permission").transportError {} else {
            Issue.record("no_permission is retried")
        }
        // Slack's own refusal is still a refusal.
        do {
            _ = try await SlackWebAPI(baseURL: fake.apiURL, token: Secret(FakeSlack.botToken))
                .call("chat.postMessage", ["channel": "C0NOWHERE", "text": "hello"])
            Issue.record("posting to a channel that does not exist succeeded")
        } catch {
            #expect(error.code == "channel_not_found")
            guard case .rejected = error.transportError else {
                Issue.record("\(error) is retried: \(error.transportError)")
                return
            }
        }
    }
}
