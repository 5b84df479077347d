import IncidentCore
import IncidentPolicy

/// `/incident snooze`: the IC, heads down, silences status-update nudges for a while. Only
/// nudges: the ladders keep climbing and pages keep going out. While snoozed, the update clock
/// stands still: a nudge that falls due waits for the snooze's end (`Incident.updateDue`), and
/// no miss is counted (so no page for missed updates comes before it either). The cadence's
/// own due time (`nextUpdateDue`) is left as it is, so ending the snooze early, or a second,
/// shorter one, goes back to it. At most the policy's `snooze_max`.
extension Transition {
    mutating func snooze(for duration: Duration?, by actor: PersonID) throws(IncidentError) {
        guard let commander = incident.commander else {
            throw IncidentError(.notAllowed, "\(incident.id) has no incident commander yet; only the IC can snooze its nudges (name one with \(command: "ic")).")
        }
        guard actor == commander || roster.admins.contains(actor) else {
            throw IncidentError(.notAllowed, "Only the incident commander (\(commander.handle)) or an incident admin can snooze \(incident.id)'s nudges.")
        }
        guard incident.phase == .investigating || incident.phase == .mitigated else {
            throw IncidentError(.wrongPhase, "\(incident.id) is \(incident.phase.rawValue); no status updates are nudged any more.")
        }
        // Before the severity's cadence is asked for: a snooze set at P1 outlives a lowering to
        // P3 (a raise brings it back), and `off` must end it there too.
        guard let duration else {
            try endSnooze()
            return
        }
        guard policy.updateInterval(incident.severity) != nil else {
            throw IncidentError(.wrongPhase, "\(incident.severity) incidents take status updates as needed; there are no nudges to snooze.")
        }
        let longest = policy.longestSnooze
        guard duration <= longest else {
            throw IncidentError(.notAllowed, "A snooze lasts at most \(DurationText.format(longest)) (the policy's snooze_max).")
        }
        let until = now + duration
        incident.snoozedUntil = until
        let time = zone.clockTime(until, seenAt: now)
        record(.snoozed, "Snoozed status-update nudges for \(DurationText.format(duration)), until \(time).")
        post(Messages.snoozed(incident, until: until, by: actor, now: now))
        updateTopic()
        reply = Messages.reply("Nudges for \(incident.id) are snoozed until \(time); pages still go out.")
    }

    /// `/incident snooze off`: the update clock runs again by the cadence; the last deadline
    /// that passed during the snooze is nudged now (one miss, as it would have been), and the
    /// ones before it are not counted. Ended outside the working hours of a severity that pages
    /// only in them, with a deadline passed, the clock starts again when they open, as when such
    /// a snooze runs out at night: nothing is nudged, and nobody paged, before then.
    private mutating func endSnooze() throws(IncidentError) {
        guard let until = incident.snoozedUntil, until > now else {
            throw IncidentError(.noChange, "\(incident.id)'s nudges are not snoozed.")
        }
        incident.snoozedUntil = nil
        // Only the last deadline the snooze passed over counts as missed: a long snooze ended
        // early must not count every deadline under it at once and page up the ladder. Stepped
        // from the deadline as owed (past the night, for a working-hours severity), so the
        // nudge names a time that was a deadline.
        var owedAtOpening: Timestamp?
        if let interval = policy.updateInterval(incident.severity),
           let first = incident.nextUpdateDue.map({ policy.updateDeadline(at: incident.severity, $0) }) {
            // Stored only when stepped: the cadence's own time otherwise stays as it was.
            let last = incident.lastUpdateDeadline(from: first, notAfter: now, every: interval)
            if last != first { incident.nextUpdateDue = last }
            // Ended after working hours over a deadline: the snooze is over now, and the update
            // it kept quiet is owed when they open, as when it runs out then (`updateDue`).
            if first <= now, policy.earliestPage(at: incident.severity, from: now, zone: nil) > now {
                incident.snoozedUntil = now
                owedAtOpening = last
            }
        }
        record(.snoozed, "Ended the snooze of status-update nudges.")
        updateTopic()
        // Overdue: the nudge goes now, for the deadline the topic shows.
        let due: String = if let owedAtOpening, let opens = incident.updateDue {
            "an update is overdue (due \(zone.clockTime(owedAtOpening, seenAt: now))), nudged when working hours open, "
                + zone.clockTime(opens, seenAt: now)
        } else {
            incident.updateDue.map { $0 <= now ? "an update is overdue (due \(zone.clockTime($0, seenAt: now)))"
                                               : "next update due \(zone.clockTime($0, seenAt: now))" } ?? "no updates are due"
        }
        guard policy.updateInterval(incident.severity) != nil else {
            reply = Messages.reply("The snooze of \(incident.id)'s nudges is over; \(incident.severity) incidents take status updates "
                                   + "as needed, so nothing is nudged unless its severity is raised.")
            return
        }
        reply = Messages.reply("Nudges for \(incident.id) are back on; \(due).")
    }
}

extension Incident {
    /// The last update deadline from `first` (one as owed) on, stepping the cadence, that is
    /// not after `limit`: each step is the next deadline as owed (past the night for a
    /// severity that pages only in working hours, never a time in it), which reads back as
    /// itself when stored, being a whole interval into working time.
    func lastUpdateDeadline(from first: Timestamp, notAfter limit: Timestamp, every interval: Duration) -> Timestamp {
        var last = first
        while true {
            let next = policy.updateDeadline(at: severity, last + interval)
            guard next <= limit else { return last }
            last = next
        }
    }

    /// When the next status update is due as the nudges see it, and as the topic and the
    /// messages say it: the cadence's due time (moved past the night for a severity that pages
    /// only in working hours), or the end of a snooze that outlasts it. A snooze of such a
    /// severity that ends after its working hours, over a deadline it kept quiet, leaves that
    /// update owed when they open (nobody is nudged in the evening): it is nudged then, and
    /// counts as missed, as it would have without the snooze. nil when none is expected.
    public var updateDue: Timestamp? {
        guard let due = nextUpdateDue.map({ policy.updateDeadline(at: severity, $0) }) else { return nil }
        guard let until = snoozedUntil, until > due else { return due }
        return policy.earliestPage(at: severity, from: until, zone: nil)
    }
}
