import Foundation
import IncidentCore
import IncidentWire

/// What Slack sent, decoded from one of its three body shapes (or a Socket Mode envelope's
/// payload), before anything acts on it.
public enum SlackRequest: Hashable, Sendable {
    /// The Events API's handshake when the request URL is saved: answered with the challenge.
    case urlVerification(challenge: String)
    case event(EventCallback)
    case slashCommand(SlashCommand)
    case blockActions(BlockActions)
    /// A request type the bot does not act on (acknowledged, nothing else).
    case other(type: String)

    public struct EventCallback: Hashable, Sendable {
        public var eventID: String
        /// The bot's own user id in this workspace (`authorizations[0].user_id`), when given.
        public var botUserID: String?
        public var type: String
        public var subtype: String?
        public var user: String?
        /// Set on messages a bot (this one included) posted.
        public var botID: String?
        public var channel: String?
        public var text: String?
        public var origin = SlackOrigin()
        /// The whole `event` object, for the fields only some types have (a pin's or a
        /// reaction's `item`, a reaction's name).
        public var event: JSONValue = .null
    }

    public struct SlashCommand: Hashable, Sendable {
        public var command: String
        public var text: String
        public var userID: String
        public var channelID: String
        /// Unique per invocation: the command's event id.
        public var triggerID: String
        public var origin = SlackOrigin()
    }

    public struct BlockActions: Hashable, Sendable {
        public var userID: String
        public var channelID: String
        public var triggerID: String
        /// The message the buttons are on, for `chat.update`.
        public var messageTS: String?
        public var actionID: String
        public var value: String?
        /// The message's blocks as Slack sent them back.
        public var messageBlocks: [JSONValue]?
        public var origin = SlackOrigin()
    }
}

/// Which workspace a request came from, and the acting user's own workspace when Slack says
/// (a Slack Connect user from another organisation in a shared channel).
///
/// In an Enterprise Grid organisation Slack names the acting user's team by the
/// organisation's id, not their workspace's (a button's `user.team_id`, an event's
/// `user_team` in a channel shared across the organisation): that says only that they are of
/// the organisation the request came from, so their workspace is taken as the request's own.
/// The on-call's Acknowledge, and their `@incident-bot ack`, were dropped without a word. A
/// Slack Connect user of another organisation is still named by their own team or
/// organisation.
public struct SlackOrigin: Hashable, Sendable {
    public var team: String?
    public var enterprise: String?
    public var userTeam: String?

    public init(team: String? = nil, enterprise: String? = nil, userTeam: String? = nil) {
        self.team = team.flatMap { $0.isEmpty ? nil : $0 }
        self.enterprise = enterprise.flatMap { $0.isEmpty ? nil : $0 }
        self.userTeam = userTeam.flatMap { $0.isEmpty || $0 == self.enterprise ? nil : $0 }
    }

    /// Whether a bot serving `allowed` (team `T...` or enterprise `E...` ids) takes this
    /// request: its workspace or organisation is allowed, and so is the acting user's own
    /// workspace when it differs. A request that names no workspace is not taken.
    public func isServed(by allowed: Set<String>) -> Bool {
        let home = team.map(allowed.contains) == true || enterprise.map(allowed.contains) == true
        let user = userTeam.map { $0 == team || allowed.contains($0) } ?? true
        return home && user
    }
}

/// A request body that is not what Slack sends: answered 400 with this reason.
public struct SlackRequestError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension SlackRequest {
    /// Decodes an HTTP request body by its content type: JSON for the Events API, a form for
    /// slash commands, a form with one `payload` JSON field for interactivity.
    public static func decode(contentType: String?, body: [UInt8]) throws(SlackRequestError) -> SlackRequest {
        let type = (contentType ?? "").split(separator: ";").first.map { $0.trimmingWhitespace().lowercased() } ?? ""
        switch type {
        case "application/json":
            guard let json = JSONValue.parse(body) else { throw SlackRequestError("the body is not valid JSON") }
            return try eventsAPI(json)
        case "application/x-www-form-urlencoded":
            guard let form = FormEncoding.decode(body) else { throw SlackRequestError("the form body is not valid") }
            if let payload = form["payload"] {
                guard let json = JSONValue.parse(Array(payload.utf8)) else { throw SlackRequestError("the payload field is not valid JSON") }
                return try interactive(json)
            }
            return try slashCommand(form)
        case "":
            throw SlackRequestError("no Content-Type")
        default:
            throw SlackRequestError("unsupported Content-Type \(type)")
        }
    }

