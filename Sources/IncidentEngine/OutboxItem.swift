import IncidentCore

/// An effect waiting in the outbox for one contact method (a chat platform, or a pager method
/// for a page), written in the same transaction as the
/// state change that caused it, and delivered from there exactly once.
public struct OutboxItem: Hashable, Sendable {
    /// Store-assigned, increasing: delivery order within a lane.
    public var id: Int64?
    /// Unique: the effect's key and platform. Enqueueing a key twice keeps the first.
    public var key: String
    public var incident: Int?
    /// What delivers it: the chat platform, or for a page the method it is on now.
    public var method: ContactMethod
    /// Items of one lane go out in order, each after the one before is done: the incident room
    /// (its `createRoom` first), the broadcast channel, one person's direct messages.
    public var lane: String
    public var job: Job
    public var attempts: Int
    /// Not tried before this time (backoff).
    public var notBefore: Timestamp
    public var createdAt: Timestamp
    public var lastError: String?

    public init(key: String, incident: Int?, method: ContactMethod, lane: String, job: Job, at now: Timestamp) {
        self.key = key
        self.incident = incident
        self.method = method
        self.lane = lane
        self.job = job
        self.attempts = 0
        self.notBefore = now
        self.createdAt = now
    }

    public enum Job: Hashable, Sendable, Codable {
        case effect(Effect.Action)
        case reply(room: String, user: String, Message)
    }

    public enum State: String, Hashable, Sendable {
        case pending
        case delivered
        /// Given up on: rejected by the platform, or a page with nowhere left to go.
        case failed
    }

    public var isPage: Bool {
        if case .effect(.page) = job { return true }
        return false
    }

    /// Whether the item tells a provider that pages are over.
    public var isSettlement: Bool {
        if case .effect(.settlePages) = job { return true }
        return false
    }

    /// Whether delivery may try it at `now`: once its backoff has passed, and at once while it
    /// has been neither tried nor put off, whatever clock stamped it. A replica whose clock
    /// runs ahead of the leader's queues items "not before" its own now: without this, the
    /// leader would hold its pages back by as much as the clocks differ.
    public func isDue(at now: Timestamp) -> Bool {
        notBefore <= now || (attempts == 0 && notBefore == createdAt)
    }

    /// The item as delivery takes it at `now`: put off further than any wait delivery gives
    /// (`longest`), it was put off by a clock that read ahead of this one (a wall clock stepped
    /// back since, at a correction or between restarts), and is due now. A page's 2 s retry,
    /// stamped before NTP stepped the clock back an hour, waited the hour: the P0's on-call
    /// and VP went unpaged, and the retries that would have failed the page over never came.
    public func waitingAtMost(_ longest: Duration, at now: Timestamp) -> OutboxItem {
        guard notBefore > now + longest else { return self }
        var item = self
        item.notBefore = now
        return item
    }

    /// The answer to a command, sent as a message.
    public var isReply: Bool {
        if case .reply = job { return true }
        return false
    }

    /// Which lane heads delivery tries first: 0 for pages and room creation (someone is
    /// waiting to be woken, and everything for a new incident waits on its room), 1 for other
    /// direct messages, 2 for the rest (room posts, topics, invites, broadcasts, replies).
    public var urgency: Int {
        switch job {
        case .effect(.page), .effect(.createRoom): 0
        case .effect(.directMessage), .effect(.settlePages): 1
        default: 2
        }
    }
}

extension OutboxItem {
    /// The item of a lane (its items, in order) to try at `now`: its head when the head is
    /// due; while the head waits out a backoff, the first due page or PagerDuty settlement
    /// behind it that no page or settlement of its own incident waits ahead of. A person's lane
    /// holds their direct messages and settlements as well as their pages: a message a method
    /// keeps refusing for now must not hold a page back untried, for it is the page's own
    /// attempts that fail it over to the person's next method; nor may one incident's page
    /// hold back another's (behind a relay too slow to answer, a new P1's page waited ten
    /// minutes untried, and a third incident's P0 waited behind two others taking turns), nor
    /// a settlement that stops another incident's alert. nil: nothing of the lane may go now.
    ///
    /// Within an incident the order holds: a page does not go ahead of a settlement of its own
    /// incident (both may name one alert, and a trigger before its resolve would be closed at
    /// once), nor a settlement ahead of its own incident's page, nor a page ahead of an earlier one of its incident.
    ///
    /// A due page of another incident also goes ahead of a settlement at the head: while
    /// PagerDuty hung, three resolved incidents' settlements took turns at a person's lane,
    /// ten seconds each, and a new P0's page behind them waited minutes untried, past the
    /// next level's page.
    public static func next(in lane: some Collection<OutboxItem>, at now: Timestamp) -> OutboxItem? {
        guard let head = lane.first else { return nil }
        if head.isDue(at: now), !head.isSettlement { return head }
        var waiting: Set<Int?> = []
        for item in lane where item.isPage || item.isSettlement {
            if item.isPage, item.isDue(at: now), !waiting.contains(item.incident) { return item }
            waiting.insert(item.incident)
        }
        if head.isDue(at: now) { return head }
        waiting = []
        for item in lane where item.isPage || item.isSettlement {
            if item.key != head.key, item.isDue(at: now), !waiting.contains(item.incident) { return item }
            waiting.insert(item.incident)
        }
        return nil
    }

