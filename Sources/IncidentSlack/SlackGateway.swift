import Foundation
import IncidentCore
import IncidentEngine
import IncidentHTTP
import IncidentWire
import Logging
import Synchronization

/// Turns a verified Slack request into engine events and the answer Slack waits for. Shared by
/// the HTTP endpoint and Socket Mode, so both take one path and one dedupe.
public struct SlackGateway<Clock: IncidentClock>: Sendable {
    public let engine: Engine<Clock>
    /// For the best-effort touches outside the outbox: updating a clicked page, the update prompt.
    let api: SlackWebAPI?
    /// Who is served; requests from other workspaces change nothing.
    let workspaces: SlackWorkspaces
    let logger: Logger
    /// Refusals of other workspaces' requests are logged at most once a minute.
    let outsiderLog = LogThrottle(every: .seconds(60))
    /// Commands not saved are logged at most once every 10 s, with how many were not since
    /// (each is counted in `/metrics`): a store down under a busy incident logged one error a
    /// command, and pushed every other line out of a rate-limited journal.
    let notSavedLog = LogThrottle(every: .seconds(10))
    /// The reaction that puts a message on the incident's timeline (`slack.timeline_reaction`),
    /// by its Slack name; empty: reactions do not.
    let timelineReaction: String
    /// The longest one call reading a pinned message back may take (`message(_:in:)`): a
    /// second, as Slack waits 3 s for the answer. Tests that hold the answer in real time
    /// give it longer.
    let readBackLimit: Duration
    /// Messages read back from Slack for pins, by who marked them: counted as they are read,
    /// so pins of messages Slack does not have (never recorded, never counted by the engine)
    /// cannot spend the rate tier (Tier 3, about 50 a minute) that delivery's repeat check
    /// uses: `commands_per_minute` a person (30 by default; each read is one or two calls).
    let readBacks: CommandLimiter
    /// When rooms were last told that an edit is not run (`tellEditor`).
    let toldEditors = EditorsTold()
    /// The process's stalls: a slash command read after one may have come before it
    /// (`ProcessStalls`). nil: none are watched (tests on a manual clock).
    let stalls: ProcessStalls?

    /// The reaction that puts a message on the timeline unless the config says otherwise.
    public static var defaultTimelineReaction: String { "pushpin" }

    public init(engine: Engine<Clock>, api: SlackWebAPI?, workspaces: SlackWorkspaces, timelineReaction: String = defaultTimelineReaction,
                readBackLimit: Duration = .seconds(1), stalls: ProcessStalls? = nil, logger: Logger) {
        self.engine = engine
        self.stalls = stalls
        self.readBackLimit = readBackLimit
        self.api = api
        self.workspaces = workspaces
        self.timelineReaction = timelineReaction
        self.logger = logger
        self.readBacks = CommandLimiter(perMinute: engine.settings.commandsPerMinute)
    }

