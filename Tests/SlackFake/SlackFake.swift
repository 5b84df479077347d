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

    // MARK: - The Web API

    func api(_ request: Request, _ context: BasicWebSocketRequestContext) async throws -> Response {
        let method = context.parameters.get("method") ?? ""
        let verb = request.method == .get ? "GET" : "POST"
        var arguments: [String: String] = [:]
        if verb == "GET" {
            arguments = FormEncoding.decode(Array((request.uri.query ?? "").utf8)) ?? [:]
        } else {
            let body = try await request.body.collect(upTo: 1 << 20)
            let type = request.headers[.contentType] ?? ""
            if type.hasPrefix("application/x-www-form-urlencoded") {
                guard let form = FormEncoding.decode(body.readableBytesView) else { return reply(method, [:], status: 400, error: "invalid_form_data") }
                arguments = form
            } else if type.hasPrefix("application/json") {
                guard let json = JSONValue.parse(body.readableBytesView)?.object else { return reply(method, [:], status: 200, error: "invalid_json") }
                arguments = json.mapValues { $0.string ?? $0.text }
            } else if body.readableBytes > 0 {
                return reply(method, arguments, status: 200, error: "invalid_form_data")
            }
        }
        let auth = request.headers[.authorization] ?? ""
        let (response, hold) = state.withLock { state in
            let hold = state.faults.firstIndex { if case .holdAnswer(method) = $0 { true } else { false } }
            if let hold { state.faults.remove(at: hold) }
            return (answer(method: method, verb: verb, arguments: arguments, auth: auth, state: &state), hold != nil)
        }
        if hold { await withCheckedContinuation { continuation in state.withLock { $0.held.append(continuation) } } }
        return response
    }

    func answer(method: String, verb: String, arguments: [String: String], auth: String, state: inout State) -> Response {
        func record(_ status: Int, _ error: String?) { state.calls.append(Call(method: method, arguments: arguments, status: status, error: error)) }
        func fail(_ error: String, status: Int = 200) -> Response {
            record(status, error)
            return Self.json(["ok": false, "error": .string(error)], status: status)
        }
        if state.outage {
            record(503, "outage")
            return Response(status: .serviceUnavailable, body: .init(byteBuffer: ByteBuffer(string: "upstream connect error\n")))
        }
        if let index = state.faults.firstIndex(where: { if case .rateLimit = $0 { true } else { false } }),
           case .rateLimit(let calls, let after) = state.faults[index] {
            if calls <= 1 { state.faults.remove(at: index) } else { state.faults[index] = .rateLimit(calls: calls - 1, retryAfter: after) }
            record(429, "ratelimited")
            return Response(status: .tooManyRequests, headers: [.retryAfter: "\(after)", .contentType: "application/json"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"ok":false,"error":"ratelimited"}"#)))
        }
        guard let spec = SpecMethods.shared.methods[method] else { return fail("unknown_method", status: 404) }
        if let violation = SpecMethods.shared.violation(method: method, verb: verb, arguments: arguments) {
            state.violations.append(violation)
            return fail("invalid_arguments")
        }
        guard auth.hasPrefix("Bearer ") else { return fail("not_authed") }
        let token = String(auth.dropFirst(7))
        let expected = spec.token == "app" ? Self.appToken : Self.botToken
        guard token == expected else {
            return fail(token == Self.appToken || token == Self.botToken ? "not_allowed_token_type" : "invalid_auth")
        }
        if let index = state.faults.firstIndex(where: { if case .fail(method, _) = $0 { true } else { false } }),
           case .fail(_, let error) = state.faults.remove(at: index) {
            return fail(error)
        }
        let result = perform(method, arguments, &state)
        if case .success = result, let index = state.faults.firstIndex(where: { if case .loseAnswer(method) = $0 { true } else { false } }) {
            state.faults.remove(at: index)
            record(502, "answer lost")
            return Response(status: .badGateway, body: .init(byteBuffer: ByteBuffer(string: "bad gateway\n")))
        }
        switch result {
        case .failure(let error): return fail(error.code)
        case .success(let body):
            record(200, nil)
            var object = body.object ?? [:]
            object["ok"] = true
            return Self.json(.object(object))
        }
    }

    struct SlackError: Error { var code: String }

    func perform(_ method: String, _ args: [String: String], _ state: inout State) -> Result<JSONValue, SlackError> {
        func channel(_ key: String = "channel") -> Result<Channel, SlackError> {
            guard let id = args[key], let channel = state.channels[id] else { return .failure(SlackError(code: "channel_not_found")) }
            return .success(channel)
        }
        func info(_ channel: Channel) -> JSONValue {
            ["id": .string(channel.id), "name": .string(channel.name), "is_channel": .bool(!channel.isIM), "is_im": .bool(channel.isIM),
             "is_private": .bool(channel.isPrivate), "topic": ["value": .string(channel.topic)], "num_members": .number(Double(channel.members.count))]
        }
        func message(_ channelID: String, user: String? = nil) -> Result<Posted, SlackError> {
            let text = args["text"] ?? ""
            var blocks: JSONValue?
            // Slack counts its limits in UTF-16 code units, as JavaScript does, not in characters.
            if let raw = args["blocks"] {
                guard let parsed = JSONValue.parse(Array(raw.utf8)), let list = parsed.array, list.count <= 50 else {
                    return .failure(SlackError(code: "invalid_blocks"))
                }
                for block in list {
                    if let section = block["text"]?["text"]?.string, section.utf16.count > 3_000 { return .failure(SlackError(code: "invalid_blocks")) }
                }
                // Not among Slack's published limits, but what it answers (slackapi/bolt-js#2509):
                // the blocks' text together past about 12,000.
                let together = list.reduce(0) { $0 + ($1["text"]?["text"]?.string?.utf16.count ?? 0) }
                if together > state.blocksTextLimit { return .failure(SlackError(code: "msg_blocks_too_long")) }
                blocks = parsed
            }
            guard !text.isEmpty || blocks != nil else { return .failure(SlackError(code: "no_text")) }
            guard text.utf16.count <= 40_000 else { return .failure(SlackError(code: "msg_too_long")) }
            var metadata: JSONValue?
            if let raw = args["metadata"] {
                guard let parsed = JSONValue.parse(Array(raw.utf8)), parsed["event_type"]?.string?.isEmpty == false,
                      parsed["event_payload"]?.object != nil else { return .failure(SlackError(code: "invalid_metadata_format")) }
                metadata = parsed
            }
            let ts = String(format: "1764000000.%06d", state.nextTS)
            state.nextTS += 1
            return .success(Posted(method: "", channel: channelID, ts: ts, text: text, blocks: blocks, user: user, metadata: metadata))
        }
        switch method {
        case "conversations.create":
            guard let name = args["name"], !name.isEmpty else { return .failure(SlackError(code: "invalid_name_required")) }
            guard name.count <= 80 else { return .failure(SlackError(code: "invalid_name_maxlength")) }
            guard name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_" }), name.allSatisfy(\.isASCII) else {
                return .failure(SlackError(code: "invalid_name_specials"))
            }
            guard !state.channels.values.contains(where: { $0.name == name }) else { return .failure(SlackError(code: "name_taken")) }
            let id = state.newID("C")
            guard ["true", "false", "1", "0", nil].contains(args["is_private"]) else { return .failure(SlackError(code: "invalid_arguments")) }
            state.channels[id] = Channel(id: id, name: name, isIM: false, members: [Self.botUserID], topic: "", creator: Self.botUserID,
                                         isPrivate: args["is_private"] == "true" || args["is_private"] == "1")
            return .success(["channel": info(state.channels[id]!)])
        case "conversations.list":
            // Channels of `types` (default public_channel; private ones only where the bot is a
            // member) by id, `limit` a page (1 to 1000, default 100), `cursor` the id to go on from.
            let limit = min(max(Int(args["limit"] ?? "100") ?? 100, 1), 1_000)
            let types = Set((args["types"] ?? "public_channel").split(separator: ",").map(String.init))
            let excludeArchived = args["exclude_archived"] == "true" || args["exclude_archived"] == "1"
            let all = state.channels.values.filter { channel in
                !channel.isIM && !(excludeArchived && channel.isArchived) && (channel.isPrivate ? types.contains("private_channel") && channel.members.contains(Self.botUserID)
                                                   : types.contains("public_channel"))
            }.sorted { $0.id < $1.id }
            let page = all.filter { $0.id >= (args["cursor"] ?? "") }.prefix(limit + 1)
            let channels: [JSONValue] = page.prefix(limit).map { channel in
                var object = info(channel).object ?? [:]
                object["creator"] = .string(channel.creator)
                object["created"] = .number(Double(channel.created))
                object["is_archived"] = .bool(channel.isArchived)
                return .object(object)
            }
            let next = page.count > limit ? page.last!.id : ""
            return .success(["channels": .array(channels), "response_metadata": ["next_cursor": .string(next)]])
        case "conversations.history":
            return channel().flatMap { channel in
                guard channel.members.contains(Self.botUserID) else { return .failure(SlackError(code: "not_in_channel")) }
                let limit = min(max(Int(args["limit"] ?? "100") ?? 100, 1), 999)
                let withMetadata = args["include_all_metadata"] == "true" || args["include_all_metadata"] == "1"
                // `latest` and `oldest` bound the window by ts, each end inclusive only with `inclusive`.
                let inclusive = args["inclusive"] == "true" || args["inclusive"] == "1"
                let latest = args["latest"].flatMap(Double.init) ?? .infinity
                let oldest = args["oldest"].flatMap(Double.init) ?? 0
                let messages: [JSONValue] = state.posted.filter { posted in
                    guard posted.channel == channel.id, posted.method == "chat.postMessage" || posted.method == "human",
                          let ts = Double(posted.ts) else { return false }
                    return inclusive ? (oldest...latest).contains(ts) : ts > oldest && ts < latest
                }
                    .suffix(limit).reversed().map { posted in
                        var object: [String: JSONValue] = ["type": "message", "ts": .string(posted.ts), "text": .string(posted.text)]
                        if posted.method == "human" { object["user"] = .string(posted.user ?? "") } else { object["bot_id"] = "BINCBOT01" }
                        if withMetadata, let metadata = posted.metadata { object["metadata"] = metadata }
                        return .object(object)
                    }
                return .success(["messages": .array(messages), "has_more": false])
            }
        case "conversations.replies":
            // Threads are not modelled: a message is its own thread of one.
            return channel().flatMap { channel in
                guard channel.members.contains(Self.botUserID) else { return .failure(SlackError(code: "not_in_channel")) }
                guard let posted = state.posted.first(where: {
                    $0.channel == channel.id && $0.ts == args["ts"] && ($0.method == "chat.postMessage" || $0.method == "human")
                }) else {
                    return .failure(SlackError(code: "thread_not_found"))
                }
                var object: [String: JSONValue] = ["type": "message", "ts": .string(posted.ts), "text": .string(posted.text)]
                if posted.method == "human" { object["user"] = .string(posted.user ?? "") } else { object["bot_id"] = "BINCBOT01" }
                return .success(["messages": [.object(object)], "has_more": false])
            }
        case "conversations.invite":
            return channel().flatMap { channel in
                guard !channel.isArchived else { return .failure(SlackError(code: "is_archived")) }
                guard channel.members.contains(Self.botUserID) else { return .failure(SlackError(code: "not_in_channel")) }
                let users = (args["users"] ?? "").split(separator: ",").map(String.init)
                guard !users.isEmpty else { return .failure(SlackError(code: "no_user")) }
                if users.contains(Self.botUserID) { return .failure(SlackError(code: "cant_invite_self")) }
                guard users.allSatisfy(state.users.contains) else { return .failure(SlackError(code: "user_not_found")) }
                if users.allSatisfy(channel.members.contains) { return .failure(SlackError(code: "already_in_channel")) }
                state.channels[channel.id]!.members.formUnion(users)
                return .success(["channel": info(state.channels[channel.id]!)])
            }
        case "conversations.setTopic":
            return channel().flatMap { channel in
                guard !channel.isArchived else { return .failure(SlackError(code: "is_archived")) }
                guard channel.members.contains(Self.botUserID) else { return .failure(SlackError(code: "not_in_channel")) }
                let topic = args["topic"] ?? ""
                guard topic.utf16.count <= 250 else { return .failure(SlackError(code: "too_long")) }
                state.channels[channel.id]!.topic = topic
                return .success(["channel": info(state.channels[channel.id]!)])
            }
        case "conversations.rename":
            // Slack: the channel's creator or a workspace admin, the bot among its members.
            return channel().flatMap { channel in
                guard channel.members.contains(Self.botUserID) else { return .failure(SlackError(code: "not_in_channel")) }
                guard channel.creator == Self.botUserID else { return .failure(SlackError(code: "not_authorized")) }
                guard let name = args["name"], !name.isEmpty else { return .failure(SlackError(code: "invalid_name_required")) }
                guard name.count <= 80 else { return .failure(SlackError(code: "invalid_name_maxlength")) }
                guard name.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_" }), name.allSatisfy(\.isASCII) else {
                    return .failure(SlackError(code: "invalid_name_specials"))
                }
                guard !state.channels.values.contains(where: { $0.name == name && $0.id != channel.id }) else {
                    return .failure(SlackError(code: "name_taken"))
                }
                state.channels[channel.id]!.name = name
                return .success(["channel": info(state.channels[channel.id]!)])
            }
        case "conversations.archive":
            return channel().flatMap { channel in
                guard !channel.isIM else { return .failure(SlackError(code: "method_not_supported_for_channel_type")) }
                guard !channel.isArchived else { return .failure(SlackError(code: "already_archived")) }
                state.channels[channel.id]!.isArchived = true
                return .success([:])
            }
        case "conversations.join":
            return channel().flatMap { channel in
                guard !channel.isIM, !channel.isPrivate else { return .failure(SlackError(code: "method_not_supported_for_channel_type")) }
                guard !channel.isArchived else { return .failure(SlackError(code: "is_archived")) }
                state.channels[channel.id]!.members.insert(Self.botUserID)
                return .success(["channel": info(state.channels[channel.id]!)])
            }
        case "conversations.open":
            let users = (args["users"] ?? "").split(separator: ",").map(String.init)
            guard users.count == 1, let user = users.first else { return .failure(SlackError(code: "users_list_not_supplied")) }
            guard state.users.contains(user) else { return .failure(SlackError(code: "user_not_found")) }
            if let existing = state.channels.values.first(where: { $0.isIM && $0.members.contains(user) }) {
                return .success(["channel": ["id": .string(existing.id)], "already_open": true])
            }
            let id = state.newID("D")
            state.channels[id] = Channel(id: id, name: "", isIM: true, members: [user, Self.botUserID], topic: "")
            return .success(["channel": ["id": .string(id)]])
        case "chat.postMessage":
            return channel().flatMap { channel in
                guard !channel.isArchived else { return .failure(SlackError(code: "is_archived")) }
                guard channel.members.contains(Self.botUserID) else { return .failure(SlackError(code: "not_in_channel")) }
                return message(channel.id).map { posted in
                    var posted = posted
                    posted.method = method
                    state.posted.append(posted)
                    return ["channel": .string(channel.id), "ts": .string(posted.ts), "message": ["text": .string(posted.text), "ts": .string(posted.ts)]]
                }
            }
        case "chat.postEphemeral":
            return channel().flatMap { channel in
                guard !channel.isArchived else { return .failure(SlackError(code: "is_archived")) }
                guard let user = args["user"], state.users.contains(user) else { return .failure(SlackError(code: "user_not_found")) }
                guard channel.members.contains(user) || channel.isIM else { return .failure(SlackError(code: "user_not_in_channel")) }
                return message(channel.id, user: user).map { posted in
                    var posted = posted
                    posted.method = method
                    state.posted.append(posted)
                    return ["message_ts": .string(posted.ts)]
                }
            }
        case "chat.update":
            return channel().flatMap { channel in
                guard let ts = args["ts"], let index = state.posted.firstIndex(where: { $0.channel == channel.id && $0.ts == ts }) else {
                    return .failure(SlackError(code: "message_not_found"))
                }
                guard state.posted[index].method == "chat.postMessage" else { return .failure(SlackError(code: "cant_update_message")) }
                return message(channel.id).map { updated in
                    state.posted[index].text = updated.text
                    state.posted[index].blocks = updated.blocks
                    return ["channel": .string(channel.id), "ts": .string(ts), "text": .string(updated.text)]
                }
            }
        case "auth.test":
            var answer: [String: JSONValue] = ["url": "https://example.slack.com/", "team": "Example", "user": "incident-bot",
                                               "team_id": .string(Self.teamID), "user_id": .string(Self.botUserID), "bot_id": "BINCBOT01",
                                               "is_enterprise_install": .bool(orgWide)]
            if let enterprise { answer["enterprise_id"] = .string(enterprise) }
            return .success(.object(answer))
        case "users.info":
            guard let user = args["user"] else { return .failure(SlackError(code: "user_not_found")) }
            if let team = state.externalUsers[user] {
                return .success(["user": ["id": .string(user), "team_id": .string(team), "name": .string(user.lowercased()), "deleted": false,
                                          "is_bot": false]])
            }
            guard state.users.contains(user) else { return .failure(SlackError(code: "user_not_found")) }
            var found: [String: JSONValue] = ["id": .string(user), "team_id": .string(Self.teamID), "name": .string(user.lowercased()),
                                              "deleted": false, "is_bot": .bool(user == Self.botUserID)]
            if let enterprise { found["enterprise_user"] = ["enterprise_id": .string(enterprise), "teams": [.string(Self.teamID)]] }
            return .success(["user": .object(found)])
        case "users.lookupByEmail":
            guard let email = args["email"], let user = state.emails[email.lowercased()] else { return .failure(SlackError(code: "users_not_found")) }
            return .success(["user": ["id": .string(user), "name": .string(user.lowercased()), "deleted": false]])
        case "apps.connections.open":
            state.connectionsOpened += 1
            if !state.socketURLs.isEmpty { return .success(["url": .string(state.socketURLs.removeFirst())]) }
            return .success(["url": .string("ws://127.0.0.1:\(port)/socket?ticket=\(state.connectionsOpened)")])
        default:
            return .failure(SlackError(code: "fake_method_not_implemented"))
        }
    }

    static func json(_ value: JSONValue, status: Int = 200) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: value.text)))
    }

    func reply(_ method: String, _ arguments: [String: String], status: Int, error: String) -> Response {
        state.withLock { $0.calls.append(Call(method: method, arguments: arguments, status: status, error: error)) }
        return Self.json(["ok": false, "error": .string(error)], status: status)
    }
}

extension FakeSlack.State {
    mutating func newID(_ prefix: String) -> String {
        defer { nextID += 1 }
        return prefix + String(format: "%08d", nextID)
    }
}
