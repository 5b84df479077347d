import IncidentCore
import IncidentRules
import Logging

/// An acknowledgement that arrived outside chat, already vouched for by the door it came
/// through: a signed mail link, a PagerDuty webhook with a valid signature, a Twilio callback
/// with a valid signature. It becomes the paged person's own `/ack`, once.
public struct PageAnswer: Hashable, Sendable {
    /// The door: the method the page was answered on. Answers are deduplicated per door.
    public var method: ContactMethod
    /// Unique per answer at its door (a link's page key, PagerDuty's event id, Twilio's
    /// message or call id): a second answer with the same id changes nothing (for a link, once
    /// one acknowledged: `spentWhenRefused`).
    public var id: String
    public var person: PersonID
    /// nil: the one open incident that awaits `person`'s acknowledgement (an SMS reply of a
    /// bare `ACK`); refused when there are two or more.
    public var incident: Int?
    /// How the timeline records it: `mail link`, `PagerDuty`, `SMS reply`, `phone keypress`.
    public var how: String
    /// Whether a refused answer is spent too. A provider's message (a text, a keypress, a
    /// PagerDuty event) is: the same signed request again, a retry or a replay, must never
    /// acknowledge later what was refused when it came (a bare `ACK` refused for want of a
    /// page, replayed once another incident pages them), nor text its refusal twice. A link is
    /// not: its person clicks it, and a refused click must not tell them the next time that
    /// the link was used, as if someone else held it.
    public var spentWhenRefused: Bool
    /// When the incident the answer was made for was declared (a link's, a call's), if known:
    /// an incident of the same number declared at another time is another incident (a
    /// database restored from a backup numbers its next incident as the lost one did).
    public var declaredAt: Timestamp?

    /// Why an answer made for an incident of the same number declared at another time (a
    /// database restored from a backup numbers its next incident as the lost one did) is taken
    /// for nothing, on the page a link opens as when its button is pressed.
    public static func forAnEarlierIncident(_ id: String) -> BotText {
        "This page was for an earlier \(id), which this bot no longer has (its database was restored from a backup); nothing was acknowledged."
    }

    public init(method: ContactMethod, id: String, person: PersonID, incident: Int?, how: String, spentWhenRefused: Bool = true) {
        self.method = method
        self.id = id
        self.person = person
        self.incident = incident
        self.how = how
        self.spentWhenRefused = spentWhenRefused
    }
}

extension Engine {
    /// Carries out `answer` in one transaction, like a typed `/ack` by the same person: the
    /// same permission (only people paged for the incident), the same stop of the ladder.
    /// A person acknowledging again by another path is answered, and nothing changes.
    /// Throws only when the store fails; then nothing was committed.
    public func acknowledge(_ answer: PageAnswer) async throws -> EngineOutcome {
        let now = clock.now
        let roster = settings.roster
        let router = router
        let outcome = try await store.write { records -> EngineOutcome in
            if try records.isSeen(answer.method, eventID: answer.id) { return EngineOutcome(.duplicate, incident: answer.incident) }
            if answer.spentWhenRefused { try records.markSeen(answer.method, eventID: answer.id, at: now) }
            let found: StoredIncident?
            if let number = answer.incident {
                found = try records.incident(number)
            } else {
                // The one open incident that asks them for an acknowledgement. With two or more,
                // which one the reply answers is not known (a text read for INC-4 must not stop
                // INC-5's ladder), so they are asked to name it. With none, the latest that paged
                // them answers ("you already acknowledged", or why an ack does not stop it).
                // Every open incident must be read to know: with one unreadable, the answer
                // could land on the wrong incident and stop its ladder.
                let open: [StoredIncident]
                do {
                    open = try records.openIncidents(skippingUnreadable: false)
                } catch is UnreadableRow {
                    return EngineOutcome(.refused, reply: .refusal("An open incident cannot be read by this version of incident-bot, "
                                                                   + "so which one this answers is not known; name it, as in ACK INC-4."))
                }
                // Only an incident whose page reached them: one still retrying (its provider
                // down) is none they could be answering. A text meant for INC-7, which they
                // had answered by taking its command, acknowledged INC-8 and stopped its
                // ladder, though INC-8's page had never arrived.
                func reached(_ stored: StoredIncident) throws -> Bool {
                    Incident.pageReached(answer.person, in: try records.timeline(incident: stored.incident.number))
                }
                let awaiting = try open.filter { try $0.incident.awaitsAcknowledgement(from: answer.person) && reached($0) }
                    .sorted { $0.incident.number < $1.incident.number }
                guard awaiting.count < 2 else {
                    let ids = awaiting.map(\.incident.id)
                    let named = ids.dropLast().joined(separator: ", ") + " and " + ids.last!
                    return EngineOutcome(.refused, reply: .refusal("\(named) are paging you; name the one you answer, as in ACK \(ids.last!)."))
                }
                // A page withdrawn before it went out is none they could be answering.
                func theirs(_ page: PageRecord) -> Bool { page.person == answer.person && page.withdrawn != true }
                func lastPage(_ stored: StoredIncident) -> Timestamp { stored.incident.pages.last(where: theirs)?.at ?? now }
                found = try awaiting.first ?? open.filter {
                    try [.investigating, .mitigated].contains($0.incident.phase) && $0.incident.pages.contains(where: theirs) && reached($0)
                }.max { lastPage($0) < lastPage($1) }
            }
            guard let stored = found else {
                return EngineOutcome(.refused, reply: .refusal(answer.incident.map { "There is no INC-\($0)." }
                                                              ?? "No open incident has paged you; name it, as in ACK INC-4."))
            }
            let number = stored.incident.number
            if let declaredAt = answer.declaredAt, declaredAt != stored.incident.declaredAt {
                return EngineOutcome(.refused, reply: .refusal(PageAnswer.forAnEarlierIncident(stored.incident.id)), incident: number)
            }
            // Someone taken off the roster since the page (a leaver) no longer answers for it,
            // as their chat commands no longer do.
            guard roster.people[answer.person] != nil else {
                return EngineOutcome(.refused, reply: .refusal("You are no longer on the roster, so your acknowledgement is not taken; "
                                                              + "\(stored.incident.id) goes on paging the people who are."),
                                     incident: number)
            }
            let decision: Decision
            do throws(IncidentError) {
                decision = try stored.incident.acknowledging(by: answer.person, how: answer.how, at: now, roster: roster)
            } catch {
                return EngineOutcome(error.kind == .noChange ? .answered : .refused, reply: .refusal(error.message),
                                     incident: number)
            }
            if !answer.spentWhenRefused { try records.markSeen(answer.method, eventID: answer.id, at: now) }
            try Decider.commit(decision, home: stored.home, records: records, router: router, now: now)
            return EngineOutcome(.handled, reply: decision.reply, incident: number)
        }
        var log = logger
        log[metadataKey: "method"] = "\(answer.method)"
        if let number = outcome.incident { log[metadataKey: "incident.id"] = "INC-\(number)" }
        log.info("page answered: \(outcome.disposition.rawValue)", metadata: ["person": "\(answer.person)"])
        if outcome.disposition == .handled {
            schedulerWake.fire()
            deliveryWake.fire()
        }
        return outcome
    }
}
