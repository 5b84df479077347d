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
    /// the severity runs it. A ladder stopped by an acknowledgement stays stopped: someone is on
    /// it. When the incident is mitigated again, the ladders stop again.
    mutating func resumeAfterMitigation() {
        incident.phase = .investigating
        record(.statusUpdate, "Back to investigating: the mitigation did not hold.")
        let message = Messages.mitigationNotHeld(incident, by: actor!)
        post(message)
        post(message, to: .broadcast)
        for ladder in policy.ladders {
            guard var progress = incident.ladders[ladder.id], progress.stopped == .mitigated else { continue }
            progress.stopped = nil
            progress.stoppedAfterEffect = nil
            if let current = progress.level {
                let plan = policy.plan(ladder, at: incident.severity)
                if plan.runs, plan.next(after: current) != nil || plan.repeats.allows(progress.repeatsAtTop(of: plan)) {
                    progress.nextStepAt = now + plan.wait(at: current)
                }
            }
            incident.ladders[ladder.id] = progress
        }
        startLadders()
    }
}
