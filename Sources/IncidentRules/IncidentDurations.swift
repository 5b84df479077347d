import IncidentCore

/// Time to acknowledge, mitigate and resolve, measured from the timeline (behaviour.md section 6).
public struct IncidentDurations: Hashable, Sendable {
    public var toAcknowledge: Duration?
    public var toMitigate: Duration?
    public var toResolve: Duration?
    /// The entries the first two were counted at: `.mitigated` or `.resolved` when nobody
    /// acknowledged (or mitigated apart) before, which a reader must be told.
    public var acknowledgedBy: TimelineEntry.Kind?
    public var mitigatedBy: TimelineEntry.Kind?

    /// As the response targets count them: an incident resolved without a separate mitigation
    /// counts as mitigated when resolved, and one mitigated or resolved before anyone
    /// acknowledged counts as acknowledged then. A mitigation that did not hold (the incident
    /// set back to investigating after it) counts only as that acknowledgement: the time to
    /// mitigate runs to the mitigation after the last set back.
    public init(timeline: [TimelineEntry]) {
        func first(_ kinds: TimelineEntry.Kind...) -> Timestamp? {
            timeline.first { kinds.contains($0.kind) }?.at
        }
        guard let declared = first(.declared) else { return }
        let acknowledged = timeline.first { [.acknowledged, .mitigated, .resolved].contains($0.kind) }
        let heldFrom = timeline.lastIndex(where: \.isMitigationNotHeld).map { $0 + 1 } ?? timeline.startIndex
        let mitigated = timeline[heldFrom...].first { [.mitigated, .resolved].contains($0.kind) }
        toAcknowledge = acknowledged.map { $0.at - declared }
        acknowledgedBy = acknowledged?.kind
        toMitigate = mitigated.map { $0.at - declared }
        mitigatedBy = mitigated?.kind
        toResolve = first(.resolved).map { $0 - declared }
    }
}
