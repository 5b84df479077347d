import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import IncidentSlack
import IncidentWire
import NIOCore
import Synchronization

/// The fake's Web API: each call's arguments read as Slack reads them (query, form or JSON),
/// checked, answered as Slack documents, and recorded.
extension FakeSlack {
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
        if let index = state.faults.firstIndex(where: { if case .carryOutLater(method) = $0 { true } else { false } }) {
            state.faults.remove(at: index)
            state.deferred.append((method, arguments))
            record(502, "carried out later")
            return Response(status: .badGateway, body: .init(byteBuffer: ByteBuffer(string: "bad gateway\n")))
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
