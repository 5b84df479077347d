import Foundation
import HTTPTypes
import Hummingbird
import IncidentCore
import IncidentEngine
import IncidentWire
import Logging
import NIOCore
import Synchronization

/// `POST /slack/events`: the one endpoint for the Events API, slash commands and
/// interactivity, as Slack's Bolt frameworks take them. Every request is verified before its
/// body is decoded; nothing unverified reaches the engine.
public struct SlackEndpoint<Clock: IncidentClock>: Sendable {
    public struct Settings: Sendable {
        public var path: String
        public var maxBody: Int
        /// How long a request may take to arrive, head and body, and how long a connection may
        /// sit idle: a client that sends slowly (slow-loris) is cut off, not waited for.
        public var readTimeout: Duration

        /// The defaults live in the config (`BotConfig.SlackSettings`, `BotConfig.HTTPSettings`), not here.
        public init(path: String, maxBody: Int, readTimeout: Duration) {
            self.path = path
            self.maxBody = maxBody
            self.readTimeout = readTimeout
        }
    }

    let gateway: SlackGateway<Clock>
    let signer: SlackSigner
    let settings: Settings
    let logger: Logger
    public let stats: SlackEndpointStats
    let replays: ReplayGuard
    /// Unverified requests are logged at most once every ten seconds, so a flood of them
    /// cannot fill the disk; each line says how many went unlogged since the last.
    let refusalLog = LogThrottle(every: .seconds(10))

    public init(gateway: SlackGateway<Clock>, signer: SlackSigner, settings: Settings, logger: Logger) {
        self.gateway = gateway
        self.signer = signer
        self.settings = settings
        self.logger = logger
        stats = SlackEndpointStats()
        replays = ReplayGuard(window: signer.tolerance)
    }

    /// Adds `POST <path>` to the bot's HTTP listener.
    public func register(on router: Router<BasicRequestContext>) {
        router.post(RouterPath(settings.path)) { request, _ -> Response in
            await self.respond(to: request)
        }
        logger.info("Slack endpoint ready", metadata: ["path": "\(settings.path)"])
    }

    func respond(to request: Request) async -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > settings.maxBody {
            stats.record(.tooLarge)
            logger.warning("Slack request refused: body over the limit", metadata: ["bytes": "\(length)", "limit": "\(settings.maxBody)"])
            return Response(status: .contentTooLarge)
        }
        let body: [UInt8]
        do {
            guard let read = try await Self.collect(request.body, upTo: settings.maxBody, within: settings.readTimeout) else {
                stats.record(.malformed)
                logger.warning("Slack request refused: body not sent within the read timeout",
                               metadata: ["timeout": "\(DurationText.format(settings.readTimeout))"])
                return Response(status: .requestTimeout, headers: [.connection: "close"])
            }
            body = read
        } catch is NIOTooManyBytesError {
            stats.record(.tooLarge)
            logger.warning("Slack request refused: body over the limit", metadata: ["limit": "\(settings.maxBody)"])
            return Response(status: .contentTooLarge)
        } catch {
            stats.record(.malformed)
            return Response(status: .badRequest)
        }
        let signature = request.headers[HTTPField.Name("X-Slack-Signature")!]
        let timestamp = request.headers[HTTPField.Name("X-Slack-Request-Timestamp")!]
        let now = gateway.engine.clock.now
        if let failure = signer.verify(signature: signature, timestamp: timestamp, body: body, now: now) {
            let count = stats.record(.unverified)
            if let suppressed = refusalLog.admit(at: now) {
                logger.warning("Slack request refused: not verified", metadata: [
                    "reason": "\(failure.rawValue)", "refused.total": "\(count)", "refused.unlogged": "\(suppressed)",
                ])
            }
            return Response(status: .unauthorized)
        }
        // The same signed body again, as Slack sends it when it retries: it was handled, so
        // it is answered 200 and not acted on twice (a non-2xx would count as a failed
        // delivery, and enough of those disable the app's events).
        if let signature, replays.wasUsed(signature, at: now) {
            stats.record(.repeated)
            logger.debug("Slack request repeated; already handled", metadata: ["retry": "\(request.headers[HTTPField.Name("X-Slack-Retry-Num")!] ?? "")"])
            return Response(status: .ok)
        }
        let decoded: SlackRequest
        do {
            decoded = try SlackRequest.decode(contentType: request.headers[.contentType], body: body)
        } catch {
            stats.record(.malformed)
            logger.warning("Slack request refused: malformed", metadata: ["reason": "\(error)"])
            return Self.text(.badRequest, error.description + "\n")
        }
        if let retry = request.headers[HTTPField.Name("X-Slack-Retry-Num")!] {
            logger.debug("Slack retried a request", metadata: [
                "retry": "\(retry)", "reason": "\(request.headers[HTTPField.Name("X-Slack-Retry-Reason")!] ?? "")",
            ])
        }
        let answer: SlackAnswer
        do {
            answer = try await gateway.handle(decoded)
        } catch {
            stats.record(.failed)
            logger.error("Slack request not handled: the store failed; Slack will retry", metadata: ["error": "\(error)"])
            return Response(status: .internalServerError)
        }
        stats.record(.handled)
        if let signature { replays.markUsed(signature, at: now) }
        switch answer {
        case .empty: return Response(status: .ok)
        case .challenge(let challenge): return Self.text(.ok, challenge)
        case .ephemeral: return Self.json(answer.payload!)
        }
    }

    /// The body, or nil when it has not all arrived within `timeout`.
    static func collect(_ body: RequestBody, upTo limit: Int, within timeout: Duration) async throws -> [UInt8]? {
        try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
            group.addTask { Array(try await body.collect(upTo: limit).readableBytesView) }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ value: JSONValue) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: value.text)))
    }
}

/// Running counts of what the endpoint did with requests, by outcome; the refusal count goes
/// into each refusal's log line.
public final class SlackEndpointStats: Sendable {
    public enum Outcome: Int, CaseIterable, Sendable {
        case handled, unverified, malformed, tooLarge, failed, repeated
    }

    let counts = Mutex([Int](repeating: 0, count: Outcome.allCases.count))

    @discardableResult
    func record(_ outcome: Outcome) -> Int {
        counts.withLock { counts in
            counts[outcome.rawValue] += 1
            return counts[outcome.rawValue]
        }
    }
}

/// Remembers the signatures of handled requests for as long as their timestamps are valid, so
/// a request sent again (a Slack retry, or a captured request replayed) is not acted on twice. A request that failed (500) is not remembered:
/// Slack may send it again as it was.
final class ReplayGuard: Sendable {
    let window: Duration
    let seen = Mutex<(signatures: [String: Timestamp], pruned: Timestamp)>(([:], Timestamp(secondsSinceEpoch: 0)))

    init(window: Duration) { self.window = window }

    func wasUsed(_ signature: String, at now: Timestamp) -> Bool {
        seen.withLock { $0.signatures[signature] != nil }
    }

    func markUsed(_ signature: String, at now: Timestamp) {
        seen.withLock { state in
            if now - state.pruned > window {
                state.signatures = state.signatures.filter { now - $0.value <= window * 2 }
                state.pruned = now
            }
            state.signatures[signature] = now
        }
    }
}
