import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentWire
import Logging
import Synchronization

/// The outbound half of Slack: carries out outbox jobs with Web API calls.
///
/// Idempotency: Slack has no idempotency key, so the transport makes its own.
/// - Every message it posts carries its job's `sendKey` in Slack message metadata. A job that
///   may have been sent already (`TransportJob.doubt`: among its lane's first pending items
///   when this delivery started, or a retry) first looks for that key in the channel's recent
///   history and is done if it is there. The send key, not the bare outbox key: a database
///   restored from a backup numbers its next incident as the lost one did, and a direct
///   channel or the broadcast channel still holds the lost incident's messages.
/// - A channel creation told `name_taken` that may have been made already adopts the channel
///   of that name if the bot made it after the job was queued and no incident has it yet,
///   instead of making a `-2`.
/// - Within a process, a room whose creation half succeeded (channel made, topic or invites
///   failed) is remembered by the job's key, so the retry finishes that channel.
/// Ephemeral replies (`chat.postEphemeral`) leave no history to look in: they stay at least once.
public final class SlackTransport: ChatTransport {
    public let platform = Platform.slack
    /// A repeat is found by its key in the channel's history (`isPosted`).
    public var sendsAhead: Bool { true }
    /// Rooms a message names are linked as `<#C…>` (`SlackFormat.span`).
    public var linksRooms: Bool { true }
    let api: SlackWebAPI
    let logger: Logger
    let state = Mutex(State())

    struct State {
        /// Channel made for a `createRoom` job whose topic or invites are not yet done.
        var created: [String: MadeChannel] = [:]
        /// Per `createRoom` job and name asked for, how many of its names were found taken by
        /// others: a retry (after a 429: `conversations.create` allows about 20 a minute) goes
        /// on from there instead of asking for the taken ones again and never reaching the last.
        /// By name too: a job made private since asks for another name, none of them taken yet.
        var namesTaken: [String: Int] = [:]
        /// Per `createRoom` job made private since, the public channel an earlier attempt made
        /// (its topic or invites failed), to rename and archive once the private one is made.
        var leftPublic: [String: String] = [:]
        /// Direct message channel per Slack user id.
        var directChannels: [String: String] = [:]
        /// The bot's own user id, from `auth.test`.
        var botUser: String?
        /// Per channel, the outbox keys in its history when the current delivery run first read
        /// it to check for what an earlier one sent (`isPosted`), and whether they answer for
        /// misses too: read while an earlier delivery's sends may still land, a key not among
        /// them may yet come.
        var keysBeforeRun: (run: DeliveryRun, channels: [String: (keys: Set<String>, final: Bool)])?
    }

    /// A channel a `createRoom` job made, kept until its topic and invites are done.
    struct MadeChannel {
        var id: String
        var name: String
        var isPrivate: Bool
    }

