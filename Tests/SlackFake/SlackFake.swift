import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import IncidentSlack
import IncidentWire
import Logging
import NIOCore
import Synchronization

/// A fake of Slack's Web API and Socket Mode, on loopback. It answers as Slack documents:
/// method names and arguments checked against Slack's OpenAPI spec, `{ok, error}` answers with
/// Slack's error codes (`name_taken`, `channel_not_found`, `not_in_channel`, ...), HTTP 429 with
/// `Retry-After` and `ratelimited`, and 5xx during an outage. It records every call.
public final class FakeSlack: Sendable {
    public static let botToken = "xoxb-fake-bot-token"
    public static let appToken = "xapp-fake-app-token"
    public static let botUserID = "UINCBOT01"
    /// The workspace the fake is: `auth.test` names it, the test requests come from it.
    public static let teamID = "T0TEAM001"

    public struct Call: Sendable, CustomStringConvertible {
        public var method: String
        public var arguments: [String: String]
        /// HTTP status and Slack error (nil when ok).
        public var status: Int
        public var error: String?
        public var description: String { "\(method) \(arguments.sorted { $0.key < $1.key }) -> \(status) \(error ?? "ok")" }
    }

    public struct Channel: Sendable {
        public var id: String
        public var name: String
        public var isIM: Bool
        public var members: Set<String>
        public var topic: String
        /// Who made it, and when (Unix seconds), as `conversations.list` reports.
        public var creator = "U0HUMAN01"
        public var created = Int(Date().timeIntervalSince1970)
        /// A private channel: listed only for `types=private_channel`, joined only by invitation.
        public var isPrivate = false
        /// Archived (`conversations.archive`): left out of `conversations.list` with
        /// `exclude_archived`, nobody posts in it, and its name stays taken.
        public var isArchived = false
    }

    public struct Posted: Sendable {
        public var method: String
        public var channel: String
        public var ts: String
        public var text: String
        public var blocks: JSONValue?
        /// For ephemeral messages: who sees it.
        public var user: String?
        /// Message metadata (`event_type`, `event_payload`), as posted.
        public var metadata: JSONValue?
    }

    /// What the fake does to the next calls.
    public enum Fault: Sendable {
        /// Every call answers 503 (Slack's servers unreachable behind their load balancer).
        case outage
        /// The next `calls` calls answer HTTP 429 `ratelimited` with `Retry-After: seconds`.
        case rateLimit(calls: Int, retryAfter: Int)
        /// The next call of `method` answers `ok: false` with `error`.
        case fail(method: String, error: String)
        /// The next call of `method` is carried out, but its answer is lost (HTTP 502 from a
        /// proxy): the caller cannot tell whether it happened, as after a crash mid-call.
        case loseAnswer(method: String)
        /// The next call of `method` is carried out at once, but its answer waits until
        /// `releaseHeldAnswers()`: a caller paused or stalled with the call in flight.
        case holdAnswer(method: String)
        /// The next call of `method` is answered as a dropped connection (502), and carried out
        /// only at `carryOutDeferredCalls()`: Slack still at work on a request when the bot that
        /// made it was killed.
        case carryOutLater(method: String)
    }

    struct State {
        var channels: [String: Channel] = [:]
        var users: Set<String> = []
        /// Accounts of other workspaces the app can see (in a channel shared with them), by
        /// their own team: `users.info` answers for them with that team.
        var externalUsers: [String: String] = [:]
        var emails: [String: String] = [:]
        var calls: [Call] = []
        var violations: [String] = []
        var posted: [Posted] = []
        var faults: [Fault] = []
        var held: [CheckedContinuation<Void, Never>] = []
        var deferred: [(method: String, arguments: [String: String])] = []
        var outage = false
        /// Where the blocks' text together is refused (`msg_blocks_too_long`).
        var blocksTextLimit = 12_000
        var nextID = 1
        var nextTS = 1
        // Socket Mode
        var sockets: [Int: AsyncStream<SocketCommand>.Continuation] = [:]
        var nextSocket = 1
        var connectionsOpened = 0
        /// URLs the next `apps.connections.open` calls answer with, instead of the fake's own
        /// socket (a server that takes the handshake and never answers it).
        var socketURLs: [String] = []
        /// How many of the next connections get no `hello`.
        var helloWithheld = 0
        var unacked: [(id: String, envelope: JSONValue)] = []
        var acks: [(id: String, payload: JSONValue?)] = []
    }

    enum SocketCommand: Sendable {
        case send(String)
        case disconnect
        case drop
    }

    let state = Mutex(State())
    let logger: Logger
    let server = Mutex<RunningServer?>(nil)

    /// The Enterprise Grid organisation the workspace is in (nil: none), and whether the app
    /// is installed on the whole organisation: what `auth.test` says.
    let enterprise: String?
    let orgWide: Bool

