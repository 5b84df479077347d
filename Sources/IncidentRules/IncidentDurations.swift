import IncidentCore

/// Time to acknowledge, mitigate and resolve, measured from the timeline (behaviour.md section 6).
public struct IncidentDurations: Hashable, Sendable {
    public var toAcknowledge: Duration?
    public var toMitigate: Duration?
    public var toResolve: Duration?

    /// As the response targets count them: an incident resolved without a separate mitigation
    /// counts as mitigated when resolved, and one mitigated or resolved before anyone
    /// acknowledged counts as acknowledged then.
    public init(timeline: [TimelineEntry]) {
        func first(_ kinds: TimelineEntry.Kind...) -> Timestamp? {
            timeline.first { kinds.contains($0.kind) }?.at
        }
        guard let declared = first(.declared) else { return }
        toAcknowledge = first(.acknowledged, .mitigated, .resolved).map { $0 - declared }
        toMitigate = first(.mitigated, .resolved).map { $0 - declared }
        toResolve = first(.resolved).map { $0 - declared }
    }
}
