import IncidentCore

/// Something a person typed, as an adapter hands it to the engine. Knows nothing of incidents.
public struct ChatEvent: Hashable, Sendable {
    public var platform: Platform
    /// The platform's id of the event (Slack `event_id` or trigger id, Matrix event id); a
    /// second event with the same id is acknowledged and ignored.
    public var id: String
    /// The platform's id of the room it was typed in.
    public var room: String
    /// The platform's id of the person who typed it.
    public var user: String
    public var text: String
    /// How the engine's answer to the asker travels.
    public var reply: ReplyRoute
    /// Set when the event is not typed text but a message of the room marked for the timeline
    /// (or unmarked); `text` is then not read. Nobody is answered.
    public var pin: PinChange?

    public init(platform: Platform, id: String, room: String, user: String, text: String, reply: ReplyRoute = .inline) {
        self.platform = platform
        self.id = id
        self.room = room
        self.user = user
        self.text = text
        self.reply = reply
    }

    /// A pin change by `user` in `room`.
    public init(platform: Platform, id: String, room: String, user: String, pin: PinChange) {
        self.init(platform: platform, id: id, room: room, user: user, text: "", reply: .inline)
        self.pin = pin
    }

    public enum ReplyRoute: Hashable, Sendable {
        /// The adapter shows the reply itself (a Slack slash command's HTTP answer, the console).
        case inline
        /// The reply is written to the outbox with the rest and delivered to the asker alone
        /// (Slack's ephemeral message, for a mention or a button).
        case outbox
        /// The reply is written to the outbox and posted in the room, where everyone reads it
        /// (Matrix, which has no private replies).
        case outboxToRoom
    }
}

/// What the engine did with a `ChatEvent`. Whatever it is, the event may now be acknowledged
/// to the platform: anything it changed is committed.
public struct EngineOutcome: Hashable, Sendable {
    public var disposition: Disposition
    /// The answer for the asker (ephemeral where the platform allows it).
    public var reply: Message?
    /// The incident the command was about, if any.
    public var incident: Int?

    public enum Disposition: String, Hashable, Sendable, CaseIterable {
        /// Carried out and committed.
        case handled
        /// Answered without changing anything: a query, or a refusal with its reason.
        case answered
        /// Refused: the reply says why. Nothing changed.
        case refused
        /// The event id was seen before; nothing was done again.
        case duplicate
        /// Not a command (plain chat); nothing to do.
        case ignored
    }

    public init(_ disposition: Disposition, reply: Message? = nil, incident: Int? = nil) {
        self.disposition = disposition
        self.reply = reply
        self.incident = incident
    }
}

/// An answer an adapter gives an event it could not read as a command (an end-to-end
/// encrypted Matrix message): no decision, only `message` in the event's room, written to the
/// outbox in the batch's transaction and once per event id.
public struct Notice: Hashable, Sendable {
    public var event: ChatEvent
    public var message: Message

    public init(_ message: Message, answering event: ChatEvent) {
        self.event = event
        self.message = message
    }

    /// To the author of an edit whose new text is a command (`!sev P3` edited to `!sev P0`),
    /// which would read as done in the room while nothing changed.
    public static func editedCommand(_ edited: String, answering event: ChatEvent) -> Notice {
        Notice(Message(.text("✏️ An edited message is not run as a command: "), .userText(String(edited.prefix(80))),
                       .text(" was not carried out, and what the message first said stands. Send it again as a new message.")),
               answering: event)
    }
}

/// Where a platform's event stream stands (Matrix's `/sync` `next_batch`), stored in the same
/// transaction as the commands it carried.
public struct SyncCheckpoint: Hashable, Sendable {
    public var platform: Platform
    public var token: String

    public init(platform: Platform, token: String) {
        self.platform = platform
        self.token = token
    }
}
