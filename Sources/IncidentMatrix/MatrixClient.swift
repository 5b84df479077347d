import AsyncHTTPClient
import Foundation
import IncidentHTTP
import IncidentWire
import NIOCore
import NIOHTTP1
import Synchronization

/// The Matrix Client-Server API over HTTP(S): JSON bodies, a bearer access token, `{errcode,
/// error}` answers. A 429 with a short `retry_after_ms` is waited out here (a burst is normal
/// for a homeserver's rate limiter), up to 10 s a call in all; past that it is handed to the
/// caller with its hint.
public final class MatrixClient: Sendable {
    /// `https://matrix.example.org`, without a trailing slash.
    public let homeserver: String
    let auth: Auth
    let client: HTTPClient
    /// How long one call may wait out 429s in all before the rate limit goes back to the
    /// caller with its hint: the outbox then retries, or fails a page over to the person's
    /// next method, by its own rules. (Eight waits of 10 s once held a page here for 80 s.)
    let inlineRateLimitWait: Duration
    /// And at most this many times, whatever the hints (`retry_after_ms: 1` would otherwise
    /// have one call send thousands of requests).
    static let inlineRateLimitAttempts = 8
    let accessToken = Mutex<Secret?>(nil)
    /// The login under way, which every call needing one waits for: one login, one device,
    /// however many calls find the token missing or forgotten at once (the homeserver
    /// deduplicates transaction ids per device, so a second device could post a retried
    /// message twice).
    let loggingIn = Mutex<Task<Result<Void, MatrixError>, Never>?>(nil)
    let waits = Mutex(0)

    /// How many times a 429 was waited out here since the client was made.
    public var rateLimitWaits: Int { waits.withLock { $0 } }

    /// How the bot proves who it is.
    public enum Auth: Sendable {
        /// An access token from the environment (`MATRIX_ACCESS_TOKEN`).
        case token(Secret)
        /// A user id and password: logs in once and keeps the token in `tokenFile` (mode 0600),
        /// so restarts reuse the same device and its transaction ids; logs in again only when
        /// the homeserver forgets the token.
        case password(user: String, password: Secret, tokenFile: String)
    }

    public init(homeserver: String, auth: Auth, client: HTTPClient = OutboundHTTP.chat,
                inlineRateLimitWait: Duration = .seconds(10)) {
        self.homeserver = homeserver.hasSuffix("/") ? String(homeserver.dropLast()) : homeserver
        self.auth = auth
        self.client = client
        self.inlineRateLimitWait = inlineRateLimitWait
        if case .token(let token) = auth { accessToken.withLock { $0 = token } }
    }

    /// Calls the Client-Server API. `path` starts after `/_matrix/client/v3/` and has its
    /// segments already encoded (`MatrixClient.segment`). `timeout` bounds the whole call,
    /// connecting included: a homeserver that is down fails a call after it, not at once,
    /// since the HTTP client keeps trying to connect until then.
    public func call(_ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: JSONValue? = nil,
                     timeout: Duration = .seconds(10)) async throws(MatrixError) -> JSONValue {
        var relogged = false
        var waited = Duration.zero
        var waits = 0
        var used: Secret?
        while true {
            do {
                let token = try await currentToken()
                used = token
                return try await send(method, "/_matrix/client/v3/" + path, query: query, body: body, token: token, timeout: timeout)
            } catch .rateLimited(let after) where waits < Self.inlineRateLimitAttempts && waited + (after ?? .seconds(1)) <= inlineRateLimitWait {
                waits += 1
                waited += after ?? .seconds(1)
                self.waits.withLock { $0 += 1 }
                try? await Task.sleep(for: after ?? .seconds(1))
                if Task.isCancelled { throw .unavailable("cancelled") }
            } catch let error where error.isUnknownToken && !relogged {
                guard case .password = auth else { throw error }
                relogged = true
                try await oneLogin(forget: true, replacing: used)
            }
        }
    }