    /// Acts on `request`. Throws only when the store fails, or Slack for now (a pinned message
    /// read back): then nothing was committed and the request must not be acknowledged (Slack retries events and button presses' envelopes).
    /// A slash command is the exception: Slack never sends one again, so the person is told
    /// nothing was saved and to type it again, instead of Slack's bare error.
    /// `received` (on the engine clock's `elapsed`): when the request came, if it waited for
    /// its turn before this (Socket Mode's envelopes in one channel run in order): a slash
    /// command's answer is due that long sooner, and sooner still by what a stall of the
    /// process kept it from seeing (`ProcessStalls`).
    public func handle(_ request: SlackRequest, received: Duration? = nil) async throws -> SlackAnswer {
        switch request {
        case .urlVerification(let challenge):
            return .challenge(challenge)
        case .other(let type):
            if type == "app_rate_limited" {
                // Slack drops the app's events for the rest of the minute: a mention then
                // (`@incident-bot ack`) never comes. Slash commands still do.
                logger.warning("Slack is dropping this app's events for a minute (app_rate_limited); mentions sent in it are lost")
            } else {
                logger.debug("Slack request type not used", metadata: ["type": "\(type)"])
            }
            return .empty
        case .slashCommand(let command):
            guard await isServed(command.origin) else {
                return .ephemeral(render(Message(.text(SlackWorkspaces.refusal))))
            }
            let text = command.text.isEmpty ? command.command : command.command + " " + command.text
            let asking = engine.clock.elapsed
            let unseen = stalls?.unseenWait() ?? .zero
            await learnWhereNamedAccountsAre(in: text)
            let event = ChatEvent(platform: .slack, id: "command:" + command.triggerID, room: command.channelID,
                                  user: command.userID, text: text, reply: .inline)
            let outcome: EngineOutcome
            do {
                // Since it was received, or at least since Slack was asked about the accounts it
                // names, and before that for as long as the process stood still unseeing.
                let waited = max(received.map { engine.clock.elapsed - $0 } ?? .zero, engine.clock.elapsed - asking, .zero) + unseen
                // Its turn came after its answer was due: nothing is committed (`TooLateToCommit`),
                // and it is counted as the engine counts the ones it does not save.
                guard waited < Self.slashCommandAnswerBy else {
                    BotMetrics.commandNotSaved()
                    throw TooLateToCommit()
                }
                outcome = try await engine.handle(event, answerBy: Self.slashCommandAnswerBy - waited)
            } catch is TooLateToCommit where unseen > .zero {
                logger.warning("\(Self.readAfterAStall)", metadata: ["stood_still_for": "\(unseen)"])
                return .ephemeral(render(Self.notSaved))
            } catch {
                if let unlogged = notSavedLog.admit(at: engine.clock.now) {
                    logger.error("slash command not saved: the store failed or was too slow; the person was told to type it again",
                                 metadata: ["error": "\(error)", "not_saved.unlogged": "\(unlogged)"])
                }
                return .ephemeral(render(Self.notSaved))
            }
            guard let reply = outcome.reply else { return .empty }
            return .ephemeral(render(reply))
        case .event(let callback):
            guard await isServed(callback.origin) else { return .empty }
            let ownAccounts = workspaces.ownAccounts.flatMap { $0.knows(.slack) ? $0 : nil }
            let isOwnAccount = ownAccounts.map { accounts in { @Sendable (id: String) in accounts.contains(.unlisted(.slack, id)) } }
            if let event = Self.chatEvent(callback, isOwnAccount: isOwnAccount) {
                guard !Self.isEdit(callback) else {
                    try await tellEditor(event)
                    return .empty
                }
                await learnWhereNamedAccountsAre(in: event.text)
                _ = try await engine.handle(event)
            } else if let event = try await pinEvent(callback) {
                _ = try await engine.handle(event)
            }
            return .empty
        case .blockActions(let actions):
            guard await isServed(actions.origin) else { return .empty }
            try await buttonPressed(actions)
            return .empty
        }
    }

    /// Where the accounts a command names are, asked before it is decided
    /// (`SlackWorkspaces.learnWhereNamedAccountsAre`); the roster's own are not asked about.
    func learnWhereNamedAccountsAre(in text: String) async {
        let roster = engine.settings.roster
        await workspaces.learnWhereNamedAccountsAre(in: text) { account in
            roster.people[roster.identify(.slack, accountID: account)] != nil
        }
    }

    /// Whether the request's workspace is served; a refusal is logged (throttled).
    func isServed(_ origin: SlackOrigin) async -> Bool {
        if await workspaces.serves(origin) { return true }
        if let unlogged = outsiderLog.admit(at: engine.clock.now) {
            logger.warning("Slack request from a workspace not served refused", metadata: [
                "team": "\(origin.team ?? "-")", "enterprise": "\(origin.enterprise ?? "-")",
                "user.team": "\(origin.userTeam ?? "-")", "refused.unlogged": "\(unlogged)",
            ])
        }
        return false
    }

