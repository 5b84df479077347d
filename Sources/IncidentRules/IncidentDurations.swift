import IncidentCore

/// Time to acknowledge, mitigate and resolve, measured from the timeline (behaviour.md section 6).
public struct IncidentDurations: Hashable, Sendable {
    public var toAcknowledge: Duration?
    public var toMitigate: Duration?
    public var toResolve: Duration?

    /// An incident resolved without a separate mitigation counts as mitigated when resolved.
    public init(timeline: [TimelineEntry]) {
        func first(_ kind: TimelineEntry.Kind) -> Timestamp? { timeline.first { $0.kind == kind }?.at }
        guard let declared = first(.declared) else { return }
        toAcknowledge = first(.acknowledged).map { $0 - declared }
        toResolve = first(.resolved).map { $0 - declared }
        toMitigate = (first(.mitigated) ?? first(.resolved)).map { $0 - declared }
    }
}
