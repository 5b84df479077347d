/// Something the bot must do outside itself, decided by the core and carried out later by
/// delivery, from the outbox. Effects are data: deciding one sends nothing.
public struct Effect: Hashable, Sendable, Codable {
    /// Stable and unique: delivery uses it to do each effect exactly once (Matrix txnId, dedupe).
    public var key: String
    /// The incident the effect belongs to; `RoomTarget.incidentRoom` means this incident's room.
    public var incident: Int
    public var action: Action

    public init(key: String, incident: Int, action: Action) {
        self.key = key
        self.incident = incident
        self.action = action
    }

    public enum Action: Hashable, Sendable, Codable {
        /// Create the incident room; later effects of the incident wait for it and use its id.
        /// `isPrivate` true: a private Slack channel, a Matrix room closed to guests (nil in
        /// items queued before it was kept: not private).
        case createRoom(name: String, topic: Message, invite: [PersonID], isPrivate: Bool? = nil)
        /// Invite people to the incident room.
        case invite([PersonID])
        /// Set the incident room's topic.
        case setTopic(Message)
        /// Post a message in a room.
        case post(Message, to: RoomTarget)
        /// A direct message to one person (a nudge reminder, a notice).
        case directMessage(Message, to: PersonID)
        /// Page a person: delivery retries it and fails over down the person's contact
        /// methods (`Directory.routes(_:home:)`) when one cannot take it.
        case page(Page)
        /// Pages of the incident are over: answered (their ladder stopped) or the incident
        /// resolved. A provider that keeps an incident of its own per page (PagerDuty) is told
        /// so; chat has nothing to withdraw.
        case settlePages(PageSettlement)
    }
}

/// Where a post goes.
public enum RoomTarget: Hashable, Sendable, Codable {
    /// The incident's own room.
    case incidentRoom
    /// The configured broadcast channel for status updates and declarations.
    case broadcast
}

/// Pages that are over, and how they ended.
public struct PageSettlement: Hashable, Sendable, Codable {
    public var outcome: Outcome
    /// Each person and level paged, once.
    public var pages: [PagedLevel]

    public init(outcome: Outcome, pages: [PagedLevel]) {
        self.outcome = outcome
        self.pages = pages
    }

    public enum Outcome: String, Hashable, Sendable, Codable {
        /// Someone answered (or the ladder stopped on mitigation): stop notifying.
        case acknowledged
        /// The incident is resolved.
        case resolved
        /// The page moved to someone else (the on-call rotation handed over while it was
        /// unanswered): the provider closes the outgoing person's.
        case handedOver
    }
}

/// A person paged at one ladder level: what a provider's own incident is keyed by.
public struct PagedLevel: Hashable, Sendable, Codable {
    public var person: PersonID
    public var ladder: String
    public var level: String

    public init(person: PersonID, ladder: String, level: String) {
        self.person = person
        self.ladder = ladder
        self.level = level
    }
}

/// One page of one person from one escalation ladder level.
public struct Page: Hashable, Sendable, Codable {
    public var person: PersonID
    /// `engineering`, `business`.
    public var ladder: String
    /// `L1` ... as the policy names the level.
    public var level: String
    /// `team lead`, as the policy names the level's role.
    public var role: String
    public var message: Message
    /// The methods the level asks for (`voice` for an engineering manager): tried first, in the
    /// person's order, before the rest of the person's contact list. Empty: the person's order.
    public var methods: [ContactMethod]
    /// The incident's severity when paged (a provider's urgency); nil in pages queued before
    /// it was kept.
    public var severity: Severity?
    /// True when the severity pages this level at once (P0: the VP engineering): word that an
    /// incident this bad exists, which an acknowledgement does not withdraw. nil for a climb's
    /// page, and in pages queued before it was kept.
    public var atOnce: Bool?
    /// The page's number among its incident's effects (the N of its key `INC-n/N`): whether an
    /// answer came after it is told by this, not by the clock. nil in pages queued before it
    /// was kept.
    public var effectNumber: Int?
    /// The other ladders whose page this one also is: one person paged by two ladders in one
    /// decision gets one page, withdrawn only when every ladder it carries has stopped. nil:
    /// `ladder`'s alone.
    public var alsoFor: [String]?

    public init(person: PersonID, ladder: String, level: String, role: String, message: Message, methods: [ContactMethod] = [],
                severity: Severity? = nil, atOnce: Bool? = nil, effectNumber: Int? = nil, alsoFor: [String]? = nil) {
        self.person = person
        self.ladder = ladder
        self.level = level
        self.role = role
        self.message = message
        self.methods = methods
        self.severity = severity
        self.atOnce = atOnce
        self.effectNumber = effectNumber
        self.alsoFor = alsoFor
    }

    public var paged: PagedLevel { PagedLevel(person: person, ladder: ladder, level: level) }

    /// Whether the page asks its person to acknowledge it: one on a ladder an acknowledgement
    /// stops, whose message carries the Acknowledge action. One that informs (the business
    /// ladder) offers no link, reply or keypress: the answer would be refused.
    public var asksForAcknowledgement: Bool { message.actions.contains(.acknowledge) }

    enum CodingKeys: String, CodingKey {
        case person, ladder, level, role, message, methods, severity, atOnce, effectNumber, alsoFor
    }

    /// Pages queued by a version without level methods read as using the person's order.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        person = try container.decode(PersonID.self, forKey: .person)
        ladder = try container.decode(String.self, forKey: .ladder)
        level = try container.decode(String.self, forKey: .level)
        role = try container.decode(String.self, forKey: .role)
        message = try container.decode(Message.self, forKey: .message)
        methods = try container.decodeIfPresent([ContactMethod].self, forKey: .methods) ?? []
        severity = try container.decodeIfPresent(Severity.self, forKey: .severity)
        atOnce = try container.decodeIfPresent(Bool.self, forKey: .atOnce)
        effectNumber = try container.decodeIfPresent(Int.self, forKey: .effectNumber)
        alsoFor = try container.decodeIfPresent([String].self, forKey: .alsoFor)
    }
}