    /// One HTTP exchange, no retries. Public for the password login and the test support.
    public func send(_ method: HTTPMethod, _ path: String, query: [String: String] = [:], body: JSONValue?, token: Secret?,
                     timeout: Duration) async throws(MatrixError) -> JSONValue {
        let url = homeserver + path + (query.isEmpty ? "" : "?" + Self.query(query))
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token.value)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = TermCheckedBody.bytes(ByteBuffer(string: body.text))
        }
        let status: Int
        let headers: HTTPHeaders
        let bytes: ByteBuffer
        do {
            let deadline = ContinuousClock.now + timeout
            let response = try await client.execute(request, timeout: .seconds(max(1, timeout.components.seconds)))
            status = Int(response.status.code)
            headers = response.headers
            bytes = try await OutboundHTTP.body(of: response, upTo: 32 << 20, by: deadline)
        } catch {
            throw .unavailable(HTTPClientFailure.describe(error))
        }
        let json = JSONValue.parse(bytes.readableBytesView)
        if (200..<300).contains(status) {
            guard let json else { throw .unavailable("HTTP \(status) with a body that is not JSON") }
            return json
        }
        if status != 429, json?["errcode"]?.string == nil {
            // Not the homeserver's answer (which always carries an errcode) but a proxy's or a
            // firewall's page: nothing the message itself did wrong, so it is tried again.
            throw .unavailable("HTTP \(status) without a Matrix error code (a proxy in the way, or the wrong homeserver URL)")
        }
        let code = json?["errcode"]?.string ?? "HTTP_\(status)"
        // The homeserver's words go to the log, `/readyz` and the incident's timeline: a
        // homeserver or a proxy that quotes the request must not put the bot's token or
        // password there.
        let reason = Secret.redacting(requestSecrets(token), in: json?["error"]?.string ?? "HTTP \(status)")
        if status == 429 || code == "M_LIMIT_EXCEEDED" {
            let millis = json?["retry_after_ms"]?.int
            let header = headers.first(name: "Retry-After").flatMap(Int64.init)
            throw .rateLimited(retryAfter: millis.map { .milliseconds(max($0, 1)) } ?? header.map { .seconds(max($0, 1)) })
        }
        if status >= 500 || status == 408 { throw .failedOnServer(status: status, code: code, reason: reason) }
        throw .matrix(status: status, code: code, reason: reason)
    }

    /// What a request of this client may carry that its answer must not show: the token it
    /// was sent with, and the password a login sends.
    private func requestSecrets(_ token: Secret?) -> [Secret] {
        guard case .password(_, let password, _) = auth else { return token.map { [$0] } ?? [] }
        return (token.map { [$0] } ?? []) + [password]
    }

    /// The access token, logging in first when the bot has a password and no token yet.
    func currentToken() async throws(MatrixError) -> Secret {
        if let token = accessToken.withLock({ $0 }) { return token }
        try await oneLogin(forget: false)
        guard let token = accessToken.withLock({ $0 }) else { throw .unavailable("no access token after login") }
        return token
    }

    /// `login`, or the one under way; none when another call's login already replaced the
    /// token (`replacing`: the token the homeserver forgot) or gave one. Decided under the
    /// lock the login clears itself under, so two calls never both start one.
    func oneLogin(forget: Bool, replacing used: Secret? = nil) async throws(MatrixError) {
        let login: Task<Result<Void, MatrixError>, Never>? = loggingIn.withLock { inFlight in
            if let inFlight { return inFlight }
            let current = accessToken.withLock { $0 }
            if forget ? current?.value != used?.value : current != nil { return nil }
            // Detached: a login serves every caller, not the leader term of the one that started it.
            let task = Task.detached { () -> Result<Void, MatrixError> in
                let result: Result<Void, MatrixError>
                do throws(MatrixError) {
                    try await self.login(forget: forget)
                    result = .success(())
                } catch {
                    result = .failure(error)
                }
                self.loggingIn.withLock { $0 = nil }
                return result
            }
            inFlight = task
            return task
        }
        try await login?.value.get()
    }

    /// Reads the kept token, or logs in with the password and keeps the new one. A login
    /// again (the homeserver forgot the token: it expired, or was logged out) asks for the
    /// device the kept file names, so the bot stays one device with its transaction ids.
    func login(forget: Bool) async throws(MatrixError) {
        guard case .password(let user, let password, let tokenFile) = auth else { return }
        let kept = KeptLogin(file: tokenFile)
        if !forget, let kept, !kept.token.isEmpty {
            accessToken.withLock { $0 = Secret(kept.token) }
            return
        }
        var body: [String: JSONValue] = [
            "type": "m.login.password",
            "identifier": ["type": "m.id.user", "user": .string(user)],
            "password": .string(password.value),
            "initial_device_display_name": "incident-bot",
        ]
        if let device = kept?.device { body["device_id"] = .string(device) }
        let answer: JSONValue
        do throws(MatrixError) {
            answer = try await send(.POST, "/_matrix/client/v3/login", body: .object(body), token: nil, timeout: .seconds(30))
        } catch .matrix(let status, let code, let reason) {
            // A wrong password is the operator's to fix, not a call's to handle: as its own
            // case, no caller reads its M_FORBIDDEN as a room's refusal.
            throw .loginRefused(status: status, code: code, reason: reason)
        }
        guard let token = answer["access_token"]?.string else { throw .unavailable("the login answer has no access_token") }
        let login = KeptLogin(token: token, device: answer["device_id"]?.string ?? kept?.device)
        do {
            try PrivateFile.write(Array(login.text.utf8), to: tokenFile)
        } catch {
            throw .unavailable("logged in, but cannot keep the token: \(error)")
        }
        accessToken.withLock { $0 = Secret(token) }
    }

    /// The bot's own user id (`GET /account/whoami`).
    public func whoami() async throws(MatrixError) -> String {
        guard let user = try await call(.GET, "account/whoami")["user_id"]?.string else {
            throw .unavailable("whoami answered without a user_id")
        }
        return user
    }

    /// One path segment, percent-encoded: room ids, aliases, user ids and transaction ids.
    public static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func query(_ items: [String: String]) -> String {
        items.sorted { $0.key < $1.key }.map { "\(segment($0.key))=\(segment($0.value))" }.joined(separator: "&")
    }

}

