import IncidentCore

extension Incident {
    /// Whether `person` was paged on a ladder an acknowledgement stops (a page that went out,
    /// not one withdrawn unsent) and has not acknowledged: an answer of theirs that names no
    /// incident (an SMS reply of a bare `ACK`) could be meant for this one. Whether the ladder
    /// still climbs does not matter: their page stands and asks them to answer it, and a text
    /// read for it must not land on another incident because someone else answered this one.
    public func awaitsAcknowledgement(from person: PersonID) -> Bool {
        guard phase == .investigating || phase == .mitigated, acknowledgedBy?.contains(person) != true else { return false }
        let ackable = Set(policy.ladders.filter { $0.stopOn.contains(.acknowledged) }.map(\.id))
        return pages.contains { page in
            page.person == person && ackable.contains(page.level.ladder) && page.withdrawn != true
        }
    }
}