    /// An app mention as a command: `@incident-bot update ...` reads as `/update ...`. Plain
    /// messages, bots' messages (this bot's included) and edits are not commands, and neither
    /// is a mention inside a sentence: `sev P3 @incident-bot would page nobody, right?` is a
    /// question, not a change of severity. A mention in a thread reply also sent to the channel
    /// (`thread_broadcast`) or with a file attached (`file_share`) is one like any other: the
    /// on-call's `@incident-bot ack` with a screenshot was dropped without a word. The bot is the user `auth.test` named
    /// (`isOwnAccount`, nil until it answered), or else the one the event names as the bot it
    /// was delivered for; while neither is known no mention is a command (slash commands still
    /// are): a message opening with a person's mention (`@alice sev P3 ...`) lowered an
    /// incident's severity.
    ///
    /// An edited message comes again as a mention with a new event id (Slack adds `edited`):
    /// it is read here as the command it now says, and `handle` answers it, not runs it.
    static func chatEvent(_ callback: SlackRequest.EventCallback, isOwnAccount: ((String) -> Bool)? = nil) -> ChatEvent? {
        func isBot(_ id: String) -> Bool { isOwnAccount?(id) ?? (callback.botUserID == id) }
        guard callback.type == "app_mention", Self.commandSubtypes.contains(callback.subtype), callback.botID == nil,
              let user = callback.user, !isBot(user), let channel = callback.channel, let text = callback.text,
              let command = commandText(mention: text, isBot: isBot) else { return nil }
        return ChatEvent(platform: .slack, id: "event:" + callback.eventID, room: channel, user: user,
                         text: command, reply: .outbox)
    }

    /// Whether the event is a message edited after it was sent: fixing a typo in
    /// `@incident-bot incident declare ...` declared a second incident and paged everyone again.
    static func isEdit(_ callback: SlackRequest.EventCallback) -> Bool {
        if let edited = callback.event["edited"], edited != .null { return true }
        return false
    }

    /// An edit into a command is not carried out, and its author is told so, by the rule
    /// Matrix follows (`NoticeThrottle.editsToAnswer`).
    func tellEditor(_ event: ChatEvent) async throws {
        let roster = engine.settings.roster
        let now = engine.clock.now
        // Chosen and counted at once: requests are handled side by side, and a burst of edits
        // each chosen before any was counted would all be answered.
        let answered = toldEditors.state.withLock { throttle -> Bool in
            let (listed, others) = throttle.editsToAnswer([event], roster: roster, now: now)
            throttle.answered(others, at: now)
            return !(listed + others).isEmpty
        }
        guard answered else { return }
        _ = try await engine.handle([], checkpoint: nil, notices: [Notice.editedCommand(event.text, answering: event)])
    }

    /// The message subtypes a person's mention of the bot comes with.
    static var commandSubtypes: Set<String?> { [nil, "thread_broadcast", "file_share"] }

    /// Drops the bot's mention that opens the message and reads the rest as a command, adding
    /// the `/` a mention leaves out (the parser reads Slack's escapes in its text as typed:
    /// `FreeText.typed`); nil when the message does not open with it. An empty mention asks
    /// for help.
    static func commandText(mention text: String, isBot: (String) -> Bool) -> String? {
        let opening = text.drop { $0.isBlankBeforeCommand }
        // `<@BOT>` or `<@BOT|name>`.
        guard opening.hasPrefix("<@"), let close = opening.firstIndex(of: ">") else { return nil }
        let id = opening[opening.index(opening.startIndex, offsetBy: 2)..<close].prefix { $0 != "|" }
        guard isBot(String(id)) else { return nil }
        let trimmed = opening[opening.index(after: close)...].drop { $0.isBlankBeforeCommand }
        guard let first = trimmed.first else { return "/incident help" }
        return first == "/" || first == "!" ? String(trimmed) : "/" + trimmed
    }

    /// A page's or nudge's button. Acknowledge acts as `/ack INC-N`, answered in private from
    /// the outbox; Post update tells the responder the command that posts it.
    func buttonPressed(_ actions: SlackRequest.BlockActions) async throws {
        let incident = actions.value.flatMap { IncidentRef(parsing: $0) }
        switch actions.actionID {
        case SlackFormat.acknowledgeAction:
            let text = "/ack" + (incident.map { " \($0)" } ?? "")
            let event = ChatEvent(platform: .slack, id: "action:" + actions.triggerID, room: actions.channelID,
                                  user: actions.userID, text: text, reply: .outbox)
            let outcome = try await engine.handle(event)
            if outcome.disposition == .handled { markAcknowledged(actions) }
        case SlackFormat.postUpdateAction:
            var prompt = Message(.text("Post the status update with "),
                                 .command("update \(incident.map { "\($0) " } ?? "")<what changed, what happens next>"))
            prompt.line(.text("Updates reset the reminder; the incident room and the broadcast channel both get it."))
            touch("chat.postEphemeral", ["channel": actions.channelID, "user": actions.userID,
                                         "text": SlackFormat.text(prompt, people: [:])])
        default:
            logger.debug("Slack button not ours", metadata: ["action": "\(actions.actionID)"])
        }
    }