    /// An Events API body (HTTP) or `events_api` envelope payload (Socket Mode).
    public static func eventsAPI(_ json: JSONValue) throws(SlackRequestError) -> SlackRequest {
        guard let type = json["type"]?.string else { throw SlackRequestError("the JSON has no type") }
        switch type {
        case "url_verification":
            guard let challenge = json["challenge"]?.string else { throw SlackRequestError("url_verification without a challenge") }
            return .urlVerification(challenge: challenge)
        case "event_callback":
            guard let eventID = json["event_id"]?.string, !eventID.isEmpty else { throw SlackRequestError("event_callback without an event_id") }
            guard let event = json["event"], let eventType = event["type"]?.string else {
                throw SlackRequestError("event_callback without an event type")
            }
            // The bot the event was delivered for: `authorizations` (today's wrapper; not an
            // installing person's own authorization), or the older `authed_users` when it
            // names one user.
            let authedUsers = json["authed_users"]?.array?.compactMap(\.string) ?? []
            let authorization = json["authorizations"]?[0]
            let botUser = authorization?["is_bot"]?.bool == false ? nil
                : authorization?["user_id"]?.string ?? (authedUsers.count == 1 ? authedUsers[0] : nil)
            return .event(EventCallback(eventID: eventID, botUserID: botUser, type: eventType, subtype: event["subtype"]?.string,
                                        user: event["user"]?.string, botID: event["bot_id"]?.string,
                                        channel: event["channel"]?.string, text: event["text"]?.string,
                                        origin: eventOrigin(json, event: event, authorization: authorization),
                                        event: event))
        default:
            return .other(type: type)
        }
    }

    /// Where an event came from. In a Slack Connect channel another organisation owns, the
    /// top-level `team_id` and `enterprise_id` are the owner's: the workspace the event was
    /// delivered for is the authorization's, and the author is judged by their own team
    /// (`user_team`), or by the owner's when Slack leaves it out or names only an
    /// organisation. The on-call's `@incident-bot ack` in a vendor's shared channel was refused
    /// as another workspace's. In a channel of the installation's own (its workspace's, or for
    /// an install on the whole organisation, its organisation's) nothing changes.
    static func eventOrigin(_ json: JSONValue, event: JSONValue, authorization: JSONValue?) -> SlackOrigin {
        let team = json["team_id"]?.string
        let enterprise = json["enterprise_id"]?.string
        let userTeam = event["user_team"]?.string ?? event["user_profile"]?["team"]?.string
        func id(_ key: String) -> String? { authorization?[key]?.string.flatMap { $0.isEmpty ? nil : $0 } }
        let installedTeam = id("team_id")
        let installedEnterprise = id("enterprise_id")
        guard installedTeam != nil || installedEnterprise != nil,
              installedTeam.map({ $0 != team }) ?? (installedEnterprise != enterprise)
        else { return SlackOrigin(team: team, enterprise: enterprise, userTeam: userTeam) }
        let author = userTeam == nil || userTeam == enterprise ? team : userTeam
        return SlackOrigin(team: installedTeam, enterprise: installedEnterprise, userTeam: author)
    }

    /// A slash command's fields (HTTP form, or Socket Mode `slash_commands` payload).
    public static func slashCommand(_ fields: [String: String]) throws(SlackRequestError) -> SlackRequest {
        var missing: [String] = []
        func field(_ name: String) -> String {
            guard let value = fields[name], !value.isEmpty else { missing.append(name); return "" }
            return value
        }
        let command = SlashCommand(command: field("command"), text: fields["text"] ?? "", userID: field("user_id"),
                                   channelID: field("channel_id"), triggerID: field("trigger_id"),
                                   origin: SlackOrigin(team: fields["team_id"], enterprise: fields["enterprise_id"],
                                                       userTeam: fields["user_team_id"]))
        guard missing.isEmpty else { throw SlackRequestError("slash command without \(missing.joined(separator: ", "))") }
        guard command.command.hasPrefix("/") else { throw SlackRequestError("slash command name does not start with /") }
        return .slashCommand(command)
    }

    /// An interactivity payload (HTTP `payload=` field, or Socket Mode `interactive` payload).
    public static func interactive(_ json: JSONValue) throws(SlackRequestError) -> SlackRequest {
        guard let type = json["type"]?.string else { throw SlackRequestError("the payload has no type") }
        guard type == "block_actions" else { return .other(type: type) }
        guard let user = json["user"]?["id"]?.string else { throw SlackRequestError("block_actions without user.id") }
        guard let channel = json["channel"]?["id"]?.string ?? json["container"]?["channel_id"]?.string else {
            throw SlackRequestError("block_actions without a channel")
        }
        guard let trigger = json["trigger_id"]?.string else { throw SlackRequestError("block_actions without trigger_id") }
        guard let action = json["actions"]?[0], let actionID = action["action_id"]?.string else {
            throw SlackRequestError("block_actions without an action")
        }
        return .blockActions(BlockActions(userID: user, channelID: channel, triggerID: trigger,
                                          messageTS: json["container"]?["message_ts"]?.string ?? json["message"]?["ts"]?.string,
                                          actionID: actionID, value: action["value"]?.string,
                                          messageBlocks: json["message"]?["blocks"]?.array,
                                          origin: buttonOrigin(json)))
    }

    /// Where a button press came from.
    static func buttonOrigin(_ json: JSONValue) -> SlackOrigin {
        SlackOrigin(team: json["team"]?["id"]?.string, enterprise: json["enterprise"]?["id"]?.string ?? json["team"]?["enterprise_id"]?.string,
                    userTeam: json["user"]?["team_id"]?.string)
    }
}