    /// `users`: the workspace's member ids (the roster's Slack accounts).
    public init(users: [String], enterprise: String? = nil, orgWide: Bool = false) {
        self.enterprise = enterprise
        self.orgWide = orgWide
        var logger = Logger(label: "fake-slack")
        logger.logLevel = .critical
        self.logger = logger
        state.withLock { state in
            state.users = Set(users + [Self.botUserID])
            for user in users { state.emails["\(user.lowercased())@example.com"] = user }
        }
    }

    /// An account of another workspace (`team`) the app can see, as in a channel shared with it.
    public func addExternalUser(_ user: String, team: String) {
        state.withLock { $0.externalUsers[user] = team }
    }

    // MARK: - Running

    public var port: Int { server.withLock { $0?.port ?? 0 } }
    public var apiURL: String { "http://127.0.0.1:\(port)/api" }

    public func start() async throws {
        let running = try await RunningServer.start { onRunning in self.application(onRunning: onRunning) }
        server.withLock { $0 = running }
    }

    public func stop() async {
        let running = server.withLock { $0 }
        state.withLock { $0.sockets.values.forEach { $0.finish() } }
        await running?.stop()
    }

    func application(onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.on("/api/{method}", method: .post) { request, context in try await self.api(request, context) }
        router.on("/api/{method}", method: .get) { request, context in try await self.api(request, context) }
        let sockets = Router(context: BasicWebSocketRequestContext.self)
        sockets.ws("/socket") { inbound, outbound, _ in
            try await self.socket(inbound: inbound, outbound: outbound)
        }
        return Application(router: router, server: .http1WebSocketUpgrade(webSocketRouter: sockets),
                           configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    // MARK: - Setting up and reading

    /// Adds a channel that exists before the bot starts (the broadcast channel); the bot is not
    /// a member unless `botIsMember`.
    @discardableResult
    public func addChannel(_ name: String, botIsMember: Bool = false) -> String {
        state.withLock { state in
            let id = state.newID("C")
            state.channels[id] = Channel(id: id, name: name, isIM: false, members: botIsMember ? [Self.botUserID] : [], topic: "")
            return id
        }
    }

    /// A person writes `text` in `channel` (not through the bot), at `seconds` since 1970 (the
    /// fake's own base time without it): the message, with its `ts`.
    @discardableResult
    public func say(_ user: String, _ text: String, in channel: String, at seconds: Int64 = 1_764_000_000) -> Posted {
        state.withLock { state in
            let ts = String(format: "%lld.%06d", seconds, state.nextTS)
            state.nextTS += 1
            let posted = Posted(method: "human", channel: channel, ts: ts, text: text, blocks: nil, user: user, metadata: nil)
            state.posted.append(posted)
            return posted
        }
    }

    /// How many answers `holdAnswer` holds back now.
    public var heldAnswers: Int { state.withLock { $0.held.count } }

    /// Sends the answers `holdAnswer` held back.
    public func releaseHeldAnswers() {
        for continuation in state.withLock({ state in defer { state.held = [] }; return state.held }) { continuation.resume() }
    }

    /// Carries out the calls `carryOutLater` took.
    public func carryOutDeferredCalls() {
        state.withLock { state in
            for call in state.deferred { _ = perform(call.method, call.arguments, &state) }
            state.deferred = []
        }
    }

    public func inject(_ fault: Fault) {
        state.withLock { state in
            if case .outage = fault { state.outage = true } else { state.faults.append(fault) }
        }
    }

    public func endOutage() { state.withLock { $0.outage = false } }

    /// Slack does not publish where it refuses blocks for their size, and one refusal was
    /// measured at 11,341 characters: a test may have the fake refuse lower.
    public func refuseBlocks(over limit: Int) { state.withLock { $0.blocksTextLimit = limit } }
    /// Takes the bot out of a channel, as a member removing it would.
    public func removeBot(from channel: String) { _ = state.withLock { $0.channels[channel]?.members.remove(Self.botUserID) } }

    public var calls: [Call] { state.withLock { $0.calls } }
    /// Calls the spec does not allow (must stay empty).
    public var violations: [String] { state.withLock { $0.violations } }
    public var posted: [Posted] { state.withLock { $0.posted } }
    public var channels: [Channel] { state.withLock { Array($0.channels.values).sorted { $0.id < $1.id } } }

    public func channel(named name: String) -> Channel? { state.withLock { $0.channels.values.first { $0.name == name } } }

    /// Messages in a channel (by id), oldest first.
    public func messages(in channel: String) -> [Posted] { posted.filter { $0.channel == channel } }

    /// Direct messages to a user (through their IM channel), oldest first.
    public func directMessages(to user: String) -> [Posted] {
        let ims = state.withLock { state in Set(state.channels.values.filter { $0.isIM && $0.members.contains(user) }.map(\.id)) }
        return posted.filter { ims.contains($0.channel) && $0.method == "chat.postMessage" }
    }
}