/// A Client-Server API call that did not succeed.
public enum MatrixError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A 4xx with the homeserver's `errcode` (`M_FORBIDDEN`, `M_ROOM_IN_USE`, ...).
    case matrix(status: Int, code: String, reason: String)
    /// 429 `M_LIMIT_EXCEEDED`; the wait from `retry_after_ms` or `Retry-After`.
    case rateLimited(retryAfter: Duration?)
    /// 5xx, a timeout, a refused connection: the homeserver is down or restarting.
    case unavailable(String)
    /// A 5xx (or 408) the homeserver answered itself, with its `errcode`: it is up, but could
    /// not do this now (for an invite, often: another server it must reach is down).
    case failedOnServer(status: Int, code: String, reason: String)
    /// The password login refused (`M_FORBIDDEN`: a wrong `MATRIX_PASSWORD` or `MATRIX_USER`;
    /// a deactivated account): a setup error, said as one, at every try.
    case loginRefused(status: Int, code: String, reason: String)

    public var code: String? {
        if case .matrix(_, let code, _) = self { return code }
        return nil
    }

    var isUnknownToken: Bool { code == "M_UNKNOWN_TOKEN" || code == "M_MISSING_TOKEN" }

    /// A `/sync` refused for its `since`: Synapse answers 400 "Invalid stream token".
    var refusesSyncPosition: Bool {
        guard case .matrix(400, _, let reason) = self else { return false }
        return reason.localizedCaseInsensitiveContains("stream token")
    }

    /// The bot's token or account is wrong: the operator must fix it; until then nothing is dropped.
    public var isSetupError: Bool {
        if case .loginRefused = self { return true }
        return isUnknownToken || code == "M_USER_DEACTIVATED" || code == "M_USER_LOCKED"
    }

    public var description: String {
        switch self {
        case .matrix(let status, let code, let reason): "\(code) (HTTP \(status)): \(reason)"
        case .rateLimited(let after): "M_LIMIT_EXCEEDED" + (after.map { " (retry after \(Int(($0 / .milliseconds(1)).rounded())) ms)" } ?? "")
        case .unavailable(let reason): "homeserver unavailable: \(reason)"
        case .failedOnServer(let status, let code, let reason): "homeserver unavailable: HTTP \(status): \(code) \(reason)"
        case .loginRefused(let status, let code, let reason):
            "the homeserver refuses the bot's login; check MATRIX_USER and MATRIX_PASSWORD: \(code) (HTTP \(status)): \(reason)"
        }
    }
}
