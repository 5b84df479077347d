import IncidentCore

extension Incident {
    /// Whether `person` was paged on a ladder an acknowledgement stops, that ladder still
    /// climbs (nobody acknowledged, no IC named, not mitigated), and they have not acknowledged
    /// yet: an answer of theirs that names no incident (an SMS reply of a bare `ACK`) could
    /// be meant for this one.
    public func awaitsAcknowledgement(from person: PersonID) -> Bool {
        guard phase == .investigating || phase == .mitigated, acknowledgedBy?.contains(person) != true else { return false }
        let ackable = Set(policy.ladders.filter { $0.stopOn.contains(.acknowledged) }.map(\.id))
        return pages.contains { page in
            page.person == person && ackable.contains(page.level.ladder) && ladders[page.level.ladder]?.stopped == nil
        }
    }
}
