import IncidentCore
import IncidentPolicy
import IncidentRules

extension PageAnswer {
    /// What an answer comes to, read in the records as they stand: the incident and the
    /// decision that takes it, or the outcome that refuses it (or answers it as given already).
    enum Reading {
        case taken(StoredIncident, Decision)
        case refused(EngineOutcome)
    }

    /// The checks an answer goes through, whether it is carried out (`Engine.acknowledge`) or
    /// only looked at (`Engine.outcomeIfNotTaken`): the incident it answers, the same
    /// permission as the person's `/ack`. Whether its id was used is the caller's to check.
    func reading(in records: any IncidentRecords, roster: Roster, at now: Timestamp) throws -> Reading {
        let found: StoredIncident?
        if let number = incident {
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
                return .refused(EngineOutcome(.refused, reply: .refusal(PageAnswer.whileAnIncidentIsUnreadable(naming: "ACK INC-4"))))
            }
            let awaiting = try records.awaitingAcknowledgement(from: person, among: open)
            guard awaiting.count < 2 else {
                let ids = awaiting.map(\.incident.id)
                let named = ids.dropLast().joined(separator: ", ") + " and " + ids.last!
                return .refused(EngineOutcome(.refused, reply: .refusal("\(named) are paging you; name the one you answer, as in ACK \(ids.last!).")))
            }
            // A page withdrawn before it went out, or handed on before it reached them, is
            // none they could be answering.
            func theirs(_ page: PageRecord, in incident: Incident) -> Bool { page.person == person && incident.asksForAnswer(page) }
            func lastPage(_ stored: StoredIncident) -> Timestamp {
                stored.incident.pages.last(where: { theirs($0, in: stored.incident) })?.at ?? now
            }
            found = try awaiting.first ?? open.filter { stored in
                try [.investigating, .mitigated].contains(stored.incident.phase)
                    && stored.incident.pages.contains(where: { theirs($0, in: stored.incident) }) && records.pageReached(person, in: stored)
            }.max { lastPage($0) < lastPage($1) }
        }
        guard let stored = found else {
            return .refused(EngineOutcome(.refused, reply: .refusal(incident.map { "There is no INC-\($0)." }
                                                                    ?? "No open incident has paged you; name it, as in ACK INC-4.")))
        }
        let number = stored.incident.number
        if let declaredAt, declaredAt != stored.incident.declaredAt {
            return .refused(EngineOutcome(.refused, reply: .refusal(PageAnswer.forAnEarlierIncident(stored.incident.id)), incident: number))
        }
        // Someone taken off the roster since the page (a leaver) no longer answers for it,
        // as their chat commands no longer do.
        guard roster.people[person] != nil else {
            return .refused(EngineOutcome(.refused, reply: .refusal("You are no longer on the roster, so your acknowledgement is not taken; "
                                                                    + "\(stored.incident.id) goes on paging the people who are."),
                                          incident: number))
        }
        do throws(IncidentError) {
            return .taken(stored, try stored.incident.acknowledging(by: person, how: how, at: now, roster: roster))
        } catch {
            return .refused(EngineOutcome(error.kind == .noChange ? .answered : .refused, reply: .refusal(error.message), incident: number))
        }
    }
}
