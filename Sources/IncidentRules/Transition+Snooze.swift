import IncidentCore
import IncidentPolicy

/// `/incident snooze`: the IC, heads down, silences status-update nudges for a while. Only
/// nudges: the ladders keep climbing and pages keep going out. While snoozed, the update clock
/// stands still: a nudge that falls due waits for the snooze's end, and no miss is counted (so
/// no page for missed updates comes before it either). At most the policy's `snooze_max`.
extension Transition {
    mutating func snooze(for duration: Duration?, by actor: PersonID) throws(IncidentError) {
        guard let commander = incident.commander else {
            throw IncidentError(.notAllowed, "\(incident.id) has no incident commander yet; only the IC can snooze its nudges (name one with /ic).")
        }
        guard actor == commander || roster.admins.contains(actor) else {
            throw IncidentError(.notAllowed, "Only the incident commander (@\(commander)) or an incident admin can snooze \(incident.id)'s nudges.")
        }
        guard incident.phase == .investigating || incident.phase == .mitigated else {
            throw IncidentError(.wrongPhase, "\(incident.id) is \(incident.phase.rawValue); no status updates are nudged any more.")
        }
        guard let interval = policy.updateInterval(incident.severity) else {
            throw IncidentError(.wrongPhase, "\(incident.severity) incidents take status updates as needed; there are no nudges to snooze.")
        }
        guard let duration else {
            try endSnooze(interval: interval)
            return
        }
        let longest = policy.longestSnooze
        guard duration <= longest else {
            throw IncidentError(.notAllowed, "A snooze lasts at most \(DurationText.format(longest)) (the policy's snooze_max).")
        }
        let until = now + duration
        incident.snoozedUntil = until
        // From the cadence each time, so a second, shorter snooze shortens it.
        incident.nextUpdateDue = max(cadenceDue(interval: interval), until)
        let time = zone.clockTime(until)
        record(.snoozed, "Snoozed status-update nudges for \(DurationText.format(duration)), until \(time).")
        post(Messages.snoozed(incident, until: until, by: actor))
        updateTopic()
        reply = Messages.reply("Nudges for \(incident.id) are snoozed until \(time); pages still go out.")
    }

    /// `/incident snooze off`: the update clock runs again by the cadence; a deadline that
    /// passed during the snooze is nudged now (one miss, as it would have been).
    private mutating func endSnooze(interval: Duration) throws(IncidentError) {
        guard let until = incident.snoozedUntil, until > now else {
            throw IncidentError(.noChange, "\(incident.id)'s nudges are not snoozed.")
        }
        incident.snoozedUntil = nil
        incident.nextUpdateDue = max(now, cadenceDue(interval: interval))
        record(.snoozed, "Ended the snooze of status-update nudges.")
        updateTopic()
        reply = Messages.reply("Nudges for \(incident.id) are back on; next update due \(zone.clockTime(incident.nextUpdateDue!)).")
    }

    /// When the next update is due by the cadence alone: one interval after the last update for
    /// each miss already counted, and one more.
    func cadenceDue(interval: Duration) -> Timestamp {
        incident.lastUpdateAt + .seconds(interval.wholeSeconds * Int64(incident.missedUpdates + 1))
    }

    /// Whether a nudge due at `due` waits for the snooze to end.
    func isSnoozed(at due: Timestamp) -> Bool {
        incident.snoozedUntil.map { due < $0 } ?? false
    }
}
