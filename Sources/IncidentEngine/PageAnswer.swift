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

    /// Why an answer naming no incident (a texted `ACK`, a bare `/ack`) is not taken while an
    /// open incident cannot be read: it could be meant for that one. `example` names one.
    static func whileAnIncidentIsUnreadable(naming example: BotText) -> BotText {
        "An open incident cannot be read by this version of incident-bot, so which one this answers is not known; name it, as in \(example)."
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
            switch try answer.reading(in: records, roster: roster, at: now) {
            case .refused(let outcome):
                return outcome
            case .taken(let stored, let decision):
                if !answer.spentWhenRefused { try records.markSeen(answer.method, eventID: answer.id, at: now) }
                try Decider.commit(decision, home: stored.home, records: records, router: router, now: now)
                return EngineOutcome(.handled, reply: decision.reply, incident: stored.incident.number)
            }
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

    /// What `answer` would come to now, read and not carried out: nil when it would be taken;
    /// else the outcome `acknowledge` would give (used already, answered already, refused and
    /// why). The page a link opens shows its button only when pressing it would be taken: it
    /// showed one for a page withdrawn before it went out, which the press then refused.
    public func outcomeIfNotTaken(_ answer: PageAnswer) async throws -> EngineOutcome? {
        let now = clock.now
        let roster = settings.roster
        return try await store.read { records -> EngineOutcome? in
            if try records.isSeen(answer.method, eventID: answer.id) { return EngineOutcome(.duplicate, incident: answer.incident) }
            if case .refused(let outcome) = try answer.reading(in: records, roster: roster, at: now) { return outcome }
            return nil
        }
    }
}
