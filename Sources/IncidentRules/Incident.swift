import IncidentCore
import IncidentPolicy

/// One incident's current state: everything the rules need to decide what happens next.
///
/// The full record is the timeline the store keeps beside it; this holds only what decisions
/// read, including every due time, so the scheduler can ask `nextDue` without computing.
///
/// Not Codable: stores write it as an `IncidentRecord`, a format of its own.
public struct Incident: Hashable, Sendable {
    public let number: Int
    public var title: String
    /// `incident-20261122-payment-api-errors`.
    public let room: String
    public var severity: Severity
    public var phase: Phase
    /// What the topic shows after `status:`: the phase, or the latest update's `status:` field.
    public var statusText: String
    public let declaredAt: Timestamp
    public let declaredBy: PersonID
    public var roles: [Role: PersonID]

    /// When the last status update was posted (the declaration counts as the first).
    public var lastUpdateAt: Timestamp
    /// When the next status update is due; nil when none is expected (P3, resolved).
    public var nextUpdateDue: Timestamp?
    /// Updates missed in a row since the last one.
    public var missedUpdates: Int
    /// True once a status update that counts was posted. nil: none yet, or stored before it
    /// was kept (`hasUpdate` reads those from `lastUpdateAt`).
    public var updated: Bool?
    /// Whether a status update that counts was posted: one in the declaration's own second
    /// leaves `lastUpdateAt` where the declaration put it, and read as no update at all.
    public var hasUpdate: Bool { updated ?? (lastUpdateAt > declaredAt) }

    public var ladders: [String: LadderProgress]
    /// Every page sent, oldest first.
    public var pages: [PageRecord]
    /// Who has been invited to the room: the declarer, the IC and role holders, paged people.
    /// nil in incidents stored before it was kept: their next page invites again (an
    /// invitation of someone already in is harmless on every platform).
    public var invited: Set<PersonID>?
    /// People a page of this incident could not reach on any platform; the room was told
    /// about each once. nil: nobody yet (and in incidents stored before it was kept).
    public var unreachable: Set<PersonID>?
    /// Who acknowledged a page, by any path: the same person acknowledging again (the mail
    /// link after `/ack`) changes nothing. nil: nobody yet (and in incidents stored before it
    /// was kept).
    public var acknowledgedBy: Set<PersonID>?
    /// For each person who acknowledged by an answer of their own (not named IC by someone
    /// else), how many effects the incident had issued before their latest acknowledgement: a
    /// page of theirs made before it, still waiting, is answered. nil: nobody acknowledged yet,
    /// or stored before it was kept; empty: only people named IC by others.
    public var acknowledgedAfterEffect: [PersonID: Int]?

    public var acknowledgedAt: Timestamp?
    public var mitigatedAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var closedAt: Timestamp?
    /// The resolution summary, if one was given.
    public var summary: String?
    /// When the post-mortem is next reminded of; nil when none is due.
    public var nextPostmortemReminder: Timestamp?
    /// When the last post-mortem reminder went out; nil: none has. A severity change after
    /// the resolution reads from it whether reminders are under way.
    public var postmortemRemindedAt: Timestamp?
    /// Until when the IC snoozed status-update nudges (`/incident snooze`); nil: not snoozed.
    public var snoozedUntil: Timestamp?
    /// The incident's call: from the severity's `call` template, or set with `/incident call`.
    public var callLink: CallLink?
    /// True when a lead removed the call link (`/incident call off`): a raise does not give
    /// the incident its new severity's templated link, which would send whoever is woken to a
    /// bridge the IC had turned off. nil: not removed, or a link was set since.
    public var callTurnedOff: Bool?
    /// Follow-up items (`/action`), oldest first; nil: none yet (and in incidents stored before
    /// they were kept).
    public var actions: [ActionItem]?
    /// When the impact began, if someone said (`/incident started`): time to detect runs from it.
    public var impactStartedAt: Timestamp?
    /// When working hours next opened as the incident was declared: on the clock of the first
    /// page its ladders held for them, else on the policy's (the declaration itself, inside
    /// them). A severity that pages only in working hours counts its response targets from
    /// there at the latest (`responseStart`), whatever an acknowledgement later does to the
    /// held page. nil: declared before it was kept.
    public var workingHoursOpenedAt: Timestamp?
    /// Which response-target warnings and misses the room has been told of; nil: none.
    public var targetNotices: Set<TargetNotice>?
    /// A private incident (security, data exposure): nothing goes to the broadcast channel,
    /// what leaves its room names it by number only, and queries show its details only to its
    /// members and incident admins (`isVisible(to:admins:)`).
    public var isPrivate = false
    /// Messages of the room marked for the timeline (pinned, or the configured reaction);
    /// nil: none.
    public var pins: [PinnedMessage]?
    /// Someone trusted in their own right (on the roster, or paged for it) who declared the
    /// incident again while its declarer was not (an account off the roster that typed the
    /// title first): they stand in for the declarer in who may steer it and who is nudged
    /// (`actingDeclarer`). nil: the declarer holds that place.
    public var declarerStandIn: PersonID?

