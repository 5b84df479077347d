import IncidentCore
import IncidentPolicy

/// Response targets: the room is warned when a fifth of a target's time is left and told when
/// it runs out, once each, while the incident has not got there (`ResponseClock`). Resolving
/// ends every clock. `/incident started` records when the impact began, for time to detect.
extension Transition {
    /// The target items due: a warning, then the miss, for each clock still running.
    static func targetItems(_ incident: Incident) -> [DueItem] {
        guard incident.phase == .investigating || incident.phase == .mitigated else { return [] }
        return incident.responseClocks.compactMap { clock in
            guard clock.reachedAt == nil, !incident.told(clock, missed: true) else { return nil }
            if incident.told(clock, missed: false) {
                // Met up to its deadline's own second (`ResponseClock.met`): missed the second after,
                // so an acknowledgement in that second is not told it missed.
                return DueItem(at: clock.deadline + .seconds(1), kind: .targetMissed(clock.target))
            }
            return DueItem(at: clock.started + ResponseTargets.warning(for: clock.length), kind: .targetWarning(clock.target))
        }
    }

    mutating func warnOfTarget(_ kind: ResponseTargets.Kind) {
        guard let clock = incident.responseClocks.first(where: { $0.target == kind }) else { return }
        incident.targetNotices = (incident.targetNotices ?? []).union([TargetNotice(kind, missed: false, deadline: clock.deadline)])
        // Late (the scheduler was down, or a raise made the target shorter): the miss says it.
        guard now < clock.deadline else {
            record(.target, "\(incident.severity) target \(kind.phrase) (\(DurationText.format(clock.length))) ran out at \(zone.clockTime(clock.deadline, seenAt: now)) before its warning went out.", by: .bot)
            return
        }
        // Late by most of its warning's lead (a fifth of the target): the miss, moments away,
        // says it. A restart at 10:29:59 warned "runs out at 10:30 UTC, 1s from now".
        guard clock.deadline - now >= clock.length / 10 else {
            record(.target, "\(incident.severity) target \(kind.phrase) (\(DurationText.format(clock.length))) runs out at \(zone.clockTime(clock.deadline, seenAt: now)), too soon to warn of it.", by: .bot)
            return
        }
        let left = DurationText.format(clock.deadline - now)
        record(.target, "\(incident.severity) target \(kind.phrase) (\(DurationText.format(clock.length))) runs out at \(zone.clockTime(clock.deadline, seenAt: now)); \(left) left.", by: .bot)
        post(Messages.targetWarning(incident, clock, left: left, now: now))
    }

    /// After a severity change: a target whose deadline moved to a time still ahead is warned
    /// of and told missed afresh, by its new deadline (its notices told of the old one). Kept
    /// as told, a P1 lowered to P2 after its 30-minute warning never heard of the P2's deadline
    /// two hours on, and an incident whose P0 target had been missed was never told of the P1
    /// one it was now held to. One moved to a time already past carries what the room was told
    /// over to it: told the P2's target missed, it is not told the P1's missed too. Each notice
    /// keeps its deadline: a P1 lowered to P3 and raised again is not told twice of a miss it
    /// heard of before.
    mutating func carryTargetNotices(_ before: [ResponseTargets.Kind: Timestamp]) {
        guard let notices = incident.targetNotices, !notices.isEmpty else { return }
        // Notices stored without their deadline told of the one in force until now.
        var kept = Set(notices.map { notice in
            var notice = notice
            if notice.deadline == nil { notice.deadline = before[notice.target] }
            return notice
        })
        for clock in incident.responseClocks where clock.deadline <= now {
            guard let old = before[clock.target], old != clock.deadline else { continue }
            for notice in kept where notice.target == clock.target && notice.deadline == old {
                kept.insert(TargetNotice(clock.target, missed: notice.missed, deadline: clock.deadline))
            }
        }
        incident.targetNotices = kept
    }

    mutating func recordTargetMissed(_ kind: ResponseTargets.Kind) {
        guard let clock = incident.responseClocks.first(where: { $0.target == kind }) else { return }
        incident.targetNotices = (incident.targetNotices ?? []).union([TargetNotice(kind, missed: false, deadline: clock.deadline),
                                                                      TargetNotice(kind, missed: true, deadline: clock.deadline)])
        record(.target, PostmortemDraft.missedPrefix + "\(incident.severity) target \(kind.phrase) (\(DurationText.format(clock.length)), due \(zone.clockTime(clock.deadline, seenAt: now))).", by: .bot)
        post(Messages.targetMissed(incident, clock, now: now))
    }

    /// `/incident started`: when the impact began (at most now, at most 30 days before the declaration).
    mutating func setImpactStart(_ start: ImpactStart, by actor: PersonID) throws(IncidentError) {
        try requireLead(actor, to: "say when the impact started")
        let instant: Timestamp
        switch start.instant(at: now, declaredAt: incident.declaredAt, zone: zone) {
        case .at(let reading):
            instant = reading
        case .skipped(let time):
            throw IncidentError(.notAllowed, "\(time.isoDate) \(time.hourMinute) never happened in \(zone): the clocks went forward that night; "
                                + "say the time the clock showed.")
        }
        guard instant <= now else {
            throw IncidentError(.notAllowed, "\(zone.dateTime(instant)) has not come yet; say when the impact started.")
        }
        guard instant >= incident.declaredAt - .days(30) else {
            throw IncidentError(.notAllowed, "\(zone.dateTime(instant)) is more than 30 days before \(incident.id) was declared.")
        }
        // An impact that began after customers stopped being hurt is no start of this one's.
        if let ended = incident.mitigatedAt ?? incident.resolvedAt, instant > ended {
            throw IncidentError(.notAllowed, "\(zone.dateTime(instant)) is after \(incident.id) was \(incident.mitigatedAt != nil ? "mitigated" : "resolved") "
                                + "(\(zone.dateTime(ended))); say when the impact started.")
        }
        // Said again, it changes nothing: a second identical entry is no change to record.
        guard instant != incident.impactStartedAt else {
            throw IncidentError(.noChange, "\(incident.id)'s impact already started \(zone.dateTime(instant)) on its record.")
        }
        incident.impactStartedAt = instant
        let detect = DurationText.format(incident.timeToDetect ?? .zero)
        record(.impactStarted, "Impact started \(zone.dateTime(instant)); detected after \(detect).")
        reply = Messages.reply("\(incident.id)'s impact started \(zone.dateTime(instant)): time to detect \(detect).")
    }
}
