import IncidentCore
import IncidentPolicy

/// What the rules decided: the incident's new state, what to append to its timeline, what
/// to do outside (in order), and what to tell the person who asked.
///
/// The engine writes the state, the timeline entries and the effects in one transaction.
public struct Decision: Hashable, Sendable {
    public var incident: Incident
    public var timeline: [TimelineEntry]
    public var effects: [Effect]
    /// For the asker only (ephemeral where the platform allows it); nil for ticks.
    public var reply: Message?
    /// The reply says something the decision's post in the room does not (an update that
    /// does not restart the timer): sent even where the post would otherwise stand for it.
    public var replyAddsToPost = false
    /// Levels a page fell due for that nobody in the roster fills: nobody was paged, and the
    /// room was told to page them by hand (`/incident escalation` lists each one ahead).
    public var unfilledLevels: [LevelRef] = []
}

/// Builds a `Decision`: the incident being changed, with what the change records and emits.
struct Transition {
    var incident: Incident
    let now: Timestamp
    let roster: Roster
    /// Who made the change; nil for the scheduler.
    let actor: PersonID?
    /// Where the change was typed.
    let venue: Venue
    /// The unlisted accounts that may be named IC or given a role.
    let community: Community
    /// See `Incident.handling(_:by:in:at:roster:community:roomMadePrivate:)`.
    var roomMadePrivate = false
    var timeline: [TimelineEntry] = []
    var effects: [Effect] = []
    var reply: Message?
    /// See `Decision.replyAddsToPost`.
    var replyAddsToPost = false
    /// How many effects the incident had issued before this transition.
    let effectsBefore: Int
    /// The incident as it stood before this transition: a change that leaves the room's
    /// topic as it was sets nothing (on Slack each setting is an event in the channel).
    let before: Incident
    /// People paged in this transition: a person is paged at most once per transition.
    var pagedNow: Set<PersonID> = []
    /// Per ladder, the due time at which it last paged in this transition: a missed update due
    /// at the same time does not step it a second time.
    var climbedAt: [String: Timestamp] = [:]
    /// Ladders whose page this transition held for working hours: a stop by the same decision
    /// (declaring with `--ic`) keeps that page, as it keeps one sent at once.
    var heldNow: Set<String> = []
    /// See `Decision.unfilledLevels`.
    var unfilledNow: [LevelRef] = []
    /// The latest overdue-update nudge of this transition; sent once at the end.
    var pendingNudge: Message?
    /// The most any missed update of this transition did (a scheduler catching up fires
    /// several): the one nudge says that, not only what the last did.
    var strongestStep: MissedUpdateStep?

    init(_ incident: Incident, now: Timestamp, roster: Roster, actor: PersonID?, venue: Venue = .incidentRoom,
         community: Community = .everyone) {
        self.incident = incident
        self.before = incident
        self.effectsBefore = incident.effectsIssued
        self.now = now
        self.roster = roster
        self.actor = actor
        self.venue = venue
        self.community = community
    }

    var policy: Policy { incident.policy }
    var zone: LocalZone { incident.policy.timeZone }

    /// Who a timeline entry is by.
    enum Author {
        /// The person whose command this is.
        case actor
        /// The bot on its own (pages, nudges, reminders).
        case bot
        case person(PersonID)
    }

    mutating func record(_ kind: TimelineEntry.Kind, _ text: String, by author: Author = .actor) {
        let who: PersonID? = switch author {
        case .actor: actor
        case .bot: nil
        case .person(let person): person
        }
        timeline.append(TimelineEntry(at: now, author: who, kind: kind, text: text))
    }

    mutating func emit(_ action: Effect.Action) {
        incident.effectsIssued += 1
        effects.append(Effect(key: "\(incident.id)/\(incident.effectsIssued)", incident: incident.number, action: action))
    }

    /// Posts in the incident's room or the broadcast channel; a private incident posts nothing
    /// to the broadcast channel.
    mutating func post(_ message: Message, to target: RoomTarget = .incidentRoom) {
        if target == .broadcast, incident.isPrivate { return }
        emit(.post(message, to: target))
    }

    /// Sets the room's topic when its text changes: on Slack every setting shows in the
    /// channel. Inputs can change and the text not: two updates in one minute move the next
    /// update's due time by seconds, and the topic shows the minute.
    mutating func updateTopic() {
        let (old, new) = (Messages.TopicInputs(before), Messages.TopicInputs(incident))
        guard new != old else { return }
        let zone = incident.policy.timeZone
        let topic = new.topic(zone: zone, now: now)
        guard topic != old.topic(zone: zone, now: now) else { return }
        emit(.setTopic(topic))
    }

    mutating func finish() -> Decision {
        if let nudge = pendingNudge {
            // One nudge for the misses of this transition (a late scheduler fires several),
            // and one entry: the timeline says what was sent.
            record(.nudged, "Nudged \(nudgeRecipients.map { "\($0.handle)" }.joined(separator: " ")) for a status update.", by: .bot)
            post(nudge)
            pendingNudge = nil
        }
        return Decision(incident: incident, timeline: timeline, effects: effects, reply: reply, replyAddsToPost: replyAddsToPost,
                        unfilledLevels: unfilledNow)
    }

    /// The person behind a mention, or an error naming who the roster knows. `me` names
    /// whoever typed the command (`PersonRef.isTypist`), even where the roster has someone
    /// keyed `me`: the bot's own advice, `/ic me`, made that person IC, and "@me is now the
    /// incident commander" read as the typist (they are named by their chat account).
    func person(_ ref: PersonRef) throws(IncidentError) -> PersonID {
        if ref.isTypist, let actor { return actor }
        guard let id = roster.resolve(ref) else {
            let people = roster.people.keys.sorted()
            let known = people.prefix(12).map(\.handle).joined(separator: ", ") + (people.count > 12 ? " and \(people.count - 12) more" : "")
            throw IncidentError(.unknown, "I don't know \(ref); mention someone in the roster (\(known)) or their chat account.")
        }
        return id
    }

    /// The person behind a mention, who must be someone the bot can reach.
    func reachablePerson(_ ref: PersonRef) throws(IncidentError) -> PersonID {
        let id = try person(ref)
        try requireReachable(id)
        return id
    }
}