    /// The metadata event type that carries an outbox key.
    static let metadataEventType = "incident_bot_outbox"
    /// How much of a channel's history is searched for a key: the newest messages, since the
    /// message in doubt went out just before the restart, read `historyPage` at a time. A busy
    /// war room can take a hundred messages while the bot restarts: a page of 100 alone let a
    /// note be posted twice.
    static let historyDepth = 1_000
    static let historyPage = 200

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
        case .createRoom(let name, let topic, let invitees, let isPrivate):
            let channel = try await createChannel(name, isPrivate: isPrivate, job: job)
            try await call("conversations.setTopic", ["channel": channel.id, "topic": SlackFormat.topic(topic, people: job.people)])
            try await invite(invitees.compactMap { job.people[$0]?.account }, to: channel.id)
            _ = state.withLock { $0.created.removeValue(forKey: job.key) }
            if isPrivate, let publicName = job.publicNameBefore { await withdrawPublicChannel(madeAs: publicName, job: job, keeping: channel.id) }
            return .roomCreated(id: channel.id, name: channel.name)
        case .invite(let room, let people):
            // Someone may have removed the bot from the channel: it joins back, as for a post.
            try await inChannel(room) { () async throws(SlackAPIError) in
                try await invite(people.compactMap { job.people[$0]?.account }, to: room)
            }
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
        case .settle:
            throw .slack(method: "settle", error: "pages on Slack have nothing to settle")
        case .reply(let room, let user, let message):
            do {
                try await send("chat.postEphemeral", message, job: job, ["channel": room, "user": user])
            } catch where ["user_not_in_channel", "channel_not_found", "not_in_channel"].contains(error.code) {
                // Typed somewhere the bot cannot whisper (a channel it is not in): answer by DM.
                try await post(message, to: try await directChannel(user), job: job)
            }
        }
        return .delivered
    }

    /// `conversations.create`, moving to `name-2`, `name-3`, ... and past `name-20` to a name
    /// nobody can guess (`RoomNameCandidates`) while Slack says `name_taken`, unless the taken
    /// channel is the one an earlier attempt of this job made.
    func createChannel(_ name: String, isPrivate: Bool, job: TransportJob) async throws(SlackAPIError) -> (id: String, name: String) {
        let key = job.key
        let done = state.withLock { state -> MadeChannel? in
            guard let made = state.created[key] else { return nil }
            if made.isPrivate || !isPrivate { return made }
            // Made public, and the incident turned private before its topic or invites were
            // done: that channel is not its room, and is withdrawn once the private one is made.
            state.leftPublic[key] = made.id
            state.created[key] = nil
            return nil
        }
        if let done { return (done.id, done.name) }
        let candidates = RoomNameCandidates(name, limit: Self.channelNameLimit, key: key, secret: api.token)
        let taken = key + "\n" + name
        let skipped = state.withLock { $0.namesTaken[taken] ?? 0 }
        for (attempt, candidate) in candidates.all.enumerated().map({ ($0.offset + 1, $0.element) }).dropFirst(skipped) {
            do throws(SlackAPIError) {
                let answer = try await call("conversations.create", ["name": candidate, "is_private": isPrivate ? "true" : "false"])
                guard let id = answer["channel"]?["id"]?.string else {
                    throw .unavailable(method: "conversations.create", reason: "no channel id in the answer")
                }
                let made = (id: id, name: answer["channel"]?["name"]?.string ?? candidate)
                state.withLock {
                    $0.created[key] = MadeChannel(id: made.id, name: made.name, isPrivate: isPrivate)
                    $0.namesTaken[taken] = nil
                }
                if attempt > 1 { logger.notice("Slack channel name taken; used the next one", metadata: ["name": "\(made.name)"]) }
                return made
            } catch where error.code == "name_taken" {
                if job.maybeSent, let adopted = try await channelMadeEarlier(named: candidate, isPrivate: isPrivate, job: job, logger: logger) {
                    state.withLock { $0.created[key] = MadeChannel(id: adopted.id, name: adopted.name, isPrivate: isPrivate) }
                    logger.notice("Slack channel made by an earlier attempt adopted, not made again", metadata: ["name": "\(candidate)"])
                    return adopted
                }
                state.withLock { $0.namesTaken[taken] = attempt }
                continue
            }
        }
        throw .slack(method: "conversations.create", error: "name_taken (\(candidates.triedText))")
    }

    /// The channel called `name` if this job's earlier attempt made it: the bot made it, after
    /// the job was queued (five minutes' leeway for clocks), and no incident has it. A list the
    /// bot may not read (a missing scope) finds none: the creation moves to the next suffix.
    func channelMadeEarlier(named name: String, isPrivate: Bool, job: TransportJob, logger: Logger) async throws(SlackAPIError) -> (id: String, name: String)? {
        do {
            return try await findChannelMadeEarlier(named: name, isPrivate: isPrivate, job: job)
        } catch where error.code.map({ !SlackAPIError.transientErrors.contains($0) }) ?? false {
            logger.warning("cannot list Slack channels to find one a cut-short creation made; making the next", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func findChannelMadeEarlier(named name: String, isPrivate: Bool, job: TransportJob) async throws(SlackAPIError) -> (id: String, name: String)? {
        let me = try await botUser()
        var found: (id: String, name: String)?
        try await scanChannels(isPrivate: isPrivate) { channel in
            guard channel["name"]?.string == name else { return false }
            if let id = channel["id"]?.string, Self.madeBy(me, for: job, channel) { found = (id, name) }
            return true
        }
        return found
    }

    /// Whether a listed channel may be one `job`'s earlier attempt made: the bot made it, no
    /// incident has it, and not before the job was queued (five minutes' leeway for clocks).
    static func madeBy(_ me: String, for job: TransportJob, _ channel: JSONValue) -> Bool {
        guard let id = channel["id"]?.string, channel["creator"]?.string == me, !job.boundRooms.contains(id) else { return false }
        if let queued = job.queuedAt, let created = channel["created"]?.int, Int64(created) < queued.secondsSinceEpoch - 300 {
            return false
        }
        return true
    }

    /// Shows `visit` the workspace's unarchived channels of one kind, as `conversations.list`
    /// pages them (at most 50 pages of 200), until it answers true.
    func scanChannels(isPrivate: Bool, _ visit: (JSONValue) -> Bool) async throws(SlackAPIError) {
        var cursor = ""
        for _ in 0..<50 {
            var arguments = ["types": isPrivate ? "private_channel" : "public_channel", "exclude_archived": "true", "limit": "200"]
            if !cursor.isEmpty { arguments["cursor"] = cursor }
            let answer = try await call("conversations.list", arguments)
            for channel in answer["channels"]?.array ?? [] where visit(channel) { return }
            cursor = answer["response_metadata"]?["next_cursor"]?.string ?? ""
            if cursor.isEmpty { return }
        }
    }

    func botUser() async throws(SlackAPIError) -> String {
        if let known = state.withLock({ $0.botUser }) { return known }
        guard let user = try await call("auth.test", [:])["user_id"]?.string else {
            throw .unavailable(method: "auth.test", reason: "no user_id in the answer")
        }
        state.withLock { $0.botUser = user }
        return user
    }

    /// Slack channel names are at most 80 characters; the suffix replaces the end if needed.
    /// Slack's longest channel name.
    static let channelNameLimit = 80

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

    /// Posts `message` with the job's key in its metadata, unless a post that may have gone
    /// out already is found with that key.
    func post(_ message: Message, to channel: String, job: TransportJob) async throws(SlackAPIError) {
        let key = job.sendKey()
        let landing = job.earlierSendMayLandWithin
        if job.maybeSent, try await isPosted(key, in: channel, doubt: job.doubt, landing: landing != nil) {
            logger.notice("Slack message already posted before a restart or a lost answer; not posted again",
                          metadata: ["outbox.key": "\(job.key)"])
            return
        }
        // Not there yet, but the earlier process's post may still be on its way in: looked for
        // again once it would have landed.
        if job.maybeSent, let landing { throw .mayStillLand(method: "chat.postMessage", within: landing) }
        let metadata: JSONValue = ["event_type": .string(Self.metadataEventType), "event_payload": ["key": .string(key)]]
        try await send("chat.postMessage", message, job: job, ["channel": channel, "unfurl_links": "false", "metadata": metadata.text])
    }

    /// Slack's refusals of a message's blocks for their size, which it does not publish (one
    /// was measured at 11,341 characters, past the 11,000 the blocks keep to).
    static let blocksRefusals: Set<String> = ["msg_blocks_too_long", "invalid_blocks"]

    /// `method` with the message's text and blocks, and once more with its text alone when
    /// Slack refuses the blocks for their size: the message then goes without its buttons
    /// (its text says what to type), and is not given up on at once.
    func send(_ method: String, _ message: Message, job: TransportJob, _ arguments: [String: String]) async throws(SlackAPIError) {
        do {
            try await call(method, messageArguments(message, job: job).merging(arguments) { _, new in new })
        } catch where error.code.map(Self.blocksRefusals.contains) ?? false {
            // `invalid_blocks` may also be a fault of the bot's blocks: said as an error.
            logger.log(level: error.code == "invalid_blocks" ? .error : .warning, "Slack refused a message's blocks; sending its text alone",
                       metadata: ["outbox.key": "\(job.key)", "error": "\(error)"])
            try await call(method, ["text": SlackFormat.text(message, people: job.people, rooms: job.roomLinks)].merging(arguments) { _, new in new })
        }
    }

    /// Whether a message carrying `key` is among the channel's newest. A history the bot may
    /// not read (a missing scope) counts as not found: the message goes out, at least once.
    ///
    /// What an earlier delivery may have sent, it sent before this delivery started, so the
    /// keys of one history read per channel answer for all of it (a lane has up to
    /// `Delivery.readAhead` such items, fewer than `historyDepth`). A retry looks again.
    /// `landing`: an earlier delivery's sends may still be landing, so a key not among those
    /// read now may come yet: a miss read then is read again once they have landed.
    func isPosted(_ key: String, in channel: String, doubt: SendDoubt, landing: Bool = false) async throws(SlackAPIError) -> Bool {
        guard case .earlierDelivery(let run) = doubt else { return try await postedKeys(in: channel)?.contains(key) ?? false }
        let known = state.withLock { state in
            if state.keysBeforeRun?.run != run { state.keysBeforeRun = (run, [:]) }
            return state.keysBeforeRun?.channels[channel]
        }
        if let known, known.keys.contains(key) || known.final { return known.keys.contains(key) }
        guard let keys = try await postedKeys(in: channel) else { return false }
        state.withLock { state in
            if state.keysBeforeRun?.run == run { state.keysBeforeRun?.channels[channel] = (keys, final: !landing) }
        }
        return keys.contains(key)
    }

    /// The outbox keys of the channel's newest `historyDepth` messages, a page at a time, each
    /// page older than the last (`latest`: its oldest message's `ts`); nil when its history
    /// cannot be read.
    func postedKeys(in channel: String) async throws(SlackAPIError) -> Set<String>? {
        do {
            var keys: Set<String> = []
            var before: String?
            for _ in 0..<(Self.historyDepth / Self.historyPage) {
                var arguments = ["channel": channel, "limit": "\(Self.historyPage)", "include_all_metadata": "true"]
                if let before { arguments["latest"] = before }
                let messages = try await call("conversations.history", arguments)["messages"]?.array ?? []
                keys.formUnion(messages.compactMap {
                    $0["metadata"]?["event_type"]?.string == Self.metadataEventType ? $0["metadata"]?["event_payload"]?["key"]?.string : nil
                })
                guard messages.count >= Self.historyPage, let oldest = messages.last?["ts"]?.string else { break }
                before = oldest
            }
            return keys
        } catch where error.code.map({ $0 != "not_in_channel" && !SlackAPIError.transientErrors.contains($0) }) ?? false {
            // not_in_channel goes up: the caller joins and asks again.
            logger.warning("cannot read a Slack channel's history to check for a repeat; posting", metadata: ["error": "\(error)"])
            return nil
        }
    }

    func messageArguments(_ message: Message, job: TransportJob) -> [String: String] {
        let blocks = SlackFormat.blocks(message, people: job.people, rooms: job.roomLinks, incident: job.incident)
        return ["text": SlackFormat.text(message, people: job.people, rooms: job.roomLinks), "blocks": JSONValue.array(blocks).text]
    }

    @discardableResult
    func call(_ method: String, _ arguments: [String: String]) async throws(SlackAPIError) -> JSONValue {
        try await api.call(method, arguments)
    }
}