    /// The declarer as the rules of who may do what, and nudges, see them: the stand-in, if
    /// any, else the person who declared it.
    public var actingDeclarer: PersonID { declarerStandIn ?? declaredBy }

    /// How many effects this incident has issued; makes each effect's key unique and stable.
    public var effectsIssued: Int
    /// The policy in force at declaration.
    public let policy: Policy

    public var id: String { "INC-\(number)" }

    public var commander: PersonID? { roles[.commander] }

    public var isOpen: Bool { phase != .closed }

    public enum Phase: String, Hashable, Sendable, Codable, CaseIterable {
        case investigating
        case mitigated
        case resolved
        case closed
    }

    /// A new incident as declared: investigating, nothing paged yet. Stores restore the rest of
    /// a stored incident's fields onto this (`IncidentRecord`).
    public init(number: Int, title: String, room: String, severity: Severity, declaredAt: Timestamp,
                declaredBy: PersonID, policy: Policy) {
        self.number = number
        self.title = title
        self.room = room
        self.severity = severity
        self.phase = .investigating
        self.statusText = Phase.investigating.rawValue
        self.declaredAt = declaredAt
        self.declaredBy = declaredBy
        self.roles = [:]
        self.lastUpdateAt = declaredAt
        self.nextUpdateDue = policy.updateInterval(severity).map { declaredAt + $0 }
        self.missedUpdates = 0
        self.ladders = [:]
        self.pages = []
        self.effectsIssued = 0
        self.policy = policy
    }
}

/// Where one ladder stands for one incident.
public struct LadderProgress: Hashable, Sendable, Codable {
    /// Index of the level the climb reached (last paged by the climb); nil before it starts.
    public var level: Int?
    /// When the current level's wait runs out; nil when the ladder is not climbing.
    public var nextStepAt: Timestamp?
    /// Pages of the top level after its first (`repeats(afterPaging:counted:)`).
    public var repeatsAtTop: Int
    /// Why the ladder stopped for good; nil while it may still page.
    public var stopped: Ladder.StopCondition?
    /// Set while the page of `level` waits for working hours (`nextStepAt`): why it is paged.
    public var heldPage: PageRecord.Reason?
    /// When the rotation filling the paged level next hands over to someone else, whose turn
    /// it then is to be paged; nil: a person fills it, or nobody else is in the rotation.
    public var rotationHandoverAt: Timestamp?
    /// Rotations' handovers whose incoming person's working hours were closed, one a level at
    /// most: the room was told at each handover, and the level's page goes to them when their
    /// hours open, whether or not the climb has moved on meanwhile (it keeps its times).
    /// nil: none waits.
    public var waitingHandovers: [WaitingHandover]?
    /// Set when the ladder stops: how many effects the incident had issued before the decision
    /// that stopped it. A page of the ladder numbered at or below it was waiting when the
    /// answer came, and is withdrawn if it has not gone out; one numbered above it was made by
    /// that decision or after, and goes. nil: stopped before this was kept.
    public var stoppedAfterEffect: Int?

    /// A handover waiting for the incoming person's working hours.
    public struct WaitingHandover: Hashable, Sendable, Codable {
        /// Who took the level over.
        public var person: PersonID
        /// Index of the level they took over.
        public var level: Int
        /// When their hours open: the page goes then.
        public var at: Timestamp

        public init(person: PersonID, level: Int, at: Timestamp) {
            self.person = person
            self.level = level
            self.at = at
        }
    }

    /// Whether the level's unanswered page moves to whoever the rotation names next when it
    /// hands over: the ladder still climbs (not stopped, and not gone quiet at its top with its
    /// repeats spent) and holds no page for working hours. A quiet ladder handed its page over
    /// at every handover, each night of a follow-the-sun rotation, for as long as the incident
    /// stayed open: repeats are bounded, and a handover is not a way around them.
    public var pageMovesWithTheRotation: Bool { stopped == nil && heldPage == nil && nextStepAt != nil }

