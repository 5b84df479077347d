import Foundation
import HTTPTypes
import Hummingbird
import IncidentCore
import IncidentEngine
import IncidentHTTP
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
    /// Refusals before the request is verified (unsigned, too big, too slow) are logged at
    /// most once every ten seconds, so a flood of them cannot fill the disk; each line says
    /// how many went unlogged since the last.
    let refusals = RefusalLog(door: "slack", reasons: [.signature, .stale, .tooLarge, .tooSlow, .busy])

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
        let body: [UInt8]
        switch await LimitedBody.read(request, upTo: settings.maxBody, within: settings.readTimeout) {
        case .body(let read):
            body = read
        case .tooLarge:
            stats.record(.tooLarge)
            refusals.warning("Slack request refused: body over the limit", reason: .tooLarge, metadata: [
                "bytes": "\(request.headers[.contentLength] ?? "?")", "limit": "\(settings.maxBody)",
            ], at: gateway.engine.clock.now, logger: logger)
            return Answers.refusal(.tooLarge)
        case .tooSlow:
            stats.record(.malformed)
            refusals.warning("Slack request refused: body not sent within the read timeout", reason: .tooSlow,
                             metadata: ["timeout": "\(DurationText.format(settings.readTimeout))"], at: gateway.engine.clock.now, logger: logger)
            return Answers.refusal(.tooSlow)
        case .broken:
            stats.record(.malformed)
            return Answers.refusal(.broken)
        case .busy:
            refusals.warning("Slack request refused: the request bodies being read hold all the memory they may", reason: .busy,
                             metadata: ["budget": "\(BodyBudget.shared.bytes)"], at: gateway.engine.clock.now, logger: logger)
            return Answers.refusal(.busy)
        }
        let signature = request.headers[HTTPField.Name("X-Slack-Signature")!]
        let timestamp = request.headers[HTTPField.Name("X-Slack-Request-Timestamp")!]
        let now = gateway.engine.clock.now
        if let failure = signer.verify(signature: signature, timestamp: timestamp, body: body, now: now) {
            stats.record(.unverified)
            refusals.warning("Slack request refused: not verified", reason: failure == .staleTimestamp ? .stale : .signature, metadata: ["reason": "\(failure.rawValue)"], at: now, logger: logger)
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
            return Answers.text(.badRequest, error.description + "\n")
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
            logger.error("Slack request not handled for now (the store or Slack's Web API failed); answered 500, so Slack sends it again",
                         metadata: ["error": "\(error)"])
            return Response(status: .internalServerError)
        }
        stats.record(.handled)
        if let signature { replays.markUsed(signature, at: now) }
        switch answer {
        case .empty: return Response(status: .ok)
        case .challenge(let challenge): return Answers.text(.ok, challenge)
        case .ephemeral: return Answers.json(.ok, answer.payload!.text)
        }
    }
}

/// Running counts of what the endpoint did with requests, by outcome; the refusal count goes
/// into each refusal's log line.
public final class SlackEndpointStats: Sendable {
    public enum Outcome: Int, CaseIterable, Sendable {
        case handled, unverified, malformed, tooLarge, failed, repeated
    }

    let counts = Mutex([Int](repeating: 0, count: Outcome.allCases.count))

    /// How many requests came to `outcome` so far.
    public func count(_ outcome: Outcome) -> Int { counts.withLock { $0[outcome.rawValue] } }

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
        seen.withLock { $0.signatures[Self.key(signature)] != nil }
    }

    /// The signature as one spelling: its hex in lower case (a verified signature's hex may
    /// come in either case, and a copy in capitals is the same request).
    static func key(_ signature: String) -> String { signature.lowercased() }

    func markUsed(_ signature: String, at now: Timestamp) {
        seen.withLock { state in
            if now - state.pruned > window {
                state.signatures = state.signatures.filter { now - $0.value <= window * 2 }
                state.pruned = now
            }
            state.signatures[Self.key(signature)] = now
        }
    }
}
