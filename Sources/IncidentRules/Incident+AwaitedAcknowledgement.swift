import IncidentCore

extension Incident {
    /// Whether `person` was paged on a ladder an acknowledgement stops and has not
    /// acknowledged yet: an answer of theirs that names no incident (an SMS reply of a bare
    /// `ACK`) could be meant for this one.
    public func awaitsAcknowledgement(from person: PersonID) -> Bool {
        guard phase == .investigating || phase == .mitigated, acknowledgedBy?.contains(person) != true else { return false }
        let ackable = Set(policy.ladders.filter { $0.stopOn.contains(.acknowledged) }.map(\.id))
        return pages.contains { $0.person == person && ackable.contains($0.level.ladder) }
    }
}
