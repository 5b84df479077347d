import AsyncHTTPClient
import Foundation
import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentWire
import NIOCore
import NIOHTTP1

/// Slack's Web API over HTTPS: form-encoded arguments, a bearer token, `{ok, error}` answers.
public struct SlackWebAPI: Sendable {
    /// `https://slack.com/api` unless configured (tests point it at the fake).
    public let baseURL: String
    let token: Secret
    let client: HTTPClient
    let timeout: Duration

    public init(baseURL: String, token: Secret, client: HTTPClient = OutboundHTTP.chat, timeout: Duration = .seconds(10)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.client = client
        self.timeout = timeout
    }

    /// The same API with calls that give up after `timeout`.
    public func withTimeout(_ timeout: Duration) -> SlackWebAPI {
        SlackWebAPI(baseURL: baseURL, token: token, client: client, timeout: timeout)
    }

    /// Methods Slack documents as GET with query arguments; every other method is a form POST.
    static let queryMethods: Set<String> = ["auth.test", "users.info", "users.lookupByEmail", "conversations.list", "conversations.history",
                                                  "conversations.replies"]

    /// Calls `method` with `arguments`; returns the answer when `ok` is true.
    public func call(_ method: String, _ arguments: [String: String]) async throws(SlackAPIError) -> JSONValue {
        let form = FormEncoding.encode(arguments)
        var request: HTTPClientRequest
        if Self.queryMethods.contains(method) {
            request = HTTPClientRequest(url: "\(baseURL)/\(method)" + (form.isEmpty ? "" : "?" + form))
            request.method = .GET
        } else {
            request = HTTPClientRequest(url: "\(baseURL)/\(method)")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = TermCheckedBody.bytes(ByteBuffer(string: form))
        }
        request.headers.add(name: "Authorization", value: "Bearer \(token.value)")
        let status: UInt
        let headers: HTTPHeaders
        let body: ByteBuffer
        do {
            let deadline = ContinuousClock.now + timeout
            let response = try await client.execute(request, timeout: .seconds(max(1, timeout.components.seconds)))
            status = response.status.code
            headers = response.headers
            body = try await OutboundHTTP.body(of: response, upTo: 4 << 20, by: deadline)
        } catch {
            throw .unavailable(method: method, reason: HTTPClientFailure.describe(error))
        }
        if status == 429 {
            throw .rateLimited(method: method, retryAfter: headers.first(name: "Retry-After").flatMap { Int64($0) }.map { .seconds(max($0, 1)) })
        }
        guard (200..<300).contains(status) else {
            if status >= 500 || status == 408 { throw .unavailable(method: method, reason: "HTTP \(status)") }
            guard let error = JSONValue.parse(body.readableBytesView)?["error"]?.string else {
                // Not Slack's answer (which names its error) but a proxy's or a firewall's:
                // nothing the message did wrong, so it waits and is tried again.
                throw .unavailable(method: method, reason: "HTTP \(status) without Slack's error (a proxy in the way, or the wrong api_url)")
            }
            throw .slack(method: method, error: error)
        }
        guard let json = JSONValue.parse(body.readableBytesView), let ok = json["ok"]?.bool else {
            throw .unavailable(method: method, reason: "the answer is not Slack's JSON")
        }
        guard ok else { throw .slack(method: method, error: json["error"]?.string ?? "unknown_error") }
        return json
    }

}

/// A Web API call that did not succeed.
public enum SlackAPIError: PlatformError, Hashable, Sendable, CustomStringConvertible {
    /// `ok: false` with Slack's error code (`channel_not_found`, `name_taken`, ...).
    case slack(method: String, error: String)
    /// HTTP 429; `retryAfter` from the `Retry-After` header.
    case rateLimited(method: String, retryAfter: Duration?)
    /// 5xx, a timeout, a refused connection: worth retrying.
    case unavailable(method: String, reason: String)
    /// Not looked for long enough yet: a send made before a restart may still land within
    /// this long (`TransportJob.earlierSendMayLandWithin`). Not a failure of the call.
    case mayStillLand(method: String, within: Duration)

    public var code: String? {
        if case .slack(_, let error) = self { return error }
        return nil
    }

    public var description: String {
        switch self {
        case .slack(let method, let error): "\(method): \(error)"
        case .rateLimited(let method, let after): "\(method): rate limited" + (after.map { " (Retry-After \($0.components.seconds) s)" } ?? "")
        case .unavailable(let method, let reason): "\(method): \(reason)"
        case .mayStillLand(let method, let within):
            "\(method): a send from before the restart may still land; looked for again in \(DurationText.format(within))"
        }
    }

    /// Error codes that mean the bot's token or the app's setup is wrong. The operator must fix
    /// them; until then messages wait in the outbox rather than being dropped.
    static let setupErrors: Set<String> = [
        "not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired",
        "missing_scope", "not_allowed_token_type", "team_access_not_granted", "ekm_access_denied",
    ]
    /// Error codes Slack documents as transient: `ratelimited` comes with HTTP 429, and
    /// `rate_limited` is `chat.postMessage`'s own answer (HTTP 200) to too many posts.
    static let transientErrors: Set<String> = [
        "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout", "team_added_to_org",
    ]
    // Not `no_permission`, what `chat.postMessage` answers in a conversation the app may not
    // post to: nothing changes it but a person, and retried it held every message to the
    // incident's room, nudges included, for two hours before it was given up. Refused, the
    // room's nudges go to their people directly, and a page to the person's next method.

    /// As the delivery service sees it: retry or give up.
    public var transportError: TransportError {
        switch self {
        case .rateLimited(_, let after): .rateLimited(description, retryAfter: after)
        case .unavailable: .unavailable(description)
        case .mayStillLand(_, let within): .notYet(description, retryAfter: within)
        case .slack(_, let error) where error == "ratelimited" || error == "rate_limited":
            .rateLimited(description, retryAfter: nil)
        case .slack(_, let error):
            Self.setupErrors.contains(error) ? .misconfigured(description)
                : Self.transientErrors.contains(error) ? .unavailable(description) : .rejected(description)
        }
    }

    /// Whether this is the operator's to fix (bad token, missing scope).
    public var isSetupError: Bool { code.map(Self.setupErrors.contains) ?? false }
}
