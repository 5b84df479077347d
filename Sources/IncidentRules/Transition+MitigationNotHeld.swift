import IncidentCore
import IncidentPolicy

/// A mitigation that did not hold: the problem is back, and a responder's update says so
/// (`status: investigating`). The incident is investigated again in the same room, with the
/// same IC and record, and paging picks up where the mitigation stopped it. Without this, a
/// failover that did not hold left a P1 that paged nobody: its ladders had stopped for good,
/// its repeated declaration was taken for the open incident, and a raise started no ladder.
extension Transition {
    /// Back to investigating from mitigated: every ladder the mitigation stopped climbs on from
    /// the level it had reached, that level waiting its full wait from now (its person was paged
    /// before, and the room hears the update), and one it stopped before it began starts if
    /// the severity runs it. A level whose page never went (held for working hours when the
    /// mitigation dropped it) is reached again now: paged, or held for the hours again. A ladder
    /// an acknowledgement stops stays stopped once someone acknowledged, before the mitigation
    /// or after it (an IC named while it was mitigated): someone is on it. When the incident is
    /// mitigated again, the ladders stop again.
    mutating func resumeAfterMitigation() {
        incident.phase = .investigating
        // Not mitigated any more: its target to mitigate runs again (told missed if its time
        // is past), and the post-mortem counts the mitigation that holds. The one that did not
        // still counted as an acknowledgement, as the targets count it, if nobody had given one.
        if incident.acknowledgedAt == nil { incident.acknowledgedAt = incident.mitigatedAt }
        incident.mitigatedAt = nil
        record(.statusUpdate, TimelineEntry.mitigationNotHeld, by: .bot)
        let message = Messages.mitigationNotHeld(incident, by: actor!)
        post(message)
        post(message, to: .broadcast)
        let acknowledged = incident.acknowledgedBy?.isEmpty == false
        for ladder in policy.ladders {
            guard var progress = incident.ladders[ladder.id], progress.stopped == .mitigated else { continue }
            if acknowledged, ladder.asksForAnswers {
                progress.stopped = .acknowledged
                incident.ladders[ladder.id] = progress
                continue
            }
            progress.stopped = nil
            progress.stoppedAfterEffect = nil
            if let current = progress.level {
                let plan = policy.plan(ladder, at: incident.severity)
                let neverPaged = !incident.pages.contains { $0.level == ladder.reference(current) && $0.withdrawn != true }
                if neverPaged, plan.runs {
                    reach(ladder, current, .climb, due: now, plan: plan, progress: &progress)
                    continue
                }
                if plan.runs, plan.next(after: current) != nil || plan.repeats.allows(progress.repeatsAtTop(of: plan)) {
                    progress.nextStepAt = now + plan.wait(at: current)
                }
            }
            incident.ladders[ladder.id] = progress
        }
        startLadders()
    }
}
