import IncidentCore
import IncidentEngine
import IncidentWire
import Logging
import Synchronization

/// The outbound half of Slack: carries out outbox jobs with Web API calls.
///
/// Idempotency: Slack has no idempotency key for `chat.postMessage`, so a crash between a send
/// and the outbox marking it done can show a message twice (at least once). Within a process,
/// a room whose creation half succeeded (channel made, topic or invites failed) is remembered
/// by the job's key, so the retry finishes that channel instead of making a second one.
public final class SlackTransport: ChatTransport {
    public let platform = Platform.slack
    let api: SlackWebAPI
    let logger: Logger
    /// How many suffixes (`-2`, `-3`, ...) to try when a channel name is taken.
    let nameAttempts = 20
    let state = Mutex(State())

    struct State {
        /// Channel made for a `createRoom` job whose topic or invites are not yet done.
        var created: [String: (id: String, name: String)] = [:]
        /// Direct message channel per Slack user id.
        var directChannels: [String: String] = [:]
    }

    public init(api: SlackWebAPI, logger: Logger) {
        self.api = api
        self.logger = logger
    }

    public func deliver(_ job: TransportJob) async throws(TransportError) -> TransportReceipt {
        try await delivering(job, logger: logger,
                             fix: "Slack refuses the bot's token or scopes; fix SLACK_BOT_TOKEN or the app's scopes (docs/slack-setup.md)",
                             perform)
    }

    func perform(_ job: TransportJob) async throws(SlackAPIError) -> TransportReceipt {
        switch job.action {
        case .createRoom(let name, let topic, let invitees):
            let channel = try await createChannel(name, key: job.key)
            try await call("conversations.setTopic", ["channel": channel.id, "topic": SlackFormat.topic(topic, people: job.people)])
            try await invite(invitees.compactMap { job.people[$0]?.account }, to: channel.id)
            _ = state.withLock { $0.created.removeValue(forKey: job.key) }
            return .roomCreated(id: channel.id, name: channel.name)
        case .invite(let room, let people):
            try await invite(people.compactMap { job.people[$0]?.account }, to: room)
        case .setTopic(let room, let topic):
            try await inChannel(room) { () async throws(SlackAPIError) in
                try await call("conversations.setTopic", ["channel": room, "topic": SlackFormat.topic(topic, people: job.people)])
            }
        case .post(let room, let message):
            try await inChannel(room) { () async throws(SlackAPIError) in try await post(message, to: room, job: job) }
        case .directMessage(let person, let message):
            guard let account = job.people[person]?.account else {
                throw .slack(method: "conversations.open", error: "no Slack account for \(person)")
            }
            try await post(message, to: try await directChannel(account), job: job)
        case .reply(let room, let user, let message):
            do {
                try await call("chat.postEphemeral", messageArguments(message, job: job).merging(["channel": room, "user": user]) { _, new in new })
            } catch where ["user_not_in_channel", "channel_not_found", "not_in_channel"].contains(error.code) {
                // Typed somewhere the bot cannot whisper (a channel it is not in): answer by DM.
                try await post(message, to: try await directChannel(user), job: job)
            }
        }
        return .delivered
    }

    /// `conversations.create`, moving to `name-2`, `name-3`, ... while Slack says `name_taken`.
    func createChannel(_ name: String, key: String) async throws(SlackAPIError) -> (id: String, name: String) {
        if let done = state.withLock({ $0.created[key] }) { return done }
        for attempt in 1...nameAttempts {
            let candidate = attempt == 1 ? name : Self.suffixed(name, attempt)
            do throws(SlackAPIError) {
                let answer = try await call("conversations.create", ["name": candidate, "is_private": "false"])
                guard let id = answer["channel"]?["id"]?.string else {
                    throw .unavailable(method: "conversations.create", reason: "no channel id in the answer")
                }
                let made = (id: id, name: answer["channel"]?["name"]?.string ?? candidate)
                state.withLock { $0.created[key] = made }
                if attempt > 1 { logger.notice("Slack channel name taken; used the next one", metadata: ["name": "\(made.name)"]) }
                return made
            } catch where error.code == "name_taken" {
                continue
            }
        }
        throw .slack(method: "conversations.create", error: "name_taken (tried \(name) to \(Self.suffixed(name, nameAttempts)))")
    }

    /// Slack channel names are at most 80 characters; the suffix replaces the end if needed.
    static func suffixed(_ name: String, _ n: Int) -> String {
        let suffix = "-\(n)"
        return String(name.prefix(80 - suffix.count)) + suffix
    }

    func invite(_ users: [String], to channel: String) async throws(SlackAPIError) {
        // One call per person: one unknown user would otherwise fail the whole invitation.
        for user in users {
            do {
                try await call("conversations.invite", ["channel": channel, "users": user])
            } catch where ["already_in_channel", "cant_invite_self"].contains(error.code) {
                continue
            } catch where ["user_not_found", "cant_invite", "user_is_restricted", "ura_max_channels", "user_disabled"].contains(error.code) {
                logger.warning("cannot invite a person to the incident channel", metadata: ["user": "\(user)", "error": "\(error)"])
            }
        }
    }

    /// Runs `body`; if the bot is not in the channel, joins it and runs it once more.
    func inChannel(_ channel: String, _ body: () async throws(SlackAPIError) -> Void) async throws(SlackAPIError) {
        do {
            try await body()
        } catch where error.code == "not_in_channel" {
            try await call("conversations.join", ["channel": channel])
            try await body()
        }
    }

    func directChannel(_ user: String) async throws(SlackAPIError) -> String {
        if let known = state.withLock({ $0.directChannels[user] }) { return known }
        let answer = try await call("conversations.open", ["users": user])
        guard let id = answer["channel"]?["id"]?.string else {
            throw .unavailable(method: "conversations.open", reason: "no channel id in the answer")
        }
        state.withLock { $0.directChannels[user] = id }
        return id
    }

    func post(_ message: Message, to channel: String, job: TransportJob) async throws(SlackAPIError) {
        try await call("chat.postMessage", messageArguments(message, job: job).merging(["channel": channel, "unfurl_links": "false"]) { _, new in new })
    }

    func messageArguments(_ message: Message, job: TransportJob) -> [String: String] {
        let blocks = SlackFormat.blocks(message, people: job.people, incident: job.incident)
        return ["text": SlackFormat.text(message, people: job.people), "blocks": JSONValue.array(blocks).text]
    }

    @discardableResult
    func call(_ method: String, _ arguments: [String: String]) async throws(SlackAPIError) -> JSONValue {
        try await api.call(method, arguments)
    }
}