    /// Whether the ladder stopped after `page` was made, so the page, if still waiting, is
    /// answered already. True when either predates the numbers being kept, as before them.
    public func stopCameAfter(_ page: Page) -> Bool {
        guard stopped != nil else { return false }
        guard let number = page.effectNumber, let stoppedAfterEffect else { return true }
        return number <= stoppedAfterEffect
    }

    /// Whether paging the level at `index` takes the climb higher than it has been. Paging a
    /// lower level is paging the top of a plan the severity was lowered to, which the climb
    /// passed on its way up: a repeat at the top, not a climb.
    public func reachesAbove(_ index: Int) -> Bool {
        index > level ?? -1
    }

    /// The repeats `plan`'s top has had: none while the climb stands above that top (a severity
    /// lowered below the level reached), whatever the higher top had; it is paged again as
    /// often as the lower severity says. A ladder already idle there has none left.
    public func repeatsAtTop(of plan: LadderPlan) -> Int {
        guard let top = plan.top, let level, level > top.index else { return repeatsAtTop }
        // An idle ladder spent its repeats higher up: a P0 whose VP went unanswered through
        // every repeat, lowered to P1, paged the engineering manager four times more.
        return isIdle ? Int.max : 0
    }

    /// Whether its next step pages nobody and leaves it idle: the top paged as often as `plan`
    /// allows, nothing held.
    public func goesQuietAtItsNextStep(_ plan: LadderPlan) -> Bool {
        guard nextStepAt != nil, heldPage == nil, let level else { return false }
        return plan.next(after: level) == nil && !plan.repeats.allows(repeatsAtTop(of: plan))
    }

    /// Out of repeats: reached a level, not stopped, and nothing more to page or hold.
    public var isIdle: Bool { level != nil && stopped == nil && nextStepAt == nil && heldPage == nil }

    /// The repeats at the top once the level at `index` is paged, `counted` being the count
    /// with this page if it repeats the level reached: none when it takes the climb to a new
    /// level, one when it comes down to a lowered severity's top (its first repeat: the top is
    /// paged again as often as that severity says, and no more).
    public func repeats(afterPaging index: Int, counted: Int) -> Int {
        if reachesAbove(index) { 0 } else if index < level ?? index { 1 } else { counted }
    }

    public init(level: Int? = nil, nextStepAt: Timestamp? = nil, repeatsAtTop: Int = 0, stopped: Ladder.StopCondition? = nil) {
        self.level = level
        self.nextStepAt = nextStepAt
        self.repeatsAtTop = repeatsAtTop
        self.stopped = stopped
    }
}

/// A page the ladders made.
public struct PageRecord: Hashable, Sendable, Codable {
    public var at: Timestamp
    public var person: PersonID
    public var level: LevelRef
    public var reason: Reason
    /// True when delivery withdrew it before it went out (someone answered, or the incident
    /// was resolved, while it waited): it reached nobody. nil: it went out, or is on its way.
    public var withdrawn: Bool?
    /// True once delivery recorded that it reached its person, by any of their methods
    /// (`Incident.pageDelivered`). nil: not yet, or recorded by an earlier build, which kept
    /// no such mark (an older replica saving the incident drops it too).
    public var landed: Bool?

    public init(at: Timestamp, person: PersonID, level: LevelRef, reason: Reason, withdrawn: Bool? = nil, landed: Bool? = nil) {
        self.at = at
        self.person = person
        self.level = level
        self.reason = reason
        self.withdrawn = withdrawn
        self.landed = landed
    }

    public enum Reason: String, Hashable, Sendable, Codable {
        /// The ladder started or climbed to this level.
        case climb
        /// The top level again, after its wait.
        case repeatAtTop
        /// The severity pages this level at once.
        case immediate
        /// Status updates were missed.
        case missedUpdate
        /// The level passed to someone else while its page was unanswered: the on-call
        /// rotation's turn, or a roster edited since (read at a restart).
        case rotationHandover

        /// A step of the ladder's own climb, which starts its level's wait: not a page at once
        /// nor a rotation's handover.
        public var isClimbStep: Bool { self == .climb || self == .repeatAtTop || self == .missedUpdate }
    }
}