    /// Replaces the clicked message's buttons with who acknowledged it, so nobody clicks again.
    func markAcknowledged(_ actions: SlackRequest.BlockActions) {
        guard let ts = actions.messageTS, let blocks = actions.messageBlocks else { return }
        let kept = blocks.filter { $0["type"]?.string != "actions" }
        let note: JSONValue = ["type": "context", "elements": [["type": "mrkdwn", "text": .string("Acknowledged by <@\(actions.userID)>")]]]
        let text = kept.compactMap { $0["text"]?["text"]?.string }.joined(separator: "\n")
        touch("chat.update", ["channel": actions.channelID, "ts": ts, "text": text,
                              "blocks": JSONValue.array(kept + [note]).text])
    }

    /// A Web API call whose loss costs nothing but a stale screen: made after the answer, not
    /// through the outbox, and only logged if it fails.
    func touch(_ method: String, _ arguments: [String: String]) {
        guard let api else { return }
        let logger = logger
        Task {
            do {
                _ = try await api.call(method, arguments)
            } catch {
                logger.notice("Slack call after a button press failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// A reply as Slack text and blocks, mentions resolved to Slack accounts.
    public func render(_ message: Message) -> SlackMessage {
        let directory = engine.directory
        let people = Dictionary(message.mentions.map { ($0, directory.contact($0, on: .slack)) }, uniquingKeysWith: { first, _ in first })
        return SlackMessage(text: SlackFormat.text(message, people: people), blocks: SlackFormat.blocks(message, people: people, incident: nil))
    }
}

/// The rooms told lately that an edit is not run, shared by the gateway's copies.
final class EditorsTold: Sendable {
    let state = Mutex(NoticeThrottle())
}

/// A rendered message: mrkdwn fallback text and Block Kit blocks.
public struct SlackMessage: Hashable, Sendable {
    public var text: String
    public var blocks: [JSONValue]
}

/// What Slack is answered with.
extension SlackGateway {
    /// Slack shows its person a failure when a slash command is not answered in 3 s, and
    /// never sends it again: one not yet in a transaction by this long after it came is not
    /// saved, and they are told so while Slack still shows the answer (instead of it being
    /// committed a minute later, after a database stall, and typed again).
    static var slashCommandAnswerBy: Duration { .seconds(2) }

    /// Logged for a slash command not saved as it was read just after the process stood still.
    static var readAfterAStall: String {
        "a slash command read just after this process stood still (stopped, frozen or given no CPU) "
            + "may have waited past Slack's 3 s unseen: not saved, and its person told to type it again"
    }

    /// A slash command the store could not take.
    static var notSaved: Message {
        // Not "could not write": most often the database was fine and the bot too busy (a
        // long post-mortem rendered beside it) to take the command before Slack gave up.
        Message(.strong("⚠️ Not saved: "), .text("the bot could not save it in time (its database was slow or failing, or the bot too busy), "
            + "so nothing changed. Type the command again; if it keeps failing, page people by hand."))
    }
}

public enum SlackAnswer: Hashable, Sendable {
    /// HTTP 200 with no body (an envelope ack with no payload).
    case empty
    /// `url_verification`: the challenge, as plain text.
    case challenge(String)
    /// The slash command's answer, shown only to the person who typed it.
    case ephemeral(SlackMessage)

    /// The JSON body (HTTP) or envelope payload (Socket Mode); nil when there is none.
    public var payload: JSONValue? {
        switch self {
        case .empty: nil
        case .challenge(let challenge): ["challenge": .string(challenge)]
        case .ephemeral(let message):
            ["response_type": "ephemeral", "text": .string(message.text), "blocks": .array(message.blocks)]
        }
    }
}
