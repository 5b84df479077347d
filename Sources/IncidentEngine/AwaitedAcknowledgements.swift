import IncidentCore
import IncidentRules

extension IncidentRecords {
    /// Of `open` (every open incident, none skipped: with one unreadable, an answer could be
    /// meant for it and land on another), those an answer naming no incident (a bare `/ack`,
    /// a texted `ACK`) could be meant for, by number: each awaits the person's acknowledgement
    /// (`Incident.awaitsAcknowledgement`) and its page reached them.
    func awaitingAcknowledgement(from person: PersonID, among open: [StoredIncident]) throws -> [StoredIncident] {
        try open.filter { try $0.incident.awaitsAcknowledgement(from: person) && pageReached(person, in: $0) }
            .sorted { $0.incident.number < $1.incident.number }
    }

    /// Whether a page of `stored` reached `person`. One still retrying (its platform or
    /// provider down) is none they could be answering: an answer meant for INC-7, which they
    /// had answered by taking its command, acknowledged INC-8 and stopped its ladder, though
    /// INC-8's page had never arrived.
    func pageReached(_ person: PersonID, in stored: StoredIncident) throws -> Bool {
        Incident.pageReached(person, in: try timeline(incident: stored.incident.number))
    }
}