    /// The page of a lane that waits behind a PagerDuty settlement of its own incident that is
    /// itself waiting out a backoff after `failures` failed attempts or more: the provider is
    /// not answering, the page may not go ahead of the settlement (`next(in:at:)`), and
    /// waiting for the settlement to be given up would hold it for hours without a single
    /// attempt of its own, so it never failed over. nil: none such.
    public static func pageHeldBySettlement(in lane: some Collection<OutboxItem>, at now: Timestamp, failures: Int) -> OutboxItem? {
        guard let head = lane.first, !head.isDue(at: now), head.attempts >= failures,
              head.isSettlement, let page = lane.first(where: \.isPage), page.isDue(at: now),
              next(in: lane, at: now) == nil else { return nil }
        return page
    }

    /// The failure reason of an item withdrawn before it went out (a page answered, a nudge
    /// moot, a broadcast post of an incident that turned private): such an item is never
    /// sent, not even when an operator retries it.
    public static func withdrawn(_ reason: String) -> String { withdrawnMark + reason }
    /// What a withdrawn item's failure reason starts with.
    public static let withdrawnMark = "withdrawn: "

    /// The reason kept for an item put off until the bot's setup is fixed (a revoked token, a
    /// missing scope): a replaced token takes a restart, so delivery brings such items forward
    /// as it starts (`tryAgainWhatWaitedForSetup`) instead of leaving them their wait.
    public static func waitingForSetup(_ reason: String) -> String { setupWaitMark + reason }
    /// What the reason of an item waiting for the bot's setup starts with.
    public static let setupWaitMark = "waits for the bot's setup: "

    static func roomLane(_ platform: Platform, incident: Int) -> String { "\(platform):INC-\(incident)" }
    /// Invitations to an incident's room: a lane of their own, tried once the room is made.
    static func inviteLane(_ platform: Platform, incident: Int) -> String { "\(platform):INC-\(incident):invites" }

    /// `heads` (the first items of every lane) without the invitations whose room's creation
    /// is still the head of the room's lane: they wait for it, untried, as they did in that
    /// lane, but not behind the room's posts.
    static func withoutInvitationsAheadOfTheirRoom(_ heads: [OutboxItem]) -> [OutboxItem] {
        var making: Set<String> = []
        var seen: Set<String> = []
        for item in heads where seen.insert(item.lane).inserted {
            if case .effect(.createRoom) = item.job { making.insert(item.lane) }
        }
        guard !making.isEmpty else { return heads }
        return heads.filter { item in
            guard case .effect(.invite) = item.job, let platform = item.method.platform, let incident = item.incident else { return true }
            return !making.contains(roomLane(platform, incident: incident))
        }
    }
    public static func broadcastLane(_ platform: Platform) -> String { "\(platform):broadcast" }
    /// A post to a broadcast channel, which a turn to private withdraws (`withdrawBroadcasts`).
    var isBroadcast: Bool { method.platform.map { lane == Self.broadcastLane($0) } ?? false }
    static func directLane(_ method: ContactMethod, _ person: PersonID) -> String { "\(method):dm:\(person)" }
    static func replyLane(_ platform: Platform, room: String) -> String { "\(platform):reply:\(room)" }
}

/// What delivery reads from the outbox: the heads of every lane, and the rows it must set
/// aside because they cannot be read.
public struct OutboxHeads: Sendable {
    public var items: [OutboxItem] = []
    public var undecodable: [UndecodableOutboxRow] = []

    public init(items: [OutboxItem] = [], undecodable: [UndecodableOutboxRow] = []) {
        self.items = items
        self.undecodable = undecodable
    }
}

/// An outbox row that cannot be decoded (written by a newer version, or damaged): it is
/// quarantined, marked failed with this reason, and never blocks another row.
public struct UndecodableOutboxRow: Error, Hashable, Sendable {
    public var id: Int64
    public var key: String
    public var reason: String

    public init(id: Int64, key: String, reason: String) {
        self.id = id
        self.key = key
        self.reason = reason
    }
}

/// An outbox row as an operator sees it: its key, where it stands and why, and the item
/// when it can be decoded.
public struct OutboxListing: Sendable {
    public var key: String
    /// The contact method's name (the store's column is still called `platform`).
    public var method: String
    public var state: OutboxItem.State
    public var attempts: Int
    public var notBefore: Timestamp
    public var finishedAt: Timestamp?
    public var lastError: String?
    /// nil for a row that cannot be decoded (its reason is in `lastError`).
    public var item: OutboxItem?

    public init(key: String, method: String, state: OutboxItem.State, attempts: Int, notBefore: Timestamp,
                finishedAt: Timestamp?, lastError: String?, item: OutboxItem?) {
        self.key = key
        self.method = method
        self.state = state
        self.attempts = attempts
        self.notBefore = notBefore
        self.finishedAt = finishedAt
        self.lastError = lastError
        self.item = item
    }
}

/// How many outbox items of one contact method are in one state.
public struct OutboxCount: Hashable, Sendable {
    public var method: String
    public var state: OutboxItem.State
    public var count: Int

    public init(method: String, state: OutboxItem.State, count: Int) {
        self.method = method
        self.state = state
        self.count = count
    }
}
