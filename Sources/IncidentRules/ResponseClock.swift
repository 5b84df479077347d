import IncidentCore
import IncidentPolicy

/// A response-target warning or miss the room has been told of, and the deadline it told of:
/// a severity changed back gives the target a deadline the room may already have heard of.
public struct TargetNotice: Hashable, Sendable, Codable {
    public var target: ResponseTargets.Kind
    /// false: the warning; true: the miss.
    public var missed: Bool
    /// nil in a notice stored before deadlines were kept with them: it stands for the deadline
    /// in force until the severity next changes (`Transition.carryTargetNotices`).
    public var deadline: Timestamp?

    public init(_ target: ResponseTargets.Kind, missed: Bool, deadline: Timestamp?) {
        self.target = target
        self.missed = missed
        self.deadline = deadline
    }
}

/// Where one response target stands for an incident: its length, when it runs out, and when
/// (if) it was met. Counted from the declaration; for a severity that pages only in working
/// hours whose first page waited for them, from that page (`started`): nobody paged can meet a
/// target that ran out first (a P2 declared at 03:00 on a Saturday was told at 07:00 it had
/// missed its target to acknowledge, and counted so in the report, while the on-call's page
/// waited for Monday).
public struct ResponseClock: Hashable, Sendable {
    public var target: ResponseTargets.Kind
    public var length: Duration
    public var started: Timestamp
    public var deadline: Timestamp
    /// When the incident got there: acknowledged (or mitigated or resolved before that),
    /// mitigated (or resolved), resolved. nil: not yet.
    public var reachedAt: Timestamp?

    public var met: Bool? { reachedAt.map { $0 <= deadline } }

    /// Met, missed, or (nil) still running at `now`.
    public func outcome(at now: Timestamp) -> Bool? {
        if let met { return met }
        return now > deadline ? false : nil
    }
}

extension Incident {
    /// The severity's response targets, as clocks.
    public var responseClocks: [ResponseClock] {
        guard let targets = policy[severity].targets else { return [] }
        let started = responseStart
        return ResponseTargets.Kind.allCases.compactMap { kind in
            guard let length = targets[kind] else { return nil }
            let reached: Timestamp? = switch kind {
            case .acknowledge: countsAsAcknowledgedAt
            case .mitigate: Self.earliest(mitigatedAt, resolvedAt)
            case .resolve: resolvedAt
            }
            return ResponseClock(target: kind, length: length, started: started, deadline: started + length, reachedAt: reached)
        }
    }

    /// When the response clocks start: the declaration, unless the severity pages only in
    /// working hours and nothing was paged as it was declared; then the first of the first
    /// page, the time a held page waits until (on the paged person's own clock) and when
    /// working hours opened as it was declared (`workingHoursOpenedAt`). The last keeps the
    /// start when an acknowledgement drops the held page: taking a P2 early on a Saturday
    /// moved its start back to Friday's declaration, and its targets counted as missed. An
    /// incident paged at once and lowered to such a severity later keeps its declaration: it
    /// was answered, or not, from then. Only pages that ask for an answer count: the business
    /// ladder's page for information, sent as a Tokyo director's day began at midnight, asked
    /// nobody to acknowledge, and started a P2's two hours nine hours before its on-call was
    /// paged.
    var responseStart: Timestamp {
        let asking = policy.askingLadders
        guard policy[severity].workingHoursOnly == true,
              !pages.contains(where: { $0.at <= declaredAt && $0.withdrawn != true && asking.contains($0.level.ladder) })
        else { return declaredAt }
        let firstPage = pages.filter { $0.withdrawn != true && asking.contains($0.level.ladder) }.map(\.at).min()
        let held = ladders.filter { asking.contains($0.key) }.values
            .compactMap { $0.heldPage != nil && $0.stopped == nil ? $0.nextStepAt : nil }.min()
        let first = [firstPage, held, workingHoursOpenedAt].compactMap { $0 }.min()
        return max(first ?? declaredAt, declaredAt)
    }

    /// When the incident counts as acknowledged, as its measures and targets count it: the
    /// acknowledgement, or the mitigation or resolution that came before one.
    public var countsAsAcknowledgedAt: Timestamp? { Self.earliest(acknowledgedAt, mitigatedAt, resolvedAt) }

    /// The first of the moments that each reach a target: an acknowledgement after the
    /// mitigation does not make a met target missed.
    static func earliest(_ moments: Timestamp?...) -> Timestamp? {
        moments.compactMap { $0 }.min()
    }

    /// How long from the impact's start to the declaration, when the start was given.
    public var timeToDetect: Duration? {
        impactStartedAt.map { max(.zero, declaredAt - $0) }
    }

    /// Whether the room was told of `clock`'s warning or miss, for the deadline it has now.
    func told(_ clock: ResponseClock, missed: Bool) -> Bool {
        targetNotices?.contains { notice in
            notice.target == clock.target && notice.missed == missed && (notice.deadline ?? clock.deadline) == clock.deadline
        } == true
    }
}
